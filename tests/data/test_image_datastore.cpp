#include <doctest/doctest.h>

#include <thread>

#include "data_test_util.hpp"
#include "partrain/data/image_datastore.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;
using data::test::pattern;

namespace {
/// root/<label>/img<k>.png with pixel pattern seed 10*label + k.
void make_tree(const std::filesystem::path& root, const std::vector<std::pair<std::string, int>>& labels,
               int h = 6, int w = 5) {
  for (std::size_t l = 0; l < labels.size(); ++l) {
    std::filesystem::create_directories(root / labels[l].first);
    for (int k = 0; k < labels[l].second; ++k)
      write_png(root / labels[l].first / ("img" + std::to_string(k) + ".png"), pattern(h, w, 1, int(10 * l) + k));
  }
}
}  // namespace

TEST_CASE("image_datastore lists files sorted with labels from folder names") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"cat", 2}, {"ant", 3}, {"bee", 1}});
  data::test::write_text(dir / "cat" / "readme.txt", "ignored: not an image extension");
  const image_datastore ds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  REQUIRE(ds.size() == 6);
  CHECK(ds.class_names() == std::vector<std::string>{"ant", "bee", "cat"});
  CHECK(ds.count_each_label() == std::vector<label_count>{{"ant", 3}, {"bee", 1}, {"cat", 2}});
  CHECK(ds.file(0) == (dir / "ant" / "img0.png").string());
  CHECK(ds.file(5) == (dir / "cat" / "img1.png").string());
  CHECK(ds.labels() == std::vector<int>{0, 0, 0, 1, 2, 2});
  CHECK(ds.image_dims() == dims{1, 1, 6, 5});

  std::vector<float> x(2 * 30);
  std::vector<int> y(2);
  const std::size_t idx[] = {5, 1};
  ds.read_batch(idx, 0, x.data(), y.data());
  CHECK(y == std::vector<int>{2, 0});
  const auto cat1 = pattern(6, 5, 1, 0 + 1), ant1 = pattern(6, 5, 1, 10 + 1);  // seed 10 * (order given) + k
  for (int p = 0; p < 30; ++p) {
    CHECK(x[std::size_t(p)] == float(cat1.pixels[std::size_t(p)]));
    CHECK(x[std::size_t(30 + p)] == float(ant1.pixels[std::size_t(p)]));
  }
}

TEST_CASE("explicit labels, label_source none, single file") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"a", 2}});
  const image_datastore none(dir / "a");
  CHECK(none.num_classes() == 0);
  CHECK(none.labels() == std::vector<int>{-1, -1});
  const image_datastore given(dir / "a", {.labels = {"x", "w"}});
  CHECK(given.class_names() == std::vector<std::string>{"w", "x"});
  CHECK(given.labels() == std::vector<int>{1, 0});
  check_throws<data_error>([&] { image_datastore(dir / "a", {.labels = {"x"}}); }, {"1 labels given for 2"});
  const image_datastore one(dir / "a" / "img1.png", {.label_source = folder_names});
  CHECK(one.size() == 1);
  CHECK(one.class_names() == std::vector<std::string>{"a"});
}

TEST_CASE("empty and missing folders") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"0", 2}, {"1", 1}});
  std::filesystem::create_directories(dir / "2");
  std::vector<std::string> warnings;
  const image_datastore ds(dir.path, {.include_subfolders = true, .label_source = folder_names,
                                      .on_warning = [&](const std::string& w) { warnings.push_back(w); }});
  CHECK(ds.num_classes() == 2);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("'2' has no images") != std::string::npos);
  CHECK(warnings[0].find((dir / "2").string()) != std::string::npos);

  check_throws<data_error>([&] { image_datastore(dir.path, {.label_source = folder_names}); },
                           {dir.path.string(), "no image files", "include_subfolders = true"});
  check_throws<data_error>([&] { image_datastore(dir / "2", {.include_subfolders = true}); },
                           {(dir / "2").string(), "no image files (.png"});
  check_throws<io_error>([&] { image_datastore(dir / "nope"); }, {"nope", "no such folder"});
}

TEST_CASE("a file that is not an image, or a corrupt one, is reported by name") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"a", 2}});
  data::test::write_text(dir / "a" / "fake.png", "plain text pretending to be a PNG");
  const image_datastore ds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  CHECK(ds.size() == 3);  // listing does not decode
  check_throws<data_error>([&] { ds.preload(); }, {"fake.png", "not a readable"});
  check_throws<data_error>([&] { (void)ds.image_dims(); }, {"fake.png"});  // retried, same error

  data::test::temp_dir dir2;
  make_tree(dir2.path, {{"a", 1}});
  auto png = encode_png(pattern(30, 30, 1));
  png.resize(png.size() - 40);
  write_file_bytes(dir2 / "a" / "cut.png", png);
  const image_datastore ds2(dir2.path, {.include_subfolders = true});
  check_throws<data_error>([&] { ds2.preload(); }, {"cut.png", "corrupt or truncated"});
}

TEST_CASE("images of different sizes: a clear error naming both files") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"a", 1}});
  write_png(dir / "a" / "wide.png", pattern(6, 9));
  const image_datastore ds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  check_throws<shape_error>([&] { (void)ds.image_dims(); }, {"img0.png", "6x5x1", "wide.png", "6x9x1",
                                                             "augmented_image_datastore"});
  std::vector<float> x(2 * 54);
  std::vector<int> y(2);
  const std::size_t idx[] = {0, 1};
  check_throws<shape_error>([&] { ds.read_batch(idx, 0, x.data(), y.data()); }, {"wide.png", "6x9x1"});
  const std::size_t bad[] = {7};
  check_throws<data_error>([&] { ds.read_batch(bad, 0, x.data(), y.data()); }, {"index 7", "2 images"});
}

TEST_CASE("color preprocessing: gray2rgb replicates, rgb2gray uses MATLAB's weights") {
  data::test::temp_dir dir;
  write_png(dir / "g.png", pattern(2, 2, 1, 40));
  const image_datastore rgb(dir / "g.png", {.color_preprocessing = color_preprocessing::gray2rgb});
  CHECK(rgb.image_dims() == dims{1, 3, 2, 2});
  std::vector<float> x(12);
  int y = 0;
  const std::size_t i0[] = {0};
  rgb.read_batch(i0, 0, x.data(), &y);
  for (int p = 0; p < 4; ++p) CHECK((x[std::size_t(p)] == x[std::size_t(4 + p)] && x[std::size_t(p)] == x[std::size_t(8 + p)]));

  decoded_image color{1, 1, 3, {200, 100, 50}};
  write_png(dir / "c.png", color);
  const image_datastore gray(dir / "c.png", {.color_preprocessing = color_preprocessing::rgb2gray});
  CHECK(gray.image_dims() == dims{1, 1, 1, 1});
  CHECK(int(gray.image(0).pixels[0]) == 124);  // round(0.2989*200 + 0.5870*100 + 0.1140*50) = 124
}

TEST_CASE("concurrent first reads decode once and agree") {
  data::test::temp_dir dir;
  make_tree(dir.path, {{"a", 20}, {"b", 20}});
  const image_datastore ds(dir.path, {.include_subfolders = true, .label_source = folder_names});
  std::vector<std::vector<float>> out(4, std::vector<float>(40 * 30));
  std::vector<std::vector<int>> labels(4, std::vector<int>(40));
  std::vector<std::size_t> all(40);
  for (std::size_t i = 0; i < 40; ++i) all[i] = i;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { ds.read_batch(all, 0, out[std::size_t(t)].data(), labels[std::size_t(t)].data()); });
  }
  for (int t = 1; t < 4; ++t) {
    CHECK(out[std::size_t(t)] == out[0]);
    CHECK(labels[std::size_t(t)] == labels[0]);
  }
  CHECK(out[0][30 * 21] == float(pattern(6, 5, 1, 10 + 1).pixels[0]));  // b/img1
}
