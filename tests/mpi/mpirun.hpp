// Runs this test binary under a real mpirun as the MPI tests' tool (mpi_tool.cpp).
#pragma once

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "../io/child_process.hpp"

namespace test {
namespace fs = std::filesystem;

inline std::string text_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// `mpirun -np n` of this binary as the tool (mpi_tool.cpp) on `folder`, in the background
/// (ended after 2 minutes: a hang fails the test, not CI); its output goes to <folder>.log.
/// Returns the shell's pid.
inline pid_t start_mpirun(int n, const fs::path& folder, const std::vector<std::string>& settings = {}) {
  std::string command = "PARTRAIN_MPI_TOOL_FOLDER='" + folder.string() + "'";
  std::string forward = " -x PARTRAIN_MPI_TOOL_FOLDER";
  for (const auto& s : settings) command += " " + s, forward += " -x " + s.substr(0, s.find('='));
  command += " exec timeout 120 mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(n) + forward + " '" +
             fs::read_symlink("/proc/self/exe").string() + "' > '" + folder.string() + ".log' 2>&1";
  const pid_t pid = partrain::test::spawn_child({"/bin/sh", "-c", command});
  REQUIRE(pid > 0);
  return pid;
}
/// mpirun's exit code (-1 when it did not exit).
inline int exit_code(pid_t pid) {
  const int status = partrain::test::wait_for(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
inline int mpirun(int n, const fs::path& folder, const std::vector<std::string>& settings = {}) {
  return exit_code(start_mpirun(n, folder, settings));
}

}  // namespace test
