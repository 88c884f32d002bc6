// Real interruptions of a child process (resume_tool): kill -9 at random moments, then a
// rerun that continues from the newest checkpoint ends exactly as the uninterrupted run;
// SIGTERM and Ctrl-C (SIGINT) checkpoint and stop it cleanly; a second signal stops it at once.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../io/child_process.hpp"
#include "../io/temp_dir.hpp"
#include "partrain/io.hpp"
#include "resume_scenarios.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
pid_t start_tool(const fs::path& folder, bool slow = false) {
  std::vector<std::string> argv{PARTRAIN_RESUME_TOOL, folder.string()};
  if (slow) argv.push_back("slow");
  const pid_t pid = pt::test::spawn_child(argv);
  REQUIRE(pid > 0);
  return pid;
}
using pt::test::wait_for;
std::string result_of(const fs::path& folder) {
  std::ifstream in(folder / "result.txt");
  std::string fp, reason;
  int iterations = 0;
  in >> fp >> reason >> iterations;
  return fp + " " + reason + " " + std::to_string(iterations);
}
std::string expected_result() {
  const auto train = test::blobs(48, 4), val = test::blobs(16, 5);
  const auto r = pt::train_network<test::dropout_cnn>(train, test::kill_test_options(val));
  char fp[17];
  std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(test::result_fingerprint(r)));
  return std::string(fp) + " max_epochs " + std::to_string(r.info.iterations());
}
void wait_for_a_checkpoint(const fs::path& folder) {
  for (int i = 0; i < 6000 && pt::io::list_checkpoints(folder / "checkpoints").empty(); ++i)
    std::this_thread::sleep_for(5ms);
  REQUIRE_FALSE(pt::io::list_checkpoints(folder / "checkpoints").empty());
}
}  // namespace

TEST_CASE("kill -9 at random moments, ten times in a row: the rerun ends as the run never killed") {
  pt::test::temp_dir dir("kill-9");
  const std::string expected = expected_result();
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(WIFEXITED(wait_for(start_tool(dir.path / "timing"))));
  const double whole_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(result_of(dir.path / "timing") == expected);
  // Each kill lands within the first eighth of a whole run's time, so ten of them stop the
  // run at ten points along it (each rerun continues from the newest checkpoint).
  std::mt19937 rng(std::random_device{}());
  int killed = 0;
  for (int kill = 0; kill < 10; ++kill) {
    const double ms = std::uniform_real_distribution<>(0.02, 0.125)(rng) * whole_ms;
    const pid_t pid = start_tool(dir.path / "killed");
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
    ::kill(pid, SIGKILL);
    const bool was_killed = WIFSIGNALED(wait_for(pid));
    killed += was_killed;
    const auto on_disk = pt::io::list_checkpoints(dir.path / "killed" / "checkpoints");
    MESSAGE("kill ", kill + 1, " after ", ms, " ms: ", std::string(was_killed ? "killed" : "it had finished"),
            "; newest checkpoint: ", on_disk.empty() ? std::string("none") : on_disk.back().filename().string());
    for (const auto& c : on_disk)
      CHECK_NOTHROW(pt::io::read_checkpoint_files(c));  // never a half-written one under a final name
  }
  CHECK(killed >= 8);
  REQUIRE(WIFEXITED(wait_for(start_tool(dir.path / "killed"))));
  CHECK(result_of(dir.path / "killed") == expected);
  for (const auto& e : fs::directory_iterator(dir.path / "killed" / "checkpoints"))  // killed writers' leftovers
    CHECK_MESSAGE(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().filename().string());
}

TEST_CASE("SIGTERM and Ctrl-C: the child finishes its iteration, checkpoints and exits; a rerun completes it") {
  const std::string expected = expected_result();
  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    pt::test::temp_dir dir("signal-" + std::to_string(sig));
    const pid_t pid = start_tool(dir.path);
    wait_for_a_checkpoint(dir.path);
    ::kill(pid, sig);
    const int status = wait_for(pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const std::string stopped = result_of(dir.path);
    CHECK(stopped.find(" interrupted ") != std::string::npos);
    const auto newest = pt::io::latest_checkpoint(dir.path / "checkpoints");
    REQUIRE(newest);
    CHECK(stopped.ends_with(" " + std::to_string(*pt::io::checkpoint_iteration(newest->filename().string()))));
    REQUIRE(WIFEXITED(wait_for(start_tool(dir.path))));
    CHECK(result_of(dir.path) == expected);
  }
}

TEST_CASE("a second SIGTERM stops the child at once") {
  pt::test::temp_dir dir("second-signal");
  const pid_t pid = start_tool(dir.path, true);  // 100 ms per iteration in output_fn
  wait_for_a_checkpoint(dir.path);
  ::kill(pid, SIGTERM);
  std::this_thread::sleep_for(20ms);
  ::kill(pid, SIGTERM);
  const int status = wait_for(pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK_FALSE(fs::exists(dir.path / "result.txt"));
}
