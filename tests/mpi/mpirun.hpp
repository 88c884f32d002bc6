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

/// `launcher` (a command that starts this binary several times, as the tool of mpi_tool.cpp)
/// on `folder` with `settings` in the environment, in the background (ended after 2
/// minutes: a hang fails the test, not CI); its output goes to <folder>.log. Returns the
/// shell's pid.
inline pid_t start_launcher(const std::string& launcher, const fs::path& folder,
                            const std::vector<std::string>& settings = {}) {
  std::string command = "PARTRAIN_MPI_TOOL_FOLDER='" + folder.string() + "'";
  for (const auto& s : settings)
    command += " " + s;
  command += " exec timeout 120 " + launcher + " '" + fs::read_symlink("/proc/self/exe").string() +
             "' > '" + folder.string() + ".log' 2>&1";
  const pid_t pid = partrain::test::spawn_child({"/bin/sh", "-c", command});
  REQUIRE(pid > 0);
  return pid;
}
/// `mpirun -np n` of the tool (see start_launcher).
inline pid_t start_mpirun(int n, const fs::path& folder,
                          const std::vector<std::string>& settings = {}) {
  std::string launcher = "mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(n) +
                         " -x PARTRAIN_MPI_TOOL_FOLDER";
  for (const auto& s : settings)
    launcher += " -x " + s.substr(0, s.find('='));
  return start_launcher(launcher, folder, settings);
}
/// mpirun's exit code (-1 when it did not exit).
inline int exit_code(pid_t pid) {
  const int status = partrain::test::wait_for(pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
inline int mpirun(int n, const fs::path& folder, const std::vector<std::string>& settings = {}) {
  return exit_code(start_mpirun(n, folder, settings));
}
/// `srun --mpi=pmix -n n` of the tool, on the Slurm of scripts/with-slurm.sh; its exit code.
inline int srun(int n, const fs::path& folder, const std::vector<std::string>& settings = {},
                const std::string& options = "--mpi=pmix") {
  return exit_code(start_launcher("srun " + options + " --overcommit -n " + std::to_string(n),
                                  folder, settings));
}

/// The Slurm tests run only in ctest's test_slurm, which starts a one-node Slurm around them
/// (scripts/with-slurm.sh) and runs them with --no-skip.
inline auto slurm_only() { return doctest::skip(); }

} // namespace test
