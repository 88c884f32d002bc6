// TensorBoard events: CRC32C against published check values, and the TFRecord framing of a
// written file (the independent reader is check_tensorboard.py, run by ctest).
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>

#include "partrain/io/file.hpp"
#include "partrain/io/tensorboard.hpp"
#include "temp_dir.hpp"

namespace io = partrain::io;

namespace {
std::span<const std::byte> as_bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}
} // namespace

TEST_CASE("crc32c matches the published check values") {
  CHECK(io::crc32c(as_bytes("123456789")) == 0xE3069283u); // RFC 3720 / the CRC catalogue
  std::vector<std::byte> zeros(32, std::byte{0});
  CHECK(io::crc32c(zeros) == 0x8A9136AAu); // RFC 3720 B.4: 32 bytes of zeros
  CHECK(io::crc32c({}) == 0u);
}

TEST_CASE("tensorboard_writer frames each event as a TFRecord") {
  partrain::test::temp_dir dir("tensorboard");
  std::filesystem::path file;
  {
    io::tensorboard_writer w(dir.path / "trial-01");
    file = w.file();
    w.add_scalar("loss/training", 1, 0.5, 1000.0);
    w.add_scalar("loss/validation", 1, partrain::training_info::nan, 1000.0); // skipped
    w.add_scalar("loss/training", 2, 0.25, 1001.0);
  }
  CHECK(file.filename().string().starts_with("events.out.tfevents."));
  auto bytes = io::read_file(file);
  std::size_t pos = 0, records = 0;
  while (pos < bytes.size()) {
    REQUIRE(pos + 12 <= bytes.size());
    std::uint64_t len;
    std::uint32_t len_crc, data_crc;
    std::memcpy(&len, &bytes[pos], 8);
    std::memcpy(&len_crc, &bytes[pos + 8], 4);
    CHECK(len_crc == io::masked_crc32c(std::span(bytes).subspan(pos, 8)));
    REQUIRE(pos + 12 + len + 4 <= bytes.size());
    auto data = std::span(bytes).subspan(pos + 12, len);
    std::memcpy(&data_crc, &bytes[pos + 12 + len], 4);
    CHECK(data_crc == io::masked_crc32c(data));
    if (records == 0) {
      std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
      CHECK(text.find("brain.Event:2") != std::string_view::npos);
    }
    pos += 12 + len + 4;
    ++records;
  }
  CHECK(records == 3);
  // Event{wall_time=1000.0, step=2, summary{value{tag, simple_value=0.25f}}}, byte for byte.
  auto e = io::detail::scalar_event(1000.0, 2, "a", 0.25f);
  const unsigned char expected[] = {0x09, 0,    0,    0,    0,    0,    0x40, 0x8F,
                                    0x40, 0x10, 0x02, 0x2A, 0x0A, 0x0A, 0x08, 0x0A,
                                    0x01, 'a',  0x15, 0,    0,    0x80, 0x3E};
  REQUIRE(e.size() == sizeof expected);
  CHECK(std::memcmp(e.data(), expected, sizeof expected) == 0);
}

TEST_CASE("write_tensorboard checks its arguments") {
  partrain::test::temp_dir dir("tensorboard-bad");
  std::vector<partrain::training_info> infos(2);
  std::vector<std::string> names{"a"};
  CHECK_THROWS_WITH_AS(io::write_tensorboard(dir.path, infos, names),
                       doctest::Contains("2 training infos but 1 names"), partrain::config_error);
  names = {"a", "b/c"};
  CHECK_THROWS_WITH_AS(io::write_tensorboard(dir.path, infos, names),
                       doctest::Contains("run name 'b/c' must be a non-empty folder name"),
                       partrain::config_error);
  std::ofstream(dir.path / "file") << "x";
  CHECK_THROWS_WITH_AS(io::tensorboard_writer(dir.path / "file" / "run"),
                       doctest::Contains("cannot create folder"), partrain::io_error);
}
