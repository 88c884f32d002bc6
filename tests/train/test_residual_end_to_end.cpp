// A residual network on 3-channel image files end to end: generated colour PNGs of two sizes
// -> image_datastore -> per-label split -> augmentation (resize, reflection) -> models::resnet
// -> test accuracy; and the initialiser options of models::resnet.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/image_io.hpp"
#include "partrain/data/split_each_label.hpp"
#include "partrain/partrain.hpp"

using namespace partrain;

namespace {
// Three classes of 8-bit RGB images, 32x32 and 40x40: a bright disc of the class's colour
// (red, green, blue) at a random place on a noisy background.
void write_colour_images(const std::filesystem::path& dir, int per_class) {
  random_engine rng(11);
  const char* names[] = {"red", "green", "blue"};
  for (int label = 0; label < 3; ++label) {
    std::filesystem::create_directories(dir / names[label]);
    for (int i = 0; i < per_class; ++i) {
      data::decoded_image img{i % 2 ? 40 : 32, i % 2 ? 40 : 32, 3, {}};
      img.pixels.resize(std::size_t(img.height) * img.width * 3);
      const double cy = rng.uniform(10, img.height - 10), cx = rng.uniform(10, img.width - 10);
      for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x)
          for (int c = 0; c < 3; ++c) {
            const bool disc = std::hypot(y - cy, x - cx) < 7 && c == label;
            img.pixels[(std::size_t(y) * img.width + x) * 3 + c] = std::uint8_t(rng.uniform(0, 90) + (disc ? 160 : 0));
          }
      data::write_png(dir / names[label] / ("image_" + std::to_string(i) + ".png"), img);
    }
  }
}
}  // namespace

TEST_CASE("a ResNet learns 3-channel image files through the datastore and augmentation") {
  const auto dir = std::filesystem::temp_directory_path() / ("partrain-resnet-e2e-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  write_colour_images(dir, 60);
  data::image_datastore imds(dir, {.include_subfolders = true, .label_source = data::folder_names});
  auto [train, test] = data::split_each_label(imds, 0.75, {.seed = 1});
  data::augmented_image_datastore augmented({32, 32}, train, data::image_augmenter{.rand_x_reflection = true, .seed = 3});
  using net_t = models::resnet<4, 1, 32, 32, 3, 3>;
  auto result = train_network<net_t>(
      augmented, training_options<optim::sgdm>{.initial_learn_rate = 0.05, .max_epochs = 6, .mini_batch_size = 16,
                                               .shuffle = shuffle_mode::every_epoch, .verbose = false, .seed = 2});
  const double acc = accuracy_fraction(classify(result.network, data::augmented_image_datastore({32, 32}, test)));
  MESSAGE("resnet<4, 1> test accuracy on 45 generated colour images: ", acc);
  CHECK(acc > 0.9);
  CHECK(result.info.stop_reason == stop_reason::max_epochs);
  std::filesystem::remove_all(dir);
}

TEST_CASE("models::resnet initialisers: Glorot by default, Kaiming (He-normal, fan-out), zero-scale residual ends") {
  using kaiming = models::resnet<16, 1, 32, 32, 3, 10, models::resnet_init::kaiming_zero_residual>;
  kaiming net(4);
  double sum = 0, sum_sq = 0;
  std::size_t count = 0, zero_scales = 0, one_scales = 0;
  net.for_each_parameter([&](const auto& p) {
    if (p.name == "residual_2.body.conv2d_2.weight")  // 3x3 conv, 32 filters: fan-out 288
      for (float v : p.value) sum += v, sum_sq += double(v) * v, ++count;
    if (p.name.ends_with("body.batch_norm_2.scale"))
      for (float v : p.value) zero_scales += v == 0.0f;
    if (p.name.ends_with("body.batch_norm_1.scale"))
      for (float v : p.value) one_scales += v == 1.0f;
  });
  REQUIRE(count == 32 * 32 * 9);
  const double mean = sum / count, deviation = std::sqrt(sum_sq / count - mean * mean);
  CHECK(std::abs(mean) < 0.01);
  CHECK(deviation == doctest::Approx(std::sqrt(2.0 / 288)).epsilon(0.05));
  CHECK(zero_scales == 16 + 32 + 64);  // one unit per stage
  CHECK(one_scales == 16 + 32 + 64);
  // The default starts Glorot-uniform: within sqrt(6 / (fan_in + fan_out)).
  models::resnet<16, 1> glorot(4);
  glorot.for_each_parameter([&](const auto& p) {
    if (p.name == "residual_2.body.conv2d_2.weight")
      for (float v : p.value) REQUIRE(std::abs(v) <= std::sqrt(6.0 / (288 + 288)));
  });
}
