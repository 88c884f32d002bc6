// Files are never clobbered and killed saves leave nothing behind for ever: a write onto a
// device node, a folder or a symbolic link is refused naming it; the hidden temporaries of
// experiment saves killed with SIGKILL are removed by the next save, never a live writer's.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "partrain/io/experiment.hpp"
#include "partrain/io/safetensors.hpp"
#include "temp_dir.hpp"

namespace io = partrain::io;
namespace format = partrain::format;
namespace fs = std::filesystem;
using partrain::io_error;

namespace {
std::vector<io::named_tensor> one_tensor() {
  const std::vector<float> w{1, 2, 3};
  return {io::named_tensor::from<float>("w", {3}, w)};
}

std::vector<std::string> hidden_temporaries(const fs::path& folder) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.path().filename().string().starts_with(".experiment-")) out.push_back(e.path().filename().string());
  return out;
}

io::trial_record small_trial() {
  io::trial_record r;
  r.name = "small";
  r.architecture = "fully_connected<3>";
  r.solver = "adam";
  r.options = {{"max_epochs", 1}};
  r.tensors = one_tensor();
  return r;
}
}  // namespace

TEST_CASE("write_safetensors refuses a device node, a folder or a symbolic link at the target") {
  partrain::test::temp_dir dir("file-safety");
  const fs::path node = dir.path / "full.safetensors";  // a copy of /dev/full's node
  REQUIRE(::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0);
  CHECK_THROWS_WITH_AS(io::write_safetensors(node, one_tensor()),
                       doctest::Contains(("'" + node.string() + "' exists and is not a regular file (a device)").c_str()),
                       io_error);
  CHECK(fs::is_character_file(node));  // still the device node, not replaced by a regular file
  fs::create_directory(dir.path / "folder.safetensors");
  CHECK_THROWS_WITH_AS(io::write_safetensors(dir.path / "folder.safetensors", one_tensor()),
                       doctest::Contains("is not a regular file (a folder)"), io_error);
  fs::create_symlink("/dev/null", dir.path / "link.safetensors");
  CHECK_THROWS_WITH_AS(io::write_safetensors(dir.path / "link.safetensors", one_tensor()),
                       doctest::Contains("(a symbolic link)"), io_error);
  CHECK(fs::is_symlink(dir.path / "link.safetensors"));
  io::write_safetensors(dir.path / "plain.safetensors", one_tensor());  // an existing regular file is replaced
  io::write_safetensors(dir.path / "plain.safetensors", one_tensor());
  CHECK(io::read_safetensors(dir.path / "plain.safetensors").tensors == one_tensor());
  CHECK_THROWS_WITH_AS(io::write_safetensors(dir.path / "no" / "such" / "x.safetensors", one_tensor()),
                       doctest::Contains("does not exist"), io_error);
}

TEST_CASE("a save removes the temporaries of dead writers, never a live one's or another host's") {
  partrain::test::temp_dir dir("leftovers");
  const pid_t dead = ::fork();  // a pid whose process has ended
  if (dead == 0) ::_exit(0);
  REQUIRE(dead > 0);
  ::waitpid(dead, nullptr, 0);
  const std::string host = format::host_tag();
  const std::vector<std::string> gone{".experiment-20250101T000000.tmp-" + host + "-" + std::to_string(dead) + "-1-0",
                                      // our pid, but another start time: the pid was reused
                                      ".experiment-20250101T000001.tmp-" + host + "-" + std::to_string(::getpid()) + "-1-3"};
  const auto live = format::temporary_sibling(dir.path / ".experiment-20250101T000002").filename().string();
  const std::vector<std::string> kept{live, ".experiment-20250101T000003.tmp-otherhost-" + std::to_string(dead) + "-1-0",
                                      ".experiment-20250101T000004.tmp-garbled"};
  for (const auto& name : gone) fs::create_directories(dir.path / name / "trial-01");
  for (const auto& name : kept) fs::create_directories(dir.path / name / "trial-01");
  CHECK(format::abandoned_temporary(gone[0]));
  CHECK(format::abandoned_temporary(gone[1]));
  CHECK_FALSE(format::abandoned_temporary(live));
  const std::vector<io::trial_record> trials{small_trial()};
  io::save_experiment(trials, dir.path, "20250102T000000");
  auto left = hidden_temporaries(dir.path);
  std::sort(left.begin(), left.end());
  CHECK(left == kept);
}

TEST_CASE("saves killed with SIGKILL at random moments: nothing truncated looks complete, the next save cleans up") {
  partrain::test::temp_dir dir("killed-saves");
  std::mt19937 rng(12345);
  for (int round = 0; round < 6; ++round) {
    pid_t child = 0;
    char arg0[] = "io_fault_tool", arg1[] = "save-forever";
    std::string folder = dir.path.string();
    char* argv[] = {arg0, arg1, folder.data(), nullptr};
    REQUIRE(::posix_spawn(&child, PARTRAIN_IO_FAULT_TOOL, nullptr, nullptr, argv, environ) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 150));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
  }
  const std::vector<io::trial_record> trials{small_trial()};
  const auto saved = io::save_experiment(trials, dir.path, "20250102T000000");
  CHECK(hidden_temporaries(dir.path).empty());
  int complete = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) {
    INFO(e.path().string());
    const auto loaded = io::load_experiment(e.path());  // every visible experiment is whole
    CHECK(loaded.size() == (e.path() == saved ? 1u : 3u));
    ++complete;
  }
  CHECK(complete >= 1);
}
