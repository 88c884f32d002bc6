// Training over a streaming image datastore: the same networks and histories as in memory,
// bit for bit (plain and augmented, resized and cropped, split and subset); checkpoints that
// resume bit for bit; bad files that stop the run by name or are left out and counted.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../io/temp_dir.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/split_each_label.hpp"
#include "partrain/partrain.hpp"
#include "resume_check.hpp"
#include "resume_scenarios.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;

namespace {
using net8 = pt::network<pt::layers::image_input<8, 8, 1>, pt::layers::conv2d<3, 4, pt::same>, pt::layers::batch_norm,
                         pt::layers::relu, pt::layers::fully_connected<10>, pt::layers::softmax,
                         pt::layers::classification>;

pt::data::image_datastore_options listing(std::optional<pt::data::stream_options> streaming = std::nullopt) {
  return {.include_subfolders = true, .label_source = pt::data::folder_names, .streaming = streaming};
}
// The streaming datastore's run must equal the in-memory one's in everything but time.
template <class Net, class D, class Options>
void check_same_run(const D& in_memory, const D& streamed, const Options& options) {
  const auto a = pt::train_network<Net>(in_memory, options);
  const auto b = pt::train_network<Net>(streamed, options);
  CHECK(a.info.iterations() > 0);
  CHECK(test::result_fingerprint(a) == test::result_fingerprint(b));
  CHECK(a.info.warnings == b.info.warnings);
  CHECK(b.info.skipped_files.empty());
}
}  // namespace

TEST_CASE("training over a streaming datastore gives the in-memory run bit for bit") {
  pt::test::temp_dir dir("streaming-training");
  pt::data::generate_digits(dir.path / "digits", {.seed = 2, .count_per_class = 6, .image_size = 8});
  const pt::data::image_datastore mem(dir.path / "digits", listing());
  const pt::data::image_datastore str(dir.path / "digits", listing(pt::data::stream_options{.memory_budget_mib = 1}));
  const auto [train, val] = pt::data::split_each_label(mem, 0.75, {.seed = 1});
  const auto [strain, sval] = pt::data::split_each_label(str, 0.75, {.seed = 1});
  pt::training_options<pt::optim::sgdm> options{.max_epochs = 2, .mini_batch_size = 9,
                                                .shuffle = pt::shuffle_mode::every_epoch, .validation_data = &val,
                                                .validation_frequency = 3, .verbose = false, .seed = 3};
  SUBCASE("plain, split, validated on the other part") {
    auto streamed = options;
    streamed.validation_data = &sval;
    const auto a = pt::train_network<net8>(train, options);
    const auto b = pt::train_network<net8>(strain, streamed);
    CHECK(test::result_fingerprint(a) == test::result_fingerprint(b));
    CHECK(std::isfinite(b.info.final_validation_loss));
  }
  SUBCASE("a subset") {
    std::vector<std::size_t> half;
    for (std::size_t i = 0; i < train.size(); i += 2) half.push_back(i);
    options.validation_data = {};
    check_same_run<net8>(train.subset(half), strain.subset(half), options);
  }
  SUBCASE("augmented: resized, randomly cropped, centre-cropped") {
    pt::test::temp_dir big("streaming-training-big");
    pt::data::generate_digits(big.path / "digits", {.seed = 4, .count_per_class = 4, .image_size = 11});
    const pt::data::image_datastore mem11(big.path / "digits", listing());
    const pt::data::image_datastore str11(big.path / "digits", listing(pt::data::stream_options{.decode_threads = 3}));
    const pt::data::image_augmenter aug{.rand_rotation = {-10, 10}, .rand_x_translation = {-1, 1}, .seed = 5};
    options.validation_data = {};
    for (auto mode : {pt::data::output_size_mode::resize, pt::data::output_size_mode::randcrop,
                      pt::data::output_size_mode::centercrop}) {
      const pt::data::augmented_image_datastore a({8, 8}, mem11, aug, {.output_size_mode = mode});
      const pt::data::augmented_image_datastore b({8, 8}, str11, aug, {.output_size_mode = mode});
      check_same_run<net8>(a, b, options);
    }
  }
}

TEST_CASE("checkpoints of a run over a streaming datastore resume bit for bit") {
  pt::test::temp_dir dir("streaming-resume");
  pt::data::generate_digits(dir.path / "digits", {.seed = 3, .count_per_class = 4, .image_size = 10});
  const pt::data::image_datastore images(dir.path / "digits", listing(pt::data::stream_options{.memory_budget_mib = 1}));
  const pt::data::augmented_image_datastore augmented(
      {8, 8}, images, pt::data::image_augmenter{.rand_x_reflection = true, .seed = 4},
      {.output_size_mode = pt::data::output_size_mode::randcrop});
  const pt::training_options<pt::optim::adam> options{.max_epochs = 2, .mini_batch_size = 10,
                                                      .shuffle = pt::shuffle_mode::every_epoch, .verbose = false,
                                                      .seed = 7};
  test::check_every_resume<net8>(augmented, options, "streaming");
}

TEST_CASE("a bad file stops a streaming run naming it; with skip_bad_files it is left out and counted") {
  pt::test::temp_dir dir("streaming-bad");
  pt::data::generate_digits(dir.path / "digits", {.seed = 5, .count_per_class = 4, .image_size = 8});
  const fs::path corrupt = fs::path(PARTRAIN_TEST_DATA_DIR) / "corrupt_jpeg";
  for (const auto& e : fs::directory_iterator(corrupt))
    fs::copy_file(e.path(), dir.path / "digits" / "3" / ("bad_" + e.path().filename().string()));
  const pt::training_options<pt::optim::sgdm> options{.max_epochs = 2, .mini_batch_size = 8,
                                                      .shuffle = pt::shuffle_mode::every_epoch, .verbose = false,
                                                      .seed = 2};
  const pt::data::image_datastore stop(dir.path / "digits", listing(pt::data::stream_options{}));
  try {
    (void)pt::train_network<net8>(stop, options);
    FAIL("expected the run to stop at a corrupt file");
  } catch (const std::exception& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("bad_") != std::string::npos, what);
    CHECK_MESSAGE(what.find(".jpg") != std::string::npos, what);
  }
  const pt::data::image_datastore skip(dir.path / "digits", listing(pt::data::stream_options{.skip_bad_files = true}));
  const auto r = pt::train_network<net8>(skip, options);
  CHECK(r.info.iterations() == 2 * int(skip.size() / 8));
  // Each bad file is left out once per pass it came up in: 2 epochs and the batch-norm
  // statistics' pass, each reading whole batches only (5 of 8 of the 43 images).
  CHECK(r.info.skipped_files.size() >= 3);
  CHECK(r.info.skipped_files.size() <= 9);
  for (const auto& f : r.info.skipped_files) CHECK(fs::path(f).filename().string().rfind("bad_", 0) == 0);
  CHECK(r.info.warnings.size() == r.info.skipped_files.size());
  CHECK(r.info.warnings.front().find("left out") != std::string::npos);
  for (double a : r.info.training_accuracy) CHECK((a >= 0 && a <= 100));
  // Validation over them leaves them out too, and says so.
  auto validated = options;
  validated.validation_data = &skip;
  validated.validation_frequency = 3;
  const auto v = pt::train_network<net8>(skip, validated);
  CHECK(std::isfinite(v.info.final_validation_loss));
  CHECK(v.info.warnings.size() == v.info.skipped_files.size());
  CHECK(std::count_if(v.info.warnings.begin(), v.info.warnings.end(), [](const std::string& w) {
          return w.rfind("validation at iteration", 0) == 0 && w.find("bad_") != std::string::npos;
        }) >= 3);
  // The same bad files, the same run after any resume.
  test::check_every_resume<net8>(skip, options, "streaming-skip");
}
