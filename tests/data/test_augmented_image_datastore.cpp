#include <doctest/doctest.h>

#include <set>
#include <thread>

#include "data_test_util.hpp"
#include "partrain/data/augmented_image_datastore.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;
using data::test::pattern;

namespace {
image_datastore from(std::vector<decoded_image> images) {
  std::vector<std::string> names, labels;
  for (std::size_t i = 0; i < images.size(); ++i) {
    names.push_back("img" + std::to_string(i));
    labels.push_back(i % 2 ? "odd" : "even");
  }
  return image_datastore::from_images(names, std::move(images), labels);
}
image_datastore many(int n, int h, int w, int c = 1) {
  std::vector<decoded_image> v;
  for (int i = 0; i < n; ++i) v.push_back(pattern(h, w, c, i));
  return from(std::move(v));
}
std::vector<float> read(const augmented_image_datastore& ds, std::span<const std::size_t> idx, std::uint64_t epoch,
                        std::vector<int>* labels = nullptr) {
  return data::test::read_batch_of(ds, idx, epoch, labels);
}
std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST_CASE("without augmentation at the native size it reproduces the image_datastore exactly") {
  const auto base = many(6, 5, 4, 3);
  const augmented_image_datastore ds({5, 4}, base);
  CHECK(ds.image_dims() == dims{1, 3, 5, 4});
  CHECK(ds.class_names() == base.class_names());
  const auto idx = iota(6);
  std::vector<int> labels;
  const auto x = read(ds, idx, 0, &labels);
  std::vector<float> ref(x.size());
  std::vector<int> ref_labels(6);
  base.read_batch(idx, 0, ref.data(), ref_labels.data());
  CHECK(x == ref);
  CHECK(labels == ref_labels);
}

TEST_CASE("resize, centercrop and randcrop") {
  decoded_image blocks{8, 8, 1, std::vector<std::uint8_t>(64)};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) blocks.pixels[std::size_t(y * 8 + x)] = std::uint8_t(10 * (y / 2) + x / 2);
  const augmented_image_datastore half({4, 4}, from({blocks}));
  const std::size_t i0[] = {0};
  const auto h = read(half, i0, 0);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) CHECK(h[std::size_t(y * 4 + x)] == float(10 * y + x));

  const auto img = pattern(12, 10, 1, 4);
  const augmented_image_datastore centre({8, 6}, from({img}), {}, {.output_size_mode = output_size_mode::centercrop});
  const auto c = read(centre, i0, 0);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 6; ++x) CHECK(c[std::size_t(y * 6 + x)] == float(img.at(y + 2, x + 2)));

  const augmented_image_datastore random({8, 6}, from({img}), {}, {.output_size_mode = output_size_mode::randcrop});
  std::set<std::pair<int, int>> offsets;
  for (std::uint64_t epoch = 0; epoch < 40; ++epoch) {
    const auto r = read(random, i0, epoch);
    bool found = false;
    for (int oy = 0; oy <= 4 && !found; ++oy)
      for (int ox = 0; ox <= 4 && !found; ++ox) {
        bool match = true;
        for (int y = 0; y < 8 && match; ++y)
          for (int x = 0; x < 6 && match; ++x) match = r[std::size_t(y * 6 + x)] == float(img.at(y + oy, x + ox));
        if (match) offsets.insert({oy, ox}), found = true;
      }
    CHECK(found);
  }
  CHECK(offsets.size() > 5);
  check_throws<data_error>([&] {
    augmented_image_datastore({16, 6}, from({img}), {}, {.output_size_mode = output_size_mode::centercrop});
  }, {"'img0' is 12x10x1", "smaller than the 16x6 crop"});
}

TEST_CASE("mixed sizes are resized; mixed channels need color_preprocessing") {
  const auto mixed = from({pattern(10, 10, 1), pattern(20, 14, 1)});
  const augmented_image_datastore ds({8, 8}, mixed);
  const auto idx = iota(2);
  CHECK(read(ds, idx, 0).size() == 128);
  const auto colors = from({pattern(4, 4, 1), pattern(4, 4, 3)});
  check_throws<data_error>([&] { augmented_image_datastore({4, 4}, colors); },
                           {"'img0' has 1 channel(s) but 'img1' has 3", "gray2rgb"});
  const augmented_image_datastore rgb({4, 4, 3}, colors, {}, {.color_preprocessing = color_preprocessing::gray2rgb});
  const auto x = read(rgb, idx, 0);
  CHECK(x[0] == x[16]);                   // gray replicated into G
  CHECK(x[48 + 16] == float(pattern(4, 4, 3).at(0, 0, 1)));  // RGB kept
  check_throws<config_error>([&] { augmented_image_datastore({4, 4, 3}, many(1, 4, 4)); },
                             {"asks for 3 channel(s) but the images have 1"});
  check_throws<config_error>([&] { augmented_image_datastore({0, 4}, many(1, 4, 4)); }, {"output size 0x4x0"});
  const std::size_t bad[] = {9};
  check_throws<data_error>([&] { read(rgb, bad, 0); }, {"index 9"});
  check_throws<data_error>([&] { rgb.start_epoch(bad, 1, 0); }, {"index 9"});
}

TEST_CASE("prefetched batches equal computed ones, in order, out of order, across epochs") {
  const auto base = many(50, 12, 12);
  const image_augmenter aug{.rand_rotation = {-20, 20}, .rand_x_reflection = true, .rand_x_translation = {-3, 3},
                            .rand_y_translation = {-3, 3}, .seed = 9};
  const augmented_image_datastore fetched({10, 10}, base, aug);
  const augmented_image_datastore direct({10, 10}, base, aug, {.prefetch = false});
  std::vector<std::size_t> order(50);
  for (std::size_t i = 0; i < 50; ++i) order[i] = (i * 17) % 50;
  for (std::uint64_t epoch = 0; epoch < 3; ++epoch) {
    fetched.start_epoch(order, 8, epoch);
    for (std::size_t b = 0; b < 50; b += 8) {
      const std::span<const std::size_t> batch(order.data() + b, std::min<std::size_t>(8, 50 - b));
      std::vector<int> la, lb;
      CHECK(read(fetched, batch, epoch, &la) == read(direct, batch, epoch, &lb));
      CHECK(la == lb);
      if (b == 16) {  // a batch that was not announced is computed in place, and still right
        const std::size_t other[] = {1, 2};
        CHECK(read(fetched, other, epoch) == read(direct, other, epoch));
      }
    }
  }
  const std::size_t one[] = {3};
  CHECK(read(direct, one, 0) != read(direct, one, 1));  // a fresh draw every epoch
}

TEST_CASE("several reader threads, each with its own order, get the same data as one thread") {
  const auto base = many(40, 8, 8);
  const augmented_image_datastore ds({8, 8}, base, {.rand_rotation = {-30, 30}, .rand_y_reflection = true});
  const augmented_image_datastore ref({8, 8}, base, {.rand_rotation = {-30, 30}, .rand_y_reflection = true},
                                      {.prefetch = false});
  std::vector<int> mismatches(4, 0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        std::vector<std::size_t> order(40);
        for (std::size_t i = 0; i < 40; ++i) order[i] = (i * std::size_t(2 * t + 3)) % 40;
        for (std::uint64_t epoch = 0; epoch < 2; ++epoch) {
          ds.start_epoch(order, 5, epoch);
          for (std::size_t b = 0; b < 40; b += 5) {
            const std::span<const std::size_t> batch(order.data() + b, 5);
            mismatches[std::size_t(t)] += read(ds, batch, epoch) != read(ref, batch, epoch);
          }
        }
      });
  }
  CHECK(mismatches == std::vector<int>{0, 0, 0, 0});
}
