// Several trials on a pool reading one streaming datastore at once: each reader has its own
// read-ahead queue, the decode threads and the budget are shared. Here (label parallel) so
// that CI also runs it under ThreadSanitizer.
#include <doctest/doctest.h>

#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "../io/temp_dir.hpp"
#include "partrain/core/fingerprint.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/parallel/pool.hpp"
#include "partrain/partrain.hpp"

namespace pt = partrain;

namespace {
using net = pt::network<pt::layers::image_input<8, 8, 1>, pt::layers::conv2d<3, 4, pt::same>, pt::layers::relu,
                        pt::layers::fully_connected<10>, pt::layers::softmax, pt::layers::classification>;

template <class D>
std::uint64_t trial(const D& data, int seed, pt::context* ctx = nullptr) {
  const pt::training_options<pt::optim::sgdm> options{.max_epochs = 2, .mini_batch_size = 8,
                                                      .shuffle = pt::shuffle_mode::every_epoch, .verbose = false,
                                                      .seed = std::uint64_t(seed)};
  const auto r = ctx ? pt::train_network<net>(data, options, *ctx) : pt::train_network<net>(data, options);
  return pt::fingerprint().add(r.network.parameters()).add(std::span<const double>(r.info.training_loss)).value();
}
}  // namespace

TEST_CASE("trials on a pool share one streaming datastore and get what each gets alone in memory") {
  pt::test::temp_dir dir("shared-streaming");
  // 100 images of 16 KiB: each trial's read-ahead alone would pass the 1 MiB budget.
  pt::data::generate_digits(dir.path / "digits", {.seed = 6, .count_per_class = 10, .image_size = 128});
  const pt::data::image_datastore_options listing{.include_subfolders = true, .label_source = pt::data::folder_names};
  auto streaming = listing;
  streaming.streaming = pt::data::stream_options{.memory_budget_mib = 1, .decode_threads = 2};
  const pt::data::image_datastore mem(dir.path / "digits", listing), str(dir.path / "digits", streaming);
  const pt::data::image_augmenter aug{.rand_x_translation = {-1, 1}, .seed = 3};
  const pt::data::augmented_image_datastore mem_aug({8, 8}, mem, aug), str_aug({8, 8}, str, aug);

  std::vector<std::uint64_t> alone;
  for (int seed = 1; seed <= 4; ++seed) alone.push_back(trial(mem_aug, seed));
  pt::parallel::pool p{pt::parallel::pool_options{.use_gpus = false, .cpu_workers = 3}};
  std::vector<std::future<std::uint64_t>> shared;
  for (int seed = 1; seed <= 4; ++seed)
    shared.push_back(p.submit([&, seed](pt::context& ctx) { return trial(str_aug, seed, &ctx); }));
  for (std::size_t i = 0; i < shared.size(); ++i) CHECK(shared[i].get() == alone[i]);
  CHECK(str.stream_peak_bytes_held() <= (std::size_t(1) << 20) + 2 * 128 * 128);
  CHECK(str.stream_bytes_held() == 0);  // each run let go of what it had read ahead
}
