// End to end on real files: generated digit PNGs -> image_datastore -> per-label split ->
// augmentation -> the seed CNN -> test accuracy.
#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/split_each_label.hpp"
#include "partrain/partrain.hpp"

using namespace partrain;

TEST_CASE("the seed CNN learns generated digits from PNG files") {
  const auto dir = std::filesystem::temp_directory_path() / ("partrain-e2e-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  data::generate_digits(dir, {.seed = 7, .count_per_class = 200});
  data::image_datastore imds(dir, {.include_subfolders = true, .label_source = data::folder_names});
  auto [train, test] = data::split_each_label(imds, 0.8, {.seed = 1});
  REQUIRE(train.size() == 1600);
  data::augmented_image_datastore augmented({28, 28}, train,
                                            data::image_augmenter{.rand_x_translation = {-2, 2},
                                                                  .rand_y_translation = {-2, 2}, .seed = 3});
  static_assert(requires(std::span<const std::size_t> order) { augmented.start_epoch(order, 64, 0); },
                "train_network prefetches through start_epoch");
  auto result = train_network<models::seed_cnn>(
      augmented, training_options<optim::sgdm>{.initial_learn_rate = 0.05, .max_epochs = 8, .mini_batch_size = 64,
                                               .shuffle = shuffle_mode::every_epoch, .verbose = false, .seed = 2});
  const double acc = accuracy_fraction(classify(result.network, test));
  MESSAGE("seed CNN test accuracy on 400 generated digits: ", acc);
  CHECK(acc > 0.9);
  CHECK(result.info.stop_reason == stop_reason::max_epochs);
  std::filesystem::remove_all(dir);
}
