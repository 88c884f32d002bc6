// The child process of the kill tests: trains the kill tests' run with a checkpoint after
// every iteration, continuing from the newest checkpoint in <folder>/checkpoints when there
// is one, and writes "<fingerprint> <stop reason> <iterations>" to <folder>/result.txt.
// Usage: resume_tool <folder> [slow]   (slow: output_fn sleeps 100 ms per call)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "partrain/io.hpp"
#include "resume_scenarios.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: resume_tool <folder> [slow]\n");
    return 2;
  }
  namespace pt = partrain;
  const std::filesystem::path folder = argv[1];
  const bool slow = argc > 2 && std::string(argv[2]) == "slow";
  const auto train = test::blobs(48, 4), val = test::blobs(16, 5);
  auto options = test::kill_test_options(val);
  options.checkpoint_path = folder / "checkpoints";
  if (pt::io::latest_checkpoint(options.checkpoint_path)) options.resume_from = options.checkpoint_path;
  if (slow) options.output_fn = [](const pt::training_progress&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return false;
  };
  const auto r = pt::train_network<test::dropout_cnn>(train, options);
  char line[128];
  std::snprintf(line, sizeof line, "%016llx %s %d\n", static_cast<unsigned long long>(test::result_fingerprint(r)),
                std::string(pt::to_string(r.info.stop_reason)).c_str(), r.info.iterations());
  pt::io::write_file_atomic(folder / "result.txt", std::string_view(line));
  return 0;
}
