// Child processes for the tests that kill or signal a real process (posix_spawn, waitpid).
#pragma once

#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace partrain::test {

/// Starts argv[0] with argv, in this process's environment plus `extra_env` ("NAME=value");
/// returns its pid, or -1 when it cannot be started.
inline pid_t spawn_child(std::vector<std::string> argv, std::vector<std::string> extra_env = {}) {
  std::vector<char*> args, env;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  for (char** e = environ; *e; ++e) env.push_back(*e);
  for (auto& e : extra_env) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = 0;
  return ::posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), env.data()) == 0 ? pid : -1;
}

/// Waits for the child to end; its wait status (WIFEXITED, WIFSIGNALED, ...).
inline int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace partrain::test
