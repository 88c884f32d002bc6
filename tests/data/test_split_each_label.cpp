#include <doctest/doctest.h>

#include <set>

#include "data_test_util.hpp"
#include "partrain/data/split_each_label.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;

namespace {
/// An in-memory datastore with `per_label[l]` 1x1 images of label l; pixel value = image number.
image_datastore labelled(const std::vector<int>& per_label) {
  std::vector<std::string> names, labels;
  std::vector<decoded_image> images;
  for (std::size_t l = 0; l < per_label.size(); ++l)
    for (int k = 0; k < per_label[l]; ++k) {
      names.push_back("img" + std::to_string(names.size()));
      images.push_back({1, 1, 1, {std::uint8_t(images.size() % 256)}});
      labels.push_back("c" + std::to_string(l));
    }
  return image_datastore::from_images(names, std::move(images), labels);
}
std::multiset<std::string> files_of(const image_datastore& ds) {
  std::multiset<std::string> s;
  for (std::size_t i = 0; i < ds.size(); ++i) s.insert(ds.file(i));
  return s;
}
}  // namespace

TEST_CASE("80/10/10 gives exact per-label counts, disjoint parts covering everything") {
  const auto ds = labelled({50, 50, 37});
  auto [train, val, test] = split_each_label(ds, 0.8, 0.1, {.seed = 42});
  CHECK(train.count_each_label() == std::vector<label_count>{{"c0", 40}, {"c1", 40}, {"c2", 29}});  // floor(29.6)
  CHECK(val.count_each_label() == std::vector<label_count>{{"c0", 5}, {"c1", 5}, {"c2", 4}});       // floor(33.3) - 29
  CHECK(test.count_each_label() == std::vector<label_count>{{"c0", 5}, {"c1", 5}, {"c2", 4}});
  CHECK(train.class_names() == ds.class_names());
  auto all = files_of(train);
  for (const auto& f : files_of(val)) CHECK(all.insert(f) != all.end());
  for (const auto& f : files_of(test)) all.insert(f);
  CHECK(all == files_of(ds));
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == ds.size());
  for (std::size_t i = 0; i < test.size(); ++i) {  // labels follow their images
    const auto name = test.file(i);
    const std::size_t original = std::stoul(name.substr(3));
    CHECK(test.label(i) == ds.label(original));
    CHECK(test.image(i).pixels[0] == ds.image(original).pixels[0]);
  }
}

TEST_CASE("the split is a pure function of the seed; randomize = false takes files in order") {
  const auto ds = labelled({30, 30});
  auto a = split_each_label(ds, 0.5, {.seed = 7});
  auto b = split_each_label(ds, 0.5, {.seed = 7});
  auto c = split_each_label(ds, 0.5, {.seed = 8});
  CHECK(files_of(a[0]) == files_of(b[0]));
  CHECK(files_of(a[0]) != files_of(c[0]));
  auto [first, rest] = split_each_label(ds, 0.5, {.randomize = false});
  CHECK(first.file(0) == "img0");
  CHECK(first.file(14) == "img14");
  CHECK(first.file(15) == "img30");
  CHECK(rest.file(0) == "img15");
}

TEST_CASE("counts, round-down boundaries and floating-point sums") {
  const auto ds = labelled({7, 1000});
  auto [a, b, rest] = split_each_label(ds, 3, 2, {.seed = 1});
  CHECK(a.count_each_label()[0].count == 3);
  CHECK(b.count_each_label()[1].count == 2);
  CHECK(rest.count_each_label() == std::vector<label_count>{{"c0", 2}, {"c1", 995}});
  auto [p, q, r] = split_each_label(ds, 0.7, 0.2, {.seed = 1});  // 0.7 + 0.2 < 0.9 in binary
  CHECK(q.count_each_label() == std::vector<label_count>{{"c0", 2}, {"c1", 200}});  // floor(4.9)=4, floor(6.3)=6
  CHECK(p.count_each_label()[0].count == 4);
  CHECK(r.count_each_label()[1].count == 100);
  const double parts[] = {0.25, 0.25, 0.25};
  const auto four = split_each_label(ds, std::span<const double>(parts), {.allow_empty = true});
  CHECK(four.size() == 4);
  CHECK(four[3].count_each_label()[1].count == 250);
}

TEST_CASE("the digit layout: 1000 per label split 0.8/0.1 gives 800/100/100") {
  const auto ds = labelled(std::vector<int>(10, 1000));
  auto [train, val, test] = split_each_label(ds, 0.8, 0.1, {.seed = 42});
  for (const auto& c : train.count_each_label()) CHECK(c.count == 800);
  for (const auto& c : val.count_each_label()) CHECK(c.count == 100);
  for (const auto& c : test.count_each_label()) CHECK(c.count == 100);
}

TEST_CASE("bad splits are errors naming the label and the part") {
  const auto ds = labelled({20, 5});
  check_throws<data_error>([&] { split_each_label(ds, 0.8, 0.1); },
                           {"label 'c1' has 5 images", "part 2 of 3", "allow_empty"});  // floor(4), floor(4.5)
  auto ok = split_each_label(ds, 0.8, 0.1, {.allow_empty = true});
  CHECK(ok[1].count_each_label()[1].count == 0);
  check_throws<data_error>([&] { split_each_label(ds, 0.5, 0.5); }, {"part 3 of 3"});  // nothing left for the rest
  check_throws<config_error>([&] { split_each_label(ds, 0.8, 0.3); }, {"sum to 1.1"});
  check_throws<config_error>([&] { split_each_label(ds, 0.5, 3); }, {"not a mix"});
  check_throws<config_error>([&] { split_each_label(ds, 2.5); }, {"2.5 is not a whole number"});
  check_throws<config_error>([&] { split_each_label(ds, -0.1); }, {"value 1 is -0.1"});
  check_throws<data_error>([&] { split_each_label(ds, 4, 2, {.allow_empty = true}); },
                           {"label 'c1' has 5 images", "ask for 6"});
  const auto unlabelled = image_datastore::from_images({"x"}, {decoded_image{1, 1, 1, {0}}}, {});
  check_throws<data_error>([&] { split_each_label(unlabelled, 0.5); }, {"no labels"});
}
