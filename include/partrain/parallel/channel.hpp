// parallel::channel<T>: a typed multi-producer queue whose messages reach after_each callbacks
// one at a time, in send order (MATLAB's parallel.pool.DataQueue + afterEach).
// For messages that carry their trial (training_progress among them), sender(trial) makes
// the callable that training_options::output_fn takes, and stop_trial(trial) stops that run.
#pragma once

#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "partrain/core/error.hpp"

namespace partrain::parallel {

/// Who runs a channel's callbacks: its own delivery thread, or the caller through poll()
/// (for UI loops that must draw on their own thread).
enum class delivery_mode { thread, manual };

struct channel_options {
  delivery_mode delivery = delivery_mode::thread;
};

namespace detail {

// Shared by the channel and its senders, so a sender outliving the channel fails cleanly.
template <class T>
struct channel_state {
  using callback_list = std::vector<std::function<void(const T&)>>;

  std::mutex mutex;
  std::condition_variable wake;  // delivery thread: messages or callbacks arrived, or closed
  std::vector<T> pending;
  std::shared_ptr<const callback_list> callbacks = std::make_shared<callback_list>();
  std::unordered_set<int> stopped;  // trials asked to stop (see channel::stop_trial)
  std::shared_ptr<const std::function<void(const T&)>> forward;  // see channel::forward_to
  bool closed = false;
  std::exception_ptr first_error;  // first exception a callback threw, not yet reported
  std::atomic<std::size_t> delivered{0};

  // Queues msg; returns whether trial `stop_of` was asked to stop (false for -1).
  bool push(T&& msg, int stop_of) {
    bool was_empty = false, stop = false;
    std::shared_ptr<const std::function<void(const T&)>> to;
    {
      std::lock_guard lock(mutex);
      PARTRAIN_CHECK(!closed, config_error,
                     "[partrain::parallel::channel::send] the channel is closed; close() or "
                     "destroy it only after every producer (trial) has finished sending");
      stop = stop_of >= 0 && stopped.contains(stop_of);
      if (!(to = forward)) {
        was_empty = pending.empty();
        pending.push_back(std::move(msg));
      }
    }
    if (to) {
      (*to)(msg);
      return stop;
    }
    // The delivery thread takes whole batches, so only the first message of one must wake it.
    if (was_empty) wake.notify_one();
    return stop;
  }

  // Delivers the messages pending now to every callback; returns how many. Callers serialize.
  std::size_t deliver_batch(std::vector<T>& batch) {
    std::shared_ptr<const callback_list> cbs;
    {
      std::lock_guard lock(mutex);
      if (callbacks->empty()) return 0;  // kept until a callback is registered
      batch.swap(pending);
      cbs = callbacks;
    }
    for (const T& msg : batch)
      for (const auto& cb : *cbs) {
        try {
          cb(msg);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!first_error) first_error = std::current_exception();
        }
      }
    const std::size_t n = batch.size();
    delivered.fetch_add(n, std::memory_order_relaxed);
    batch.clear();  // keeps capacity: the next swap hands it back to the producers
    return n;
  }

  void rethrow_callback_error() {
    std::exception_ptr e;
    {
      std::lock_guard lock(mutex);
      std::swap(e, first_error);
    }
    if (e) std::rethrow_exception(e);
  }
};

}  // namespace detail

/// A typed multi-producer channel. send() is safe from any thread and only holds a lock for a
/// push_back (the queue is unbounded, so producers never wait for consumers). Every message
/// sent reaches every after_each callback exactly once, in send order (so in order per
/// producer), one message at a time. Messages sent before any callback is registered wait.
/// A message that says which trial sent it (an `int trial` member), as training_progress.
template <class T>
concept trial_message = requires(T& m) { m.trial = 0; };

template <class T>
class channel {
 public:
  explicit channel(channel_options options = {})
      : state_(std::make_shared<detail::channel_state<T>>()), mode_(options.delivery) {
    if (mode_ == delivery_mode::thread) {
      thread_ = std::thread([s = state_] { deliver_loop(*s); });
      delivery_id_ = thread_.get_id();
    }
  }
  /// Closes the channel (see close()); a callback error or undelivered messages are reported
  /// on std::cerr, since a destructor cannot throw.
  ~channel() {
    try {
      const auto left = close();
      if (!left.empty())
        std::cerr << "[partrain::parallel::channel] destroyed with " << left.size()
                  << " undelivered message(s): no after_each callback was registered\n";
    } catch (const std::exception& e) {
      std::cerr << "[partrain::parallel::channel] an after_each callback threw: " << e.what()
                << '\n';
    }
  }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  /// Queues msg for delivery. Throws config_error if the channel is closed.
  void send(T msg) { state_->push(std::move(msg), -1); }

  /// Adds a callback run for every message, after the callbacks added before it.
  /// Throws config_error if cb is empty or the channel is closed.
  void after_each(std::function<void(const T&)> cb) {
    PARTRAIN_CHECK(bool(cb), config_error,
                   "[partrain::parallel::channel::after_each] the callback is empty; expected a "
                   "callable taking const T&");
    {
      std::lock_guard lock(state_->mutex);
      PARTRAIN_CHECK(!state_->closed, config_error,
                     "[partrain::parallel::channel::after_each] the channel is closed; register "
                     "callbacks before close()");
      auto list =
          std::make_shared<typename detail::channel_state<T>::callback_list>(*state_->callbacks);
      list->push_back(std::move(cb));
      state_->callbacks = std::move(list);
    }
    state_->wake.notify_one();
  }

  /// Sends every later message to `to`, on the sending thread, instead of to the callbacks
  /// (an empty `to` ends that): a sweep over MPI ranks forwards its other ranks' progress to
  /// rank 0's channel this way. stop_trial still answers the senders here.
  void forward_to(std::function<void(const T&)> to) {
    std::lock_guard lock(state_->mutex);
    state_->forward = to ? std::make_shared<const std::function<void(const T&)>>(std::move(to)) : nullptr;
  }

  /// delivery_mode::manual only: runs the callbacks, on the caller's thread, for the messages
  /// pending now; returns how many were delivered (0 while no callback is registered).
  /// Rethrows the first exception a callback threw, after delivering all of them.
  /// Throws config_error on a channel with its own delivery thread.
  std::size_t poll() {
    PARTRAIN_CHECK(mode_ == delivery_mode::manual, config_error,
                   "[partrain::parallel::channel::poll] this channel delivers on its own thread; "
                   "construct it with channel_options{.delivery = delivery_mode::manual} to pump "
                   "it with poll()");
    std::size_t n = 0;
    {
      std::lock_guard serial(poll_mutex_);
      n = state_->deliver_batch(batch_);
    }
    state_->rethrow_callback_error();
    return n;
  }

  /// Stops accepting messages, delivers everything already sent (waiting for the delivery
  /// thread, or running the callbacks here in manual mode) and returns the messages that could
  /// not be delivered because no callback was registered. Later calls return nothing.
  /// Throws the first exception a callback threw, after everything was delivered; config_error
  /// when called from a callback on the delivery thread.
  std::vector<T> close() {
    PARTRAIN_CHECK(std::this_thread::get_id() != delivery_id_, config_error,
                   "[partrain::parallel::channel::close] called from an after_each callback; "
                   "close the channel from the thread that owns it");
    {
      std::lock_guard lock(state_->mutex);
      state_->closed = true;
    }
    state_->wake.notify_all();
    if (thread_.joinable()) thread_.join();
    {
      std::lock_guard serial(poll_mutex_);
      while (state_->deliver_batch(batch_) > 0) {
      }
    }
    std::vector<T> left;
    {
      std::lock_guard lock(state_->mutex);
      left.swap(state_->pending);
    }
    state_->rethrow_callback_error();
    return left;
  }

  /// Messages sent and not yet delivered.
  std::size_t pending() const {
    std::lock_guard lock(state_->mutex);
    return state_->pending.size();
  }
  /// Messages delivered to the callbacks so far.
  std::size_t delivered() const { return state_->delivered.load(std::memory_order_relaxed); }

  /// An output_fn for trial `trial`: stamps the trial into each message, sends it and returns
  /// whether stop_trial(trial) was called (true stops that training run). The callable stays
  /// valid after the channel is gone, but then throws config_error like send().
  /// Throws config_error if trial < 0.
  std::function<bool(const T&)> sender(int trial) requires trial_message<T> {
    PARTRAIN_CHECK(trial >= 0, config_error,
                   "[partrain::parallel::channel::sender] trial = ", trial,
                   "; expected a trial index >= 0");
    return [state = state_, trial](const T& p) {
      T msg = p;
      msg.trial = trial;
      return state->push(std::move(msg), trial);
    };
  }
  /// Asks trial `trial` to stop: its sender returns true from the next message on.
  /// Safe from any thread, including a callback.
  void stop_trial(int trial) requires trial_message<T> {
    PARTRAIN_CHECK(trial >= 0, config_error,
                   "[partrain::parallel::channel::stop_trial] trial = ", trial,
                   "; expected a trial index >= 0");
    std::lock_guard lock(state_->mutex);
    state_->stopped.insert(trial);
  }
  bool stop_requested(int trial) const requires trial_message<T> {
    std::lock_guard lock(state_->mutex);
    return state_->stopped.contains(trial);
  }

 private:
  static void deliver_loop(detail::channel_state<T>& s) {
    std::vector<T> batch;
    for (;;) {
      {
        std::unique_lock lock(s.mutex);
        s.wake.wait(lock,
                    [&] { return s.closed || (!s.pending.empty() && !s.callbacks->empty()); });
        // Closed with nothing deliverable: close() hands the rest back to its caller.
        if (s.closed && (s.pending.empty() || s.callbacks->empty())) return;
      }
      s.deliver_batch(batch);
    }
  }

  std::shared_ptr<detail::channel_state<T>> state_;
  delivery_mode mode_;
  std::mutex poll_mutex_;  // one poll() or close() delivers at a time: keeps the order
  std::vector<T> batch_;
  std::thread thread_;
  std::thread::id delivery_id_;  // set once at construction; read by close()
};

}  // namespace partrain::parallel
