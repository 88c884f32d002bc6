// Interrupting training: SIGTERM (what a cluster's scheduler sends before a time limit),
// Ctrl-C (SIGINT) or request_interrupt() asks every running training run to finish its
// iteration, write a checkpoint and stop; a second signal ends the process at once.
#pragma once

#include <atomic>
#include <csignal>
#include <mutex>

#include <signal.h>

namespace partrain {

namespace detail {
// Constant-initialised, lock-free: safe to touch from a signal handler.
inline std::atomic<int> interrupt_signals{0};
inline std::atomic<bool> interrupt_asked{false};

// The actions SIGTERM and SIGINT had before partrain's (zero-initialised: no guard to take).
inline struct sigaction previous_actions[2];

inline void on_interrupt_signal(int sig) {
  if (interrupt_signals.fetch_add(1) >= 1) {  // the second signal: what it did before partrain
    ::sigaction(sig, &detail::previous_actions[sig == SIGTERM ? 0 : 1], nullptr);
    ::raise(sig);
  }
}

}  // namespace detail

/// While one lives (a run with checkpoints is training), SIGTERM and SIGINT interrupt the
/// runs instead of ending the process (a second one does what it did before); the actions
/// that were there before come back when the last one ends. Safe to make from many threads
/// (a pool's workers).
class interrupt_handlers {
 public:
  interrupt_handlers() {
    std::lock_guard lock(mutex());
    if (users()++ > 0) return;
    struct sigaction action {};
    action.sa_handler = detail::on_interrupt_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &action, &detail::previous_actions[0]);
    ::sigaction(SIGINT, &action, &detail::previous_actions[1]);
  }
  ~interrupt_handlers() {
    std::lock_guard lock(mutex());
    if (--users() > 0) return;
    ::sigaction(SIGTERM, &detail::previous_actions[0], nullptr);
    ::sigaction(SIGINT, &detail::previous_actions[1], nullptr);
  }
  interrupt_handlers(const interrupt_handlers&) = delete;
  interrupt_handlers& operator=(const interrupt_handlers&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& users() {
    static int n = 0;
    return n;
  }
};

/// True once SIGTERM or SIGINT arrived while a run with checkpoints was training, or
/// request_interrupt() was called; stays true until clear_interrupt(). A run that sees it
/// stops after its current iteration (stop_reason::interrupted); one that starts while it
/// is set stops before its first.
inline bool interrupt_requested() {
  return detail::interrupt_signals.load() > 0 || detail::interrupt_asked.load();
}
/// Interrupts every training run of this process as SIGTERM does (each checkpoints and stops).
inline void request_interrupt() { detail::interrupt_asked.store(true); }
/// Forgets an interruption, for a program that goes on training after one.
inline void clear_interrupt() {
  detail::interrupt_signals.store(0);
  detail::interrupt_asked.store(false);
}

}  // namespace partrain
