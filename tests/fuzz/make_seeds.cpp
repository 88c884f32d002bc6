// Writes a small seed corpus for the fuzzers: one image per format, IDX files plain and gzip.
#include <zlib.h>

#include <filesystem>
#include <string>

#include "partrain/data/image_io.hpp"

using namespace partrain::data;

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::filesystem::path img_dir = argv[1], idx_dir = argv[2];
  std::filesystem::create_directories(img_dir);
  std::filesystem::create_directories(idx_dir);
  decoded_image g{6, 5, 1, {}}, c{4, 3, 3, {}};
  for (int i = 0; i < 30; ++i) g.pixels.push_back(std::uint8_t(i * 8));
  for (int i = 0; i < 36; ++i) c.pixels.push_back(std::uint8_t(i * 7));
  write_png(img_dir / "gray.png", g);
  write_png(img_dir / "rgb.png", c);
  auto save = [](const std::filesystem::path& p, auto writer, const decoded_image& im) {
    std::vector<std::uint8_t> out;
    auto append = [](void* ctx, void* b, int n) {
      auto* v = static_cast<std::vector<std::uint8_t>*>(ctx);
      v->insert(v->end(), static_cast<std::uint8_t*>(b), static_cast<std::uint8_t*>(b) + n);
    };
    writer(append, &out, im);
    write_file_bytes(p, out);
  };
  save(img_dir / "a.bmp", [](auto f, auto* o, const decoded_image& im) { stbi_write_bmp_to_func(f, o, im.width, im.height, im.channels, im.pixels.data()); }, c);
  save(img_dir / "a.tga", [](auto f, auto* o, const decoded_image& im) { stbi_write_tga_to_func(f, o, im.width, im.height, im.channels, im.pixels.data()); }, g);
  save(img_dir / "a.jpg", [](auto f, auto* o, const decoded_image& im) { stbi_write_jpg_to_func(f, o, im.width, im.height, im.channels, im.pixels.data(), 80); }, c);
  std::string pgm = "P5\n5 6\n255\n";
  pgm.append(g.pixels.begin(), g.pixels.end());
  write_file_bytes(img_dir / "a.pgm", std::span(reinterpret_cast<const std::uint8_t*>(pgm.data()), pgm.size()));

  std::vector<std::uint8_t> idx{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 2};
  for (int i = 0; i < 12; ++i) idx.push_back(std::uint8_t(i));
  write_file_bytes(idx_dir / "images.idx", idx);
  write_file_bytes(idx_dir / "labels.idx", std::vector<std::uint8_t>{0, 0, 8, 1, 0, 0, 0, 2, 3, 7});
  gzFile f = gzopen((idx_dir / "images.idx.gz").string().c_str(), "wb");
  gzwrite(f, idx.data(), unsigned(idx.size()));
  gzclose(f);
  return 0;
}
