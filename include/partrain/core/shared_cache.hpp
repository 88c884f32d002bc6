// One object per key for everyone who asks while anyone still holds it: how workers on one
// device share the training images they uploaded, without a cache that outlives its users.
#pragma once

#include <map>
#include <memory>
#include <mutex>

namespace partrain {

/// Thread-safe. get(key, make) returns the living object made for `key`, or calls make()
/// (once, while later askers for the same key wait) and keeps a weak reference to the
/// result. The object is destroyed with its last shared_ptr, and a later get makes a new
/// one. If make() throws, nothing is kept and the exception goes to that caller.
template <class Key, class Value>
class shared_cache {
 public:
  template <class Make>
  std::shared_ptr<const Value> get(const Key& key, Make make) {
    std::shared_ptr<slot> s;
    {
      const std::lock_guard lock(mutex_);
      for (auto it = slots_.begin(); it != slots_.end();)  // forget slots nobody uses
        it = it->second.use_count() == 1 && it->second->value.expired() ? slots_.erase(it) : std::next(it);
      auto& found = slots_[key];
      if (!found) found = std::make_shared<slot>();
      s = found;
    }
    const std::lock_guard lock(s->mutex);
    if (auto living = s->value.lock()) return living;
    std::shared_ptr<const Value> made = make();
    s->value = made;
    return made;
  }

  /// Keys with a slot (living objects, or ones being made); for tests.
  std::size_t size() {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& entry : slots_) n += !entry.second->value.expired() || entry.second.use_count() > 1;
    return n;
  }

 private:
  struct slot {
    std::mutex mutex;
    std::weak_ptr<const Value> value;
  };
  std::mutex mutex_;
  std::map<Key, std::shared_ptr<slot>> slots_;
};

}  // namespace partrain
