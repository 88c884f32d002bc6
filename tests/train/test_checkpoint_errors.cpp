// Checkpoints that cannot be resumed: each a clear error naming the folder or file and what
// differs, and nothing on disk changed by the attempt.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "../io/temp_dir.hpp"
#include "partrain/io.hpp"
#include "partrain/partrain.hpp"
#include "resume_scenarios.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;

namespace {
using options_type = pt::training_options<pt::optim::sgdm>;
options_type quiet() { return {.max_epochs = 2, .mini_batch_size = 8, .verbose = false, .seed = 4}; }

std::map<std::string, std::string> contents(const fs::path& folder) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file()) {
      std::ifstream in(e.path(), std::ios::binary);
      out[e.path().string()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
  return out;
}
void rewrite(const fs::path& file, std::string text) { std::ofstream(file, std::ios::binary) << text; }
std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST_CASE("bad checkpoints: each refused with the file and what differs, nothing overwritten") {
  pt::test::temp_dir dir("bad-checkpoints");
  const auto train = test::blobs(48, 4);
  auto options = quiet();
  options.checkpoint_path = dir.path / "good";
  pt::train_network<test::small_cnn>(train, options);
  const fs::path good = *pt::io::latest_checkpoint(dir.path / "good");
  // Each case damages a copy, then resumes it (writing checkpoints into that copy's folder).
  auto attempt = [&](const std::string& name, auto&& damage, auto&& resume) {
    const fs::path copy = dir.path / name / good.filename();
    fs::create_directories(copy.parent_path());
    fs::copy(good, copy);
    damage(copy);
    const auto before = contents(dir.path / name);
    auto o = quiet();
    o.checkpoint_path = dir.path / name, o.resume_from = copy, o.max_epochs = 3;
    resume(o);
    CHECK(contents(dir.path / name) == before);
  };
  auto expect_error = [&](const std::string& name, auto&& damage, const std::string& words) {
    CAPTURE(name);
    attempt(name, damage, [&](const options_type& o) {
      CHECK_THROWS_WITH(pt::train_network<test::small_cnn>(train, o), doctest::Contains(words.c_str()));
    });
  };
  auto none = [](const fs::path&) {};
  const std::string network_file = "network.safetensors' is ";
  expect_error("truncated-network", [](const fs::path& c) {
    const auto text = read(c / "network.safetensors");
    rewrite(c / "network.safetensors", text.substr(0, text.size() / 2));
  }, network_file);
  expect_error("corrupt-solver", [](const fs::path& c) {
    auto text = read(c / "solver.safetensors");
    text[text.size() - 3] ^= 0x40;
    rewrite(c / "solver.safetensors", text);
  }, "solver.safetensors' is damaged: its content differs");
  expect_error("corrupt-json", [](const fs::path& c) {
    const auto text = read(c / "state.json");
    rewrite(c / "state.json", text.substr(0, text.size() - 40));
  }, "state.json': not a JSON object (truncated or damaged)");
  expect_error("newer-version", [](const fs::path& c) {
    auto text = read(c / "state.json");
    const auto at = text.find("\"format_version\": 1");
    REQUIRE(at != std::string::npos);
    rewrite(c / "state.json", text.replace(at, 19, "\"format_version\": 99"));
  }, "was written by checkpoint format version 99");
  expect_error("foreign-file", [](const fs::path& c) {
    auto state = nlohmann::json::parse(read(c / "state.json"));
    state["files"]["../outside"] = {{"bytes", 1}, {"fingerprint", "0"}};
    rewrite(c / "state.json", state.dump());
  }, "records a file '../outside' that is not part of a checkpoint");
  expect_error("missing-solver", [](const fs::path& c) { fs::remove(c / "solver.safetensors"); },
               "solver.safetensors' is missing");
  expect_error("not-a-checkpoint", [](const fs::path& c) { fs::remove(c / "state.json"); },
               "holds no checkpoint (no state.json, no checkpoint-epoch*-iteration* folder)");

  CAPTURE("another architecture, solver, batch size and data");
  attempt("architecture", none, [&](const options_type& o) {
    CHECK_THROWS_WITH_AS(pt::train_network<test::dropout_cnn>(train, o),
                         doctest::Contains("another architecture (layer 6: the file has fully_connected<2> where the "
                                           "network has dropout<1,2>"),
                         pt::io_error);
  });
  attempt("solver", none, [&](const options_type& o) {
    pt::training_options<pt::optim::adam> adam{.max_epochs = 3, .mini_batch_size = 8, .verbose = false, .seed = 4};
    adam.resume_from = o.resume_from;
    CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(train, adam),
                         doctest::Contains("trained with solver \"sgdm\" and these options have \"adam\""),
                         pt::config_error);
  });
  attempt("batch", none, [&](options_type o) {
    o.mini_batch_size = 16;
    CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(train, o),
                         doctest::Contains("option mini_batch_size is 16 but the checkpoint was trained with 8"),
                         pt::config_error);
  });
  attempt("data", none, [&](const options_type& o) {
    CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(test::blobs(56, 4), o),
                         doctest::Contains("the data differs: images is 56 but the checkpoint was trained on 48"),
                         pt::config_error);
  });
  attempt("order", none, [&](const options_type& o) {  // as many images, of the same classes: another draw
    CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(test::blobs(48, 9), o),
                         doctest::Contains("the data differs: first_images_fingerprint is"), pt::config_error);
  });
  attempt("shorter", none, [&](options_type o) {
    o.max_epochs = 1;
    CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(train, o),
                         doctest::Contains("max_epochs is 1 but the checkpoint is at epoch 2"), pt::config_error);
  });
  CHECK_THROWS_WITH_AS(pt::io::load_network<test::dropout_cnn>(good), doctest::Contains("another architecture"),
                       pt::io_error);
  fs::create_directories(dir.path / "empty");
  auto from_empty = quiet();
  from_empty.resume_from = dir.path / "empty";
  CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(train, from_empty),
                       doctest::Contains(("resume_from '" + (dir.path / "empty").string() + "' holds no checkpoint").c_str()),
                       pt::config_error);
}

TEST_CASE("a refused resume leaves the run as it was: it then trains as one that never tried") {
  pt::test::temp_dir dir("refused-resume");
  const auto train = test::blobs(48, 4);
  auto options = quiet();
  options.checkpoint_path = dir.path / "run";
  pt::train_network<test::small_cnn>(train, options);  // a checkpoint at epoch 2
  using run_type = pt::training_run<test::small_cnn, pt::data::image_set, pt::optim::sgdm, pt::schedule::none>;
  auto shorter = quiet();
  shorter.max_epochs = 1;
  pt::context ctx(pt::device::cpu(), shorter.seed), fresh_ctx(pt::device::cpu(), shorter.seed);
  run_type refused(train, shorter, ctx), fresh(train, shorter, fresh_ctx);
  CHECK_THROWS_WITH_AS(pt::resume(refused, dir.path / "run"),
                       doctest::Contains("max_epochs is 1 but the checkpoint is at epoch 2"), pt::config_error);
  const auto a = refused.run(), b = fresh.run();
  CHECK(std::equal(a.network.parameters().begin(), a.network.parameters().end(), b.network.parameters().begin()));
  CHECK(a.info.training_loss == b.info.training_loss);
}

namespace {
// A solver whose state does not list its fields: it trains, but cannot be checkpointed.
struct plain_sgd {
  static constexpr std::string_view name = "plain_sgd";
  static constexpr double default_learn_rate = 0.01;
  static constexpr auto hyperparameters() { return std::tuple{}; }
  template <class Net>
  struct state {
    explicit state(const pt::memory_space&) {}
  };
  template <class T>
  struct update_fn {
    T* w;
    const T* g;
    T lr;
    void operator()(std::size_t i) const { w[i] -= lr * g[i]; }
  };
  template <class Net>
  void step(pt::context& ctx, state<Net>&, std::span<typename Net::value_type> w,
            std::span<const typename Net::value_type> g, double lr, const int* cancel = nullptr) const {
    using T = typename Net::value_type;
    pt::backend::for_each_index_unless(ctx, w.size(), update_fn<T>{w.data(), g.data(), T(lr)}, cancel);
  }
  void validate() const {}
};
}  // namespace

TEST_CASE("a solver whose state does not list its fields: checkpoints are a config_error naming it") {
  pt::test::temp_dir dir("unlisted-solver");
  pt::training_options<plain_sgd> o{.max_epochs = 1, .mini_batch_size = 8, .verbose = false};
  CHECK(pt::train_network<test::small_cnn>(test::blobs(16, 1), o).info.iterations() == 2);  // trains
  o.checkpoint_path = dir.path;
  CHECK_THROWS_WITH_AS(pt::train_network<test::small_cnn>(test::blobs(16, 1), o),
                       doctest::Contains("solver 'plain_sgd' cannot be checkpointed: its state<Net> has no "
                                         "for_each_field(f)"),
                       pt::config_error);
}
