#include <doctest/doctest.h>

#include <chrono>

#include "data_test_util.hpp"
#include "linear_baseline.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/split_each_label.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;

TEST_CASE("generate_digits writes 10 labelled folders of 28x28 gray PNGs, reproducibly") {
  data::test::temp_dir a, b, c;
  const auto summary = generate_digits(a.path, {.seed = 3, .count_per_class = 12});
  CHECK(summary.images == 120);
  CHECK(summary.fonts.size() >= 10);
  generate_digits(b.path, {.seed = 3, .count_per_class = 12});
  generate_digits(c.path, {.seed = 4, .count_per_class = 12});
  const image_datastore ds(a.path, {.include_subfolders = true, .label_source = folder_names});
  CHECK(ds.class_names() == std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  for (const auto& n : ds.count_each_label()) CHECK(n.count == 12);
  CHECK(ds.image_dims() == dims{1, 1, 28, 28});
  CHECK(ds.file(13) == (a / "1" / "image01.png").string());
  int same_as_b = 0, same_as_c = 0;
  for (std::size_t i = 0; i < ds.size(); ++i) {
    const auto rel = std::filesystem::relative(ds.file(i), a.path);
    const auto bytes = read_file_bytes(ds.file(i));
    same_as_b += bytes == read_file_bytes(b.path / rel);
    same_as_c += bytes == read_file_bytes(c.path / rel);
    // a digit on a dark background: some ink, mostly background
    const auto& px = ds.image(i).pixels;
    const auto bright = std::count_if(px.begin(), px.end(), [](std::uint8_t v) { return v > 128; });
    CHECK(bright > 20);
    CHECK(bright < 400);
  }
  CHECK(same_as_b == 120);
  CHECK(same_as_c == 0);
}

TEST_CASE("generate_digits rejects bad options and fonts by name") {
  data::test::temp_dir dir;
  check_throws<config_error>([&] { generate_digits(dir.path, {.count_per_class = 0}); }, {"count_per_class = 0"});
  check_throws<config_error>([&] { generate_digits(dir.path, {.min_height = 20, .max_height = 10}); },
                             {"heights 20..10"});
  data::test::write_text(dir / "fake.ttf", "not a font");
  check_throws<data_error>([&] { generate_digits(dir / "out", {.count_per_class = 1, .font_files = {dir / "fake.ttf"}}); },
                           {"fake.ttf", "not a TrueType font"});
  data::test::write_text(dir / "file", "x");
  check_throws<io_error>([&] { generate_digits(dir / "file", {.count_per_class = 1}); }, {"file", "cannot create folder"});
}

TEST_CASE("the full set: 10,000 images in seconds, split 800/100/100 per label") {
  data::test::temp_dir dir;
  const auto t0 = std::chrono::steady_clock::now();
  generate_digits(dir.path, {.seed = 1});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("generated 10000 digits in ", seconds, " s");
  const image_datastore imds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  CHECK(imds.size() == 10000);
  auto [train, val, test] = split_each_label(imds, 0.8, 0.1, {.seed = 42});
  for (const auto& n : train.count_each_label()) CHECK(n.count == 800);
  for (const auto& n : val.count_each_label()) CHECK(n.count == 100);
  for (const auto& n : test.count_each_label()) CHECK(n.count == 100);
}

TEST_CASE("the digits are learnable but a linear classifier stays clearly below a CNN's 97-99%") {
  data::test::temp_dir dir;
  generate_digits(dir.path, {.seed = 7, .count_per_class = 200});
  const image_datastore imds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  auto [train, test] = split_each_label(imds, 0.8, {.seed = 1});
  const double acc = data::test::linear_accuracy(train, test, 10);
  MESSAGE("linear classifier accuracy on 2000 generated digits: ", acc);
  CHECK(acc > 0.5);   // far above chance (0.1): the labels are in the pixels
  CHECK(acc < 0.93);  // but not linearly separable: the CNN target is 0.97-0.995
}
