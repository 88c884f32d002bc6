// Checkpoints on a GPU: the same format as on the CPU (the state is copied to the host), an
// interrupted GPU run resumed on the GPU follows the uninterrupted one, and a checkpoint
// moves between the CPU and the GPU. GPU kernels are not bit-reproducible, so GPU results are
// compared within float tolerances; the CPU's bit-for-bit resume is tests/train/test_resume.
#include "cuda_test_util.hpp"

#include <partrain/partrain.hpp>

#include <filesystem>

#include "../train/resume_scenarios.hpp"

using namespace partrain;
using namespace partrain::testing;

namespace {
std::vector<float> parameters_of(const test::dropout_cnn& net) {
  return {net.parameters().begin(), net.parameters().end()};
}
void check_history_close(const training_info& a, const training_info& b, double tolerance) {
  REQUIRE(a.iterations() == b.iterations());
  for (int i = 0; i < a.iterations(); ++i) {
    CAPTURE(i);
    CHECK(b.training_loss[std::size_t(i)] == doctest::Approx(a.training_loss[std::size_t(i)]).epsilon(tolerance));
    CHECK(b.base_learn_rate[std::size_t(i)] == a.base_learn_rate[std::size_t(i)]);
    CHECK(b.epoch[std::size_t(i)] == a.epoch[std::size_t(i)]);
  }
}
std::filesystem::path fresh_folder(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("partrain-cuda-resume-" + name);
  std::filesystem::remove_all(dir);
  return dir;
}
}  // namespace

TEST_CASE("a GPU run interrupted and resumed on the GPU follows the uninterrupted GPU run") {
  const auto train = test::blobs(48, 4), val = test::blobs(16, 5);
  auto o = test::kill_test_options(val);
  o.max_epochs = 4;
  context gpu(device::cuda(0));
  const auto whole = train_network<test::dropout_cnn>(train, o, gpu);
  o.checkpoint_path = fresh_folder("gpu");
  o.output_fn = [](const training_progress& p) {
    if (p.iteration == 9) request_interrupt();
    return false;
  };
  const auto stopped = train_network<test::dropout_cnn>(train, o, gpu);
  clear_interrupt();
  CHECK(stopped.info.stop_reason == stop_reason::interrupted);
  CHECK(stopped.network.on_host());
  const auto newest = io::latest_checkpoint(o.checkpoint_path);
  REQUIRE(newest);
  CHECK_NOTHROW(io::read_checkpoint_files(*newest));  // the CPU's format: host copies of the state
  o.output_fn = {};
  o.resume_from = o.checkpoint_path;
  const auto resumed = train_network<test::dropout_cnn>(train, o, gpu);
  check_history_close(whole.info, resumed.info, 1e-3);
  check_close(parameters_of(whole.network), parameters_of(resumed.network), 1e-3, "parameters at the end");
  std::filesystem::remove_all(o.checkpoint_path);
}

TEST_CASE("a checkpoint moves between the CPU and the GPU: each resumes the other's") {
  const auto train = test::blobs(48, 4), val = test::blobs(16, 5);
  auto o = test::kill_test_options(val);
  o.max_epochs = 3, o.checkpoint_frequency_unit = checkpoint_unit::epoch, o.checkpoints_to_keep = 0;
  for (const bool from_cpu : {true, false}) {
    CAPTURE(from_cpu);
    context cpu, gpu(device::cuda(0));
    context& writer = from_cpu ? cpu : gpu;
    context& reader = from_cpu ? gpu : cpu;
    o.checkpoint_path = fresh_folder(from_cpu ? "from-cpu" : "from-gpu");
    o.resume_from.clear();
    const auto whole = train_network<test::dropout_cnn>(train, o, writer);
    o.resume_from = o.checkpoint_path / io::checkpoint_name(1, whole.info.iterations_per_epoch);
    o.checkpoint_path = fresh_folder(from_cpu ? "from-cpu-again" : "from-gpu-again");
    const auto resumed = train_network<test::dropout_cnn>(train, o, reader);
    // Float rounding differs between the backends and grows over the iterations after the move.
    check_history_close(whole.info, resumed.info, 1e-2);
    check_close(parameters_of(whole.network), parameters_of(resumed.network), 1e-2, "parameters at the end");
  }
}
