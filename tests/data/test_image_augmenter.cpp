#include <doctest/doctest.h>

#include <cmath>

#include "data_test_util.hpp"
#include "partrain/data/augmented_image_datastore.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;
using data::test::pattern;

namespace {
/// An in-memory datastore of `n` copies of one h x w gray pattern image (label 0).
image_datastore copies(int n, const decoded_image& img) {
  std::vector<std::string> names, labels;
  std::vector<decoded_image> images;
  for (int i = 0; i < n; ++i) {
    names.push_back("img" + std::to_string(i));
    images.push_back(img);
    labels.push_back("a");
  }
  return image_datastore::from_images(names, std::move(images), labels);
}
std::vector<float> read_all(const augmented_image_datastore& ds, std::uint64_t epoch) {
  const auto d = ds.image_dims();
  std::vector<float> x(ds.size() * d.image_size());
  std::vector<int> y(ds.size());
  std::vector<std::size_t> idx(ds.size());
  for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  ds.read_batch(idx, epoch, x.data(), y.data());
  return x;
}
}  // namespace

TEST_CASE("x reflection: each output is the original or its left-right flip, about half each") {
  const auto img = pattern(7, 10, 1, 3);
  const augmented_image_datastore ds({7, 10}, copies(64, img), {.rand_x_reflection = true});
  const auto x = read_all(ds, 0);
  int flipped = 0;
  for (int i = 0; i < 64; ++i) {
    bool same = true, flip = true;
    for (int y = 0; y < 7; ++y)
      for (int c = 0; c < 10; ++c) {
        const float v = x[std::size_t(i * 70 + y * 10 + c)];
        same &= v == float(img.at(y, c));
        flip &= v == float(img.at(y, 9 - c));
      }
    CHECK((same || flip));
    flipped += flip;
  }
  CHECK(flipped > 16);
  CHECK(flipped < 48);
}

TEST_CASE("y reflection flips rows") {
  const auto img = pattern(6, 5, 1, 1);
  const augmented_image_datastore ds({6, 5}, copies(32, img), {.rand_y_reflection = true});
  const auto x = read_all(ds, 3);
  int flipped = 0;
  for (int i = 0; i < 32; ++i) {
    const bool flip = x[std::size_t(i * 30)] == float(img.at(5, 0));
    flipped += flip;
    for (int y = 0; y < 6; ++y)
      for (int c = 0; c < 5; ++c) CHECK(x[std::size_t(i * 30 + y * 5 + c)] == float(img.at(flip ? 5 - y : y, c)));
  }
  CHECK(flipped > 4);
  CHECK(flipped < 28);
}

TEST_CASE("translation by +2 moves a known pixel by 2 and fills what left the frame") {
  const auto img = pattern(8, 8, 1, 11);
  const augmented_image_datastore right({8, 8}, copies(1, img),
                                        {.fill_value = 77, .rand_x_translation = {2, 2}});
  const auto x = read_all(right, 0);
  CHECK(x[3 * 8 + 5] == float(img.at(3, 3)));  // (3,3) moved to (3,5)
  for (int y = 0; y < 8; ++y) {
    CHECK(x[std::size_t(y * 8 + 0)] == 77.f);
    CHECK(x[std::size_t(y * 8 + 1)] == 77.f);
    for (int c = 2; c < 8; ++c) CHECK(x[std::size_t(y * 8 + c)] == float(img.at(y, c - 2)));
  }
  const augmented_image_datastore up({8, 8}, copies(1, img), {.rand_y_translation = {-3, -3}});
  const auto u = read_all(up, 0);
  CHECK(u[1 * 8 + 4] == float(img.at(4, 4)));
  CHECK(u[7 * 8 + 4] == 0.f);  // default fill_value 0
}

TEST_CASE("rotation by 90 degrees is counter-clockwise as displayed; scale 2 keeps the centre") {
  decoded_image img{4, 4, 1, std::vector<std::uint8_t>(16, 0)};
  img.pixels[0 * 4 + 3] = 200;  // top-right corner
  const augmented_image_datastore rot({4, 4}, copies(1, img), {.rand_rotation = {90, 90}});
  const auto r = read_all(rot, 0);
  CHECK(r[0] == doctest::Approx(200).epsilon(1e-4));  // now top-left
  CHECK(r[3] == doctest::Approx(0).epsilon(1e-4));

  const auto p = pattern(9, 9, 1, 2);
  const augmented_image_datastore zoom({9, 9}, copies(1, p), {.rand_scale = {2, 2}});
  const auto z = read_all(zoom, 0);
  CHECK(z[4 * 9 + 4] == float(p.at(4, 4)));
  // output (row 4, col 6) is 2 px right of the centre -> source 1 px right of the centre
  CHECK(z[4 * 9 + 6] == doctest::Approx(float(p.at(4, 5))));
}

TEST_CASE("draws are uniform in their ranges, fresh each epoch, and reproducible") {
  const image_augmenter aug{.rand_rotation = {-10, 10}, .rand_x_translation = {-4, 4}, .seed = 5};
  double sum = 0, lo = 1e9, hi = -1e9;
  for (std::uint64_t i = 0; i < 4000; ++i) {
    const auto t = draw_transform(aug, 0, i, 28, 28);
    // the centre (14, 14) moves by the translation only
    const float dx = t.x(14, 14) - 14;
    sum += dx, lo = std::min<double>(lo, dx), hi = std::max<double>(hi, dx);
  }
  CHECK(std::abs(sum / 4000) < 0.2);
  CHECK(lo >= -4);
  CHECK(hi <= 4);
  CHECK(lo < -3.9);
  CHECK(hi > 3.9);
  const auto a = draw_transform(aug, 1, 7, 28, 28), b = draw_transform(aug, 1, 7, 28, 28),
             c = draw_transform(aug, 2, 7, 28, 28);
  CHECK(a.tx == b.tx);
  CHECK(a.m01 == b.m01);
  CHECK(a.tx != c.tx);
  // enabling another option does not change this option's draw
  auto more = aug;
  more.rand_y_translation = {-2, 2};
  CHECK(draw_transform(more, 1, 7, 28, 28).x(14, 14) == doctest::Approx(a.x(14, 14)));
}

TEST_CASE("invalid augmenter ranges are config errors naming the option") {
  check_throws<config_error>([] { image_augmenter{.rand_rotation = {5, -5}}.validate(); }, {"rand_rotation = [5, -5]"});
  check_throws<config_error>([] { image_augmenter{.rand_scale = {0, 2}}.validate(); }, {"rand_scale"});
  check_throws<config_error>([] { image_augmenter{.rand_y_shear = {0, 90}}.validate(); }, {"rand_y_shear"});
  check_throws<config_error>([] { image_augmenter{.fill_value = NAN}.validate(); }, {"fill_value"});
  const auto ds = copies(1, pattern(4, 4));
  check_throws<config_error>([&] { augmented_image_datastore({4, 4}, ds, {.rand_x_scale = {2, 1}}); }, {"rand_x_scale"});
}

TEST_CASE("warp_pixel is a plain function of (params, c, y, x)") {
  const auto img = pattern(5, 5, 3, 0);
  warp_params p{img.pixels.data(), 5, 5, 3, 5, 5, 1, affine2d{}, 0};
  const float expect = 0.298936021293775f * img.at(2, 1, 0) + 0.587043074451121f * img.at(2, 1, 1) +
                       0.114020904255103f * img.at(2, 1, 2);
  CHECK(warp_pixel(p, 0, 2, 1) == doctest::Approx(expect));
  p.to_src = {1, 0, 0, 1, 0.5f, 0};  // half a pixel right: the mean of two neighbours
  p.dst_c = 3;
  CHECK(warp_pixel(p, 2, 1, 1) == doctest::Approx((img.at(1, 1, 2) + img.at(1, 2, 2)) / 2.f));
  p.to_src = {1, 0, 0, 1, 1e9f, 0};
  CHECK(warp_pixel(p, 0, 0, 0) == 0.f);
}

TEST_CASE("the batched CPU path gives exactly warp_pixel's values (the function a GPU kernel runs)") {
  const auto img = pattern(11, 9, 1, 6);
  const augmented_image_datastore ds({10, 12}, copies(20, img),
                                     {.fill_value = 13, .rand_rotation = {-40, 40}, .rand_scale = {0.7f, 1.4f},
                                      .rand_x_shear = {-15, 15}, .rand_x_reflection = true,
                                      .rand_x_translation = {-5, 5}, .rand_y_translation = {-5, 5}, .seed = 4});
  const auto x = read_all(ds, 2);
  int differ = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const warp_params p{img.pixels.data(), 11, 9, 1, 10, 12, 1, ds.source_transform(i, 2), 13};
    for (int y = 0; y < 10; ++y)
      for (int c = 0; c < 12; ++c) differ += x[i * 120 + std::size_t(y * 12 + c)] != warp_pixel(p, 0, y, c);
  }
  CHECK(differ == 0);
}
