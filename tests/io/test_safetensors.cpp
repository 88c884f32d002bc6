// safetensors: bit-exact round trip, the documented byte layout, and every kind of bad file.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "partrain/io/safetensors.hpp"
#include "temp_dir.hpp"

namespace io = partrain::io;
using partrain::io_error;

namespace {
std::vector<std::byte> bytes_of(std::string_view header, std::size_t data_bytes = 0) {
  std::vector<std::byte> out(8 + header.size() + data_bytes, std::byte{0});
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}
std::string message_of(const std::vector<std::byte>& file) {
  try {
    io::parse_safetensors(file, "bad.safetensors");
  } catch (const io_error& e) {
    return e.what();
  }
  return "no error";
}
std::vector<io::named_tensor> sample_tensors() {
  std::vector<float> w(16 * 1 * 3 * 3);
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] = std::sin(float(i)) * 1e-3f;
  w[3] = std::numeric_limits<float>::quiet_NaN(); // bit patterns must survive, NaN included
  w[4] = -0.0f;
  w[5] = std::numeric_limits<float>::denorm_min();
  std::vector<double> mean{0.1, -0.25, 1e-300};
  float scalar = 42;
  return {io::named_tensor::from<float>("conv1.weight", {16, 1, 3, 3}, w),
          io::named_tensor::from<double>("bn1.running_mean", {3}, mean),
          io::named_tensor::from<float>("step", {}, std::span(&scalar, 1)),
          io::named_tensor::from<float>("empty", {0, 4}, std::span<const float>{})};
}
} // namespace

TEST_CASE("safetensors round trip is bit-identical and keeps metadata") {
  partrain::test::temp_dir dir("safetensors");
  auto tensors = sample_tensors();
  std::map<std::string, std::string> meta{{"architecture", "conv 3x3x16"}, {"format", "pt"}};
  io::write_safetensors(dir.path / "x.safetensors", tensors, meta);
  auto back = io::read_safetensors(dir.path / "x.safetensors");
  CHECK(back.metadata == meta);
  REQUIRE(back.tensors.size() == tensors.size());
  for (const auto& t : tensors) {
    auto it = std::find_if(back.tensors.begin(), back.tensors.end(),
                           [&](const io::named_tensor& b) { return b.name == t.name; });
    REQUIRE(it != back.tensors.end());
    CHECK(it->shape == t.shape);
    CHECK(it->dtype == t.dtype);
    CHECK(it->bytes == t.bytes); // byte-wise: NaN payloads and -0 included
  }
  auto w = back.tensors[1].values<float>(); // F64 first, then F32 by name: conv1.weight
  CHECK(back.tensors[0].name == "bn1.running_mean");
  CHECK(back.tensors[1].name == "conv1.weight");
  CHECK(std::isnan(w[3]));
  CHECK(std::signbit(w[4]));
  CHECK_THROWS_WITH_AS(back.tensors[1].values<double>(),
                       doctest::Contains("tensor 'conv1.weight' has dtype F32; expected F64"),
                       io_error);
}

TEST_CASE("safetensors layout follows the reference: header padded to 8 bytes, contiguous data") {
  auto file = io::serialize_safetensors(sample_tensors(), {{"k", "v"}});
  std::uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  CHECK(n % 8 == 0);
  std::string header(reinterpret_cast<const char*>(file.data()) + 8, n);
  CHECK(header.front() == '{');
  CHECK(header.find("\"__metadata__\":{\"k\":\"v\"}") != std::string::npos);
  CHECK(
      header.find(
          "\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[16,1,3,3],\"data_offsets\":[24,600]}") !=
      std::string::npos);
  CHECK(file.size() == 8 + n + 3 * 8 + 144 * 4 + 4);
}

TEST_CASE("safetensors writer rejects inconsistent tensors") {
  auto t = sample_tensors();
  t[0].bytes.pop_back();
  CHECK_THROWS_WITH_AS(
      io::serialize_safetensors(t, {}),
      doctest::Contains(
          "tensor 'conv1.weight' of shape (16,1,3,3) and dtype F32 needs 576 bytes; has 575"),
      partrain::config_error);
  t = sample_tensors();
  t[1].name = "conv1.weight";
  t[1].dtype = "F32";
  t[1].bytes.resize(t[0].bytes.size());
  t[1].shape = t[0].shape;
  CHECK_THROWS_WITH_AS(io::serialize_safetensors(t, {}),
                       doctest::Contains("two tensors are named 'conv1.weight'"),
                       partrain::config_error);
  // Same name, dtypes of different sizes: must not silently write a file with one of them.
  const std::vector<double> one_double{1.0};
  const std::vector<float> one_float{1.0f};
  const std::vector<io::named_tensor> clash{io::named_tensor::from<double>("w", {1}, one_double),
                                            io::named_tensor::from<float>("w", {1}, one_float)};
  CHECK_THROWS_WITH_AS(io::serialize_safetensors(clash, {}), doctest::Contains("names must be unique"),
                       partrain::config_error);
  t = sample_tensors();
  t[0].dtype = "F8";
  CHECK_THROWS_WITH_AS(io::serialize_safetensors(t, {}), doctest::Contains("unknown dtype 'F8'"),
                       partrain::config_error);
  std::vector<float> v(3);
  CHECK_THROWS_AS(io::named_tensor::from<float>("a", {2, 2}, v), partrain::shape_error);
}

TEST_CASE("safetensors reader: bad files give clear errors") {
  using doctest::Contains;
  CHECK(message_of({}).find("file is 0 bytes; expected at least 8") != std::string::npos);
  auto big = bytes_of("{}");
  big[0] = std::byte{0xFF};
  CHECK(message_of(big).find("header length 255 is larger than the file (2 bytes") !=
        std::string::npos);
  auto huge = bytes_of("{}");
  huge[7] = std::byte{0x01};
  CHECK(message_of(huge).find("exceeds the 100 MB limit") != std::string::npos);
  CHECK(message_of(bytes_of("[1,2]"))
            .find("header does not start with '{'; expected a JSON object") != std::string::npos);
  CHECK(message_of(bytes_of("{\"a\":")).find("header is not valid JSON") != std::string::npos);
  CHECK(message_of(bytes_of("{\"a\":1}"))
            .find("tensor 'a': expected an object with dtype, shape and data_offsets") !=
        std::string::npos);
  CHECK(message_of(bytes_of(R"({"a":{"dtype":"X9","shape":[1],"data_offsets":[0,4]}})", 4))
            .find("dtype \"X9\" is not a known safetensors dtype") != std::string::npos);
  CHECK(message_of(bytes_of(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4))
            .find("not a non-negative integer") != std::string::npos);
  CHECK(message_of(bytes_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4))
            .find("data_offsets span 4 bytes; shape (2) of F32 needs 8") != std::string::npos);
  CHECK(message_of(bytes_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8))
            .find("tensor 'a' starts at byte 4; expected 0") != std::string::npos);
  CHECK(message_of(bytes_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 6))
            .find("trailing bytes") != std::string::npos);
  CHECK(message_of(bytes_of(R"({"__metadata__":{"a":1}})"))
            .find("__metadata__ entry 'a' is not a string") != std::string::npos);

  // Truncation anywhere in a valid file is an io_error, never a crash.
  auto good = io::serialize_safetensors(sample_tensors(), {{"k", "v"}});
  for (std::size_t cut = 0; cut < good.size(); cut += 7) {
    std::vector<std::byte> part(good.begin(), good.begin() + std::ptrdiff_t(cut));
    CHECK_THROWS_AS(io::parse_safetensors(part, "t.safetensors"), io_error);
  }
  auto cut = good;
  cut.resize(good.size() - 1);
  CHECK(message_of(cut).find("lie outside the") != std::string::npos);

  partrain::test::temp_dir dir("safetensors-bad");
  CHECK_THROWS_WITH_AS(io::read_safetensors(dir.path / "missing.safetensors"),
                       Contains("missing.safetensors': no such file"), io_error);
  CHECK_THROWS_WITH_AS(io::write_safetensors(dir.path / "no" / "x.safetensors", sample_tensors()),
                       Contains("does not exist"), io_error);
}
