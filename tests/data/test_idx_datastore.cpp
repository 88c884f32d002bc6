#include <doctest/doctest.h>
#include <zlib.h>

#include "data_test_util.hpp"
#include "partrain/data/idx_datastore.hpp"
#include "partrain/data/split_each_label.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;

namespace {
std::vector<std::uint8_t> idx_bytes(std::vector<std::uint32_t> extents, const std::vector<std::uint8_t>& values,
                                    std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> b{0, 0, type, std::uint8_t(extents.size())};
  for (auto e : extents)
    for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(e >> s));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}
void write_gz(const std::filesystem::path& p, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(p.string().c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}
/// n images of 4x3 with pixel (i, p) = 10 i + p, labels i % 3.
void write_set(const std::filesystem::path& dir, int n, bool gz) {
  std::vector<std::uint8_t> px, lb;
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 12; ++p) px.push_back(std::uint8_t(10 * i + p));
    lb.push_back(std::uint8_t(i % 3));
  }
  const auto images = idx_bytes({std::uint32_t(n), 4, 3}, px), labels = idx_bytes({std::uint32_t(n)}, lb);
  if (gz) {
    write_gz(dir / "images.gz", images);
    write_gz(dir / "labels.gz", labels);
  } else {
    write_file_bytes(dir / "images", images);
    write_file_bytes(dir / "labels", labels);
  }
}
}  // namespace

TEST_CASE("idx_datastore reads plain and gzip MNIST-format files alike") {
  data::test::temp_dir dir;
  write_set(dir.path, 9, false);
  write_set(dir.path, 9, true);
  const idx_datastore plain(dir / "images", dir / "labels");
  const idx_datastore packed(dir / "images.gz", dir / "labels.gz", {.class_names = {"zero", "one", "two"}});
  for (const image_datastore* ds : {static_cast<const image_datastore*>(&plain), static_cast<const image_datastore*>(&packed)}) {
    REQUIRE(ds->size() == 9);
    CHECK(ds->image_dims() == dims{1, 1, 4, 3});
    CHECK(ds->num_classes() == 3);
    std::vector<float> x(2 * 12);
    std::vector<int> y(2);
    const std::size_t idx[] = {4, 8};
    ds->read_batch(idx, 0, x.data(), y.data());
    CHECK(y == std::vector<int>{1, 2});
    CHECK(x[0] == 40.f);
    CHECK(x[12 + 11] == 91.f);
  }
  CHECK(plain.class_names() == std::vector<std::string>{"0", "1", "2"});
  CHECK(packed.class_names() == std::vector<std::string>{"zero", "one", "two"});
  CHECK(packed.file(4) == (dir / "images.gz").string() + "#4");
  auto [a, b] = split_each_label(packed, 2, {.seed = 3});  // works like any image_datastore
  CHECK(a.count_each_label() == std::vector<label_count>{{"zero", 2}, {"one", 2}, {"two", 2}});
  CHECK(b.size() == 3);
}

TEST_CASE("IDX header and size disagreements are errors naming the file") {
  data::test::temp_dir dir;
  const std::vector<std::uint8_t> px(2 * 4 * 3, 1), lb{0, 1};
  write_file_bytes(dir / "labels", idx_bytes({2}, lb));
  write_file_bytes(dir / "short", idx_bytes({3, 4, 3}, px));  // header says 3 images, data holds 2
  check_throws<data_error>([&] { idx_datastore(dir / "short", dir / "labels"); },
                           {(dir / "short").string(), "header says 3x4x3 = 36 values", "holds 24 bytes"});
  write_file_bytes(dir / "three", idx_bytes({3, 4, 3}, std::vector<std::uint8_t>(36)));
  check_throws<data_error>([&] { idx_datastore(dir / "three", dir / "labels"); }, {"holds 3 images", "holds 2 labels"});
  write_file_bytes(dir / "images", idx_bytes({2, 4, 3}, px));
  check_throws<data_error>([&] { idx_datastore(dir / "labels", dir / "labels"); }, {"1-d array; expected images"});
  check_throws<data_error>([&] { idx_datastore(dir / "images", dir / "images"); }, {"3-d array; expected N labels"});
  write_file_bytes(dir / "float", idx_bytes({2}, std::vector<std::uint8_t>(8), 0x0D));
  check_throws<data_error>([&] { read_idx(dir / "float"); }, {"float", "element type 0xd"});
  data::test::write_text(dir / "text", "hello, world");
  check_throws<data_error>([&] { read_idx(dir / "text"); }, {"text", "not an IDX file"});
  write_file_bytes(dir / "hdr", std::vector<std::uint8_t>{0, 0, 8, 3, 0, 0});
  check_throws<data_error>([&] { read_idx(dir / "hdr"); }, {"truncated header"});
  check_throws<data_error>([&] { idx_datastore(dir / "images", dir / "labels", {.class_names = {"a"}}); },
                           {"label 1 at position 1", "has no class name; 1 were given"});
  check_throws<io_error>([&] { read_idx(dir / "missing.gz"); }, {"missing.gz", "cannot open"});
}

TEST_CASE("a stray label (200 among 0..9) is an error naming the file, the label and its position") {
  data::test::temp_dir dir;
  const std::size_t n = 40;
  std::vector<std::uint8_t> lb;
  for (std::size_t i = 0; i < n; ++i) lb.push_back(std::uint8_t(i % 10));
  lb[27] = 200;  // 27 % 10 = 7 still appears at 7, 17, 37
  write_file_bytes(dir / "images", idx_bytes({std::uint32_t(n), 4, 3}, std::vector<std::uint8_t>(n * 12)));
  write_file_bytes(dir / "labels", idx_bytes({std::uint32_t(n)}, lb));
  check_throws<data_error>([&] { idx_datastore(dir / "images", dir / "labels"); },
                           {(dir / "labels").string(), "label 200 at position 27", "leaves label 10 without an image",
                            "class_names"});
  std::vector<std::string> names;  // with class names, a stray label is named the same way
  for (int c = 0; c < 10; ++c) names.push_back("digit " + std::to_string(c));
  check_throws<data_error>([&] { idx_datastore(dir / "images", dir / "labels", {.class_names = names}); },
                           {"label 200 at position 27", "10 were given"});
  lb[27] = 7;  // a class without images is fine when the names say the classes
  lb[3] = lb[13] = lb[23] = lb[33] = 2;
  write_file_bytes(dir / "labels", idx_bytes({std::uint32_t(n)}, lb));
  CHECK_THROWS_AS(idx_datastore(dir / "images", dir / "labels"), data_error);
  CHECK(idx_datastore(dir / "images", dir / "labels", {.class_names = names}).num_classes() == 10);
}

TEST_CASE("corrupt and truncated gzip data are errors naming the file") {
  data::test::temp_dir dir;
  write_set(dir.path, 50, true);
  auto bytes = read_file_bytes(dir / "images.gz");
  const auto half = std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2));
  check_throws<data_error>([&] { parse_idx(half, "half.gz"); }, {"'half.gz'", "corrupt or truncated gzip"});
  for (std::size_t i = 12; i < bytes.size() - 8; ++i) bytes[i] ^= 0xa5;
  check_throws<data_error>([&] { parse_idx(bytes, "bad.gz"); }, {"'bad.gz'", "gzip"});
  const auto big = idx_bytes({1 << 20}, std::vector<std::uint8_t>(1 << 20));
  // a small file that inflates past the caller's limit (a "zip bomb") is refused
  write_gz(dir / "bomb.gz", big);
  check_throws<data_error>([&] { parse_idx(read_file_bytes(dir / "bomb.gz"), "bomb.gz", 1 << 16); },
                           {"'bomb.gz'", "more than 65536 bytes"});
}

TEST_CASE("IDX extents whose product overflows 64 bits are rejected, not wrapped") {
  // 4 extents whose product wraps modulo 2^64; found by tests/fuzz/fuzz_idx
  const std::vector<std::uint8_t> forged{0, 0, 8, 4, 0, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48, 0x48,
                                         0x48, 0x48, 0x48, 0x48, 0xb8, 0xbb, 0x17, 0x48};
  check_throws<data_error>([&] { parse_idx(forged, "forged.idx"); }, {"'forged.idx'", "header says", "holds 0 bytes"});
}
