#include <doctest/doctest.h>

#include "data_test_util.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/image_io.hpp"
#include "partrain/data/detail/stb_image.hpp"  // stbi_write_* for the test images

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;

namespace {
std::vector<std::uint8_t> encode_with(int (*writer)(stbi_write_func*, void*, int, int, int, const void*),
                                      const decoded_image& img) {
  std::vector<std::uint8_t> out;
  auto append = [](void* ctx, void* b, int n) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<std::uint8_t*>(b), static_cast<std::uint8_t*>(b) + n);
  };
  REQUIRE(writer(append, &out, img.width, img.height, img.channels, img.pixels.data()));
  return out;
}
}  // namespace

TEST_CASE("PNG round trip keeps gray and RGB pixels exactly") {
  for (int c : {1, 3}) {
    const auto img = data::test::pattern(9, 13, c, 5);
    const auto back = decode_image(encode_png(img), "mem.png");
    CHECK(back.height == 9);
    CHECK(back.width == 13);
    CHECK(back.channels == c);
    CHECK(back.pixels == img.pixels);
  }
}

TEST_CASE("BMP, TGA and PGM decode to the written pixels; JPEG approximately") {
  const auto gray = data::test::pattern(8, 6, 1, 3), rgb = data::test::pattern(8, 6, 3, 9);
  CHECK(decode_image(encode_with(stbi_write_bmp_to_func, rgb), "a.bmp").pixels == rgb.pixels);
  CHECK(decode_image(encode_with(stbi_write_tga_to_func, gray), "a.tga").pixels == gray.pixels);
  std::string pgm = "P5\n6 8\n255\n";
  pgm.append(gray.pixels.begin(), gray.pixels.end());
  const auto from_pgm = decode_image(std::span(reinterpret_cast<const std::uint8_t*>(pgm.data()), pgm.size()), "a.pgm");
  CHECK(from_pgm.channels == 1);
  CHECK(from_pgm.pixels == gray.pixels);
  std::vector<std::uint8_t> jpg;
  decoded_image flat{16, 16, 3, std::vector<std::uint8_t>(768, 120)};
  stbi_write_jpg_to_func([](void* ctx, void* b, int n) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<std::uint8_t*>(b), static_cast<std::uint8_t*>(b) + n);
  }, &jpg, 16, 16, 3, flat.pixels.data(), 95);
  const auto from_jpg = decode_image(jpg, "a.jpg");
  auto forged = jpg;  // a Huffman table with more than 256 codes overflows stb 2.27 (fuzzer find)
  for (std::size_t i = 0; i + 21 < forged.size(); ++i)
    if (forged[i] == 0xFF && forged[i + 1] == 0xC4) {
      for (std::size_t k = 0; k < 16; ++k) forged[i + 5 + k] = 200;
      break;
    }
  check_throws<data_error>([&] { decode_image(forged, "forged.jpg"); }, {"'forged.jpg'", "Huffman table"});
  CHECK(from_jpg.channels == 3);
  for (auto v : from_jpg.pixels) CHECK(std::abs(int(v) - 120) <= 2);
}

TEST_CASE("alpha is dropped: RGBA gives 3 channels, gray+alpha gives 1") {
  auto rgba = data::test::pattern(4, 5, 4, 1);
  const auto rgb = decode_image(encode_png(rgba), "rgba.png");
  REQUIRE(rgb.channels == 3);
  CHECK(rgb.at(2, 3, 1) == rgba.pixels[(2 * 5 + 3) * 4 + 1]);
  const auto ga = decode_image(encode_png(data::test::pattern(4, 5, 2, 1)), "ga.png");
  CHECK(ga.channels == 1);
}

TEST_CASE("bad image bytes give data_error naming the file") {
  const auto png = encode_png(data::test::pattern(20, 20, 1, 0));
  check_throws<data_error>([] { decode_image({}, "empty.png"); }, {"'empty.png'", "empty file"});
  const std::string text = "this is not an image at all";
  check_throws<data_error>([&] {
    decode_image(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), "notes.png");
  }, {"'notes.png'", "not a readable"});
  // truncated: the header survives, the pixel data does not
  check_throws<data_error>([&] { decode_image(std::span(png).first(png.size() / 2), "half.png"); },
                           {"'half.png'", "corrupt or truncated"});
  auto corrupt = png;
  for (std::size_t i = 45; i < corrupt.size() - 12; ++i) corrupt[i] ^= 0x5a;  // scramble the zlib stream
  check_throws<data_error>([&] { decode_image(corrupt, "scrambled.png"); }, {"'scrambled.png'"});
  const std::string pnm = "P5\n5 51111111111111111111\n255\n";  // found by the fuzzer
  check_throws<data_error>([&] {
    decode_image(std::span(reinterpret_cast<const std::uint8_t*>(pnm.data()), pnm.size()), "long.pgm");
  }, {"'long.pgm'", "PGM/PPM header"});
  check_throws<data_error>([&] { decode_image(png, "big.png", 399); }, {"'big.png'", "20x20", "outside 1..399 pixels"});
  // A 3x4 PNG whose zlib stream makes stb report "outofmem" (found by the fuzzer): the file's fault.
  const std::vector<std::uint8_t> zlib_outofmem{
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
      0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0xc4, 0x4f, 0x12, 0x50, 0x3d, 0x00, 0x00,
      0x5a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x5e, 0x63, 0xde, 0x93, 0x8c, 0x8a, 0x2b, 0x00, 0x00, 0x00, 0x00, 0x49,
      0x45, 0x4e, 0x44, 0xff, 0xff, 0xff, 0xff};
  check_throws<data_error>([&] { decode_image(zlib_outofmem, "zlib.png"); }, {"'zlib.png'", "outofmem"});
}

TEST_CASE("read_image and write_png report the file on failure") {
  data::test::temp_dir dir;
  const auto img = data::test::pattern(3, 4, 3, 2);
  write_png(dir / "x.png", img);
  CHECK(read_image(dir / "x.png").pixels == img.pixels);
  check_throws<io_error>([&] { read_image(dir / "missing.png"); }, {"missing.png", "cannot open"});
  check_throws<io_error>([&] { write_png(dir / "no/such/dir/x.png", img); }, {"x.png", "cannot open for writing"});
  check_throws<shape_error>([&] { encode_png(decoded_image{2, 2, 1, {1, 2, 3}}); }, {"2x2x1", "3 bytes"});
}

// Three corrupt JPEGs (kept in tests/data/corrupt_jpeg): 6.jpg's scans use Huffman tables it
// never defines, so stb read whatever the previous decode left in memory — a SIGSEGV after
// 4.jpg and 5.jpg, a "decoded" 4x3x3 image inside a datastore, a clean error alone.
TEST_CASE("corrupt JPEGs are data_errors naming the file, whatever was decoded before") {
  const std::filesystem::path dir = PARTRAIN_TEST_DATA_DIR "/corrupt_jpeg";
  for (int pass = 0; pass < 2; ++pass)
    for (const char* name : {"4.jpg", "5.jpg", "6.jpg"})
      check_throws<data_error>([&] { read_image(dir / name); }, {name});
  // After a good JPEG too: its tables stay in freed memory that the next decode may get.
  const auto good = encode_with(
      [](stbi_write_func* f, void* c, int w, int h, int n, const void* d) { return stbi_write_jpg_to_func(f, c, w, h, n, d, 90); },
      data::test::pattern(16, 16, 3, 1));
  CHECK(decode_image(good, "good.jpg").channels == 3);
  check_throws<data_error>([&] { read_image(dir / "6.jpg"); }, {"6.jpg", "Huffman table"});
  // Inside a datastore, after good JPEGs were decoded.
  data::test::temp_dir tmp;
  for (const char* name : {"a.jpg", "b.jpg"}) write_file_bytes(tmp / name, good);
  std::filesystem::copy_file(dir / "6.jpg", tmp / "c.jpg");
  image_datastore store(tmp.path);
  check_throws<data_error>([&] { store.preload(); }, {"c.jpg"});
  image_datastore alone(dir / "6.jpg");
  check_throws<data_error>([&] { alone.preload(); }, {"6.jpg"});
}
