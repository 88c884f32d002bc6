// One object per calling thread, made on first use: the prefetchers and stream readers of a
// datastore that several trainers read at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace partrain::data::detail {

/// Copies start empty, and assignment empties it: what it holds belongs to the object it
/// is a member of (a datastore's images), so it must not outlive an assignment of that.
template <class T>
class per_thread {
 public:
  per_thread() = default;
  per_thread(const per_thread&) {}
  per_thread& operator=(const per_thread&) {
    std::lock_guard lock(mutex_);
    by_thread_.clear();
    return *this;
  }

  /// The calling thread's object, made with `make` (returning a unique_ptr<T>) on first use.
  template <class Make>
  T& mine(Make&& make) {
    std::lock_guard lock(mutex_);
    auto& p = by_thread_[std::this_thread::get_id()];
    if (!p) p = make();
    return *p;
  }
  /// The calling thread's object, or nullptr.
  T* find() {
    std::lock_guard lock(mutex_);
    const auto it = by_thread_.find(std::this_thread::get_id());
    return it == by_thread_.end() ? nullptr : it->second.get();
  }

 private:
  std::mutex mutex_;
  std::map<std::thread::id, std::unique_ptr<T>> by_thread_;
};

}  // namespace partrain::data::detail
