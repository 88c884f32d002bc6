// Writes a small seed corpus for the fuzzers: one image per format, IDX files plain and gzip,
// a .safetensors file, and the JSON files of an experiment folder.
//   make_seeds <image dir> <idx dir> [<safetensors dir> <json dir>]
#include <zlib.h>

#include <filesystem>
#include <string>

#include "partrain/data/detail/stb_image.hpp"  // stbi_write_* for the image seeds
#include "partrain/data/image_io.hpp"
#include "partrain/io/experiment.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/io/training_info_io.hpp"

using namespace partrain::data;

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) return 2;
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
  if (argc == 3) return 0;

  namespace io = partrain::io;
  const std::filesystem::path st_dir = argv[3], json_dir = argv[4];
  std::filesystem::create_directories(st_dir);
  std::filesystem::create_directories(json_dir);
  const std::vector<float> w{1, -2, 3.5f, 0};
  const std::vector<double> m{0.25, 4};
  const std::vector<io::named_tensor> tensors{io::named_tensor::from<float>("conv2d_1.weight", {2, 1, 2, 1}, w),
                                              io::named_tensor::from<double>("batch_norm_1.trained_mean", {2}, m)};
  io::write_safetensors(st_dir / "net.safetensors", tensors, {{"architecture", "conv2d<2,2,same,1>"}});
  partrain::training_info info;
  info.iterations_per_epoch = 2;
  for (int i = 0; i < 4; ++i) {
    info.training_loss.push_back(2.0 / (i + 1));
    info.training_accuracy.push_back(20.0 * i);
    info.validation_loss.push_back(i % 2 ? 1.0 : partrain::training_info::nan);
    info.validation_accuracy.push_back(i % 2 ? 50.0 : partrain::training_info::nan);
    info.base_learn_rate.push_back(0.01);
    info.epoch.push_back(1 + i / 2);
  }
  io::write_file_atomic(json_dir / "training_info.json", io::to_json(info).dump(1));
  io::trial_record r;
  r.name = "cnn";
  r.architecture = "conv2d<2,2,same,1>";
  r.solver = "adam";
  r.options = {{"initial_learn_rate", 0.001}, {"max_epochs", 2}};
  r.info = info;
  r.test_accuracy = 91.5;
  const std::vector<io::trial_record> trials{r};
  io::write_file_atomic(json_dir / "summary.json", io::detail::summary_json(trials, "20250101T000000").dump(2));
  io::write_file_atomic(json_dir / "options.json", r.options.dump(2));
  io::write_file_atomic(json_dir / "trial.json",
                        nlohmann::json{{"trial", 1}, {"name", "cnn"}, {"architecture", r.architecture},
                                       {"solver", "adam"}, {"test_accuracy", 91.5}}.dump(2));
  return 0;
}
