// What ranks send each other: a message is a JSON head, whose "kind" says what it is, and a
// byte blob (a trained network's tensors as safetensors bytes). wire.hpp has the payloads.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/core/error.hpp"

namespace partrain::mpi {

/// What a message between ranks is: a worker's request for a trial (answered with one or
/// none), a scheduler's decision asked of rank 0, progress items, a rung passed, a trial
/// started or ended, a stop for one trial, an interrupt for every trial, or a rank's last
/// message (bye).
enum class message_kind { request, decide, progress, rung, started, ended, stop, interrupt, bye };

inline constexpr std::array<std::string_view, 9> message_kind_names{
    "request", "decide", "progress", "rung", "started", "ended", "stop", "interrupt", "bye"};
inline constexpr std::string_view to_string(message_kind k) { return message_kind_names[std::size_t(k)]; }

struct message {
  nlohmann::json head;
  std::vector<std::byte> blob;
};

namespace wire {
/// [8-byte length of the head's text][head as JSON text][blob].
inline std::vector<std::byte> encode(const message& m) {
  const std::string head = m.head.dump();
  const std::uint64_t n = head.size();
  std::vector<std::byte> bytes(8 + head.size() + m.blob.size());
  std::memcpy(bytes.data(), &n, 8);
  std::memcpy(bytes.data() + 8, head.data(), head.size());
  if (!m.blob.empty()) std::memcpy(bytes.data() + 8 + head.size(), m.blob.data(), m.blob.size());
  return bytes;
}

/// throws io_error naming the sending rank when the bytes are not a message.
inline message decode(std::span<const std::byte> bytes, int source) {
  std::uint64_t n = 0;
  if (bytes.size() >= 8) std::memcpy(&n, bytes.data(), 8);
  PARTRAIN_CHECK(bytes.size() >= 8 && n <= bytes.size() - 8, io_error, "[partrain::mpi] a message of ", bytes.size(),
                 " bytes from rank ", source, " is not one of partrain's (a head of ", n, " bytes)");
  message m;
  m.head = nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()) + 8, n), nullptr, false);
  PARTRAIN_CHECK(m.head.is_object(), io_error, "[partrain::mpi] a message from rank ", source, " has no JSON head");
  m.blob.assign(bytes.begin() + 8 + std::ptrdiff_t(n), bytes.end());
  return m;
}
}  // namespace wire

/// A message of kind `k` with the head's other fields and a blob.
inline message make_message(message_kind k, nlohmann::json fields = nlohmann::json::object(),
                            std::vector<std::byte> blob = {}) {
  fields["kind"] = std::string(to_string(k));
  return {std::move(fields), std::move(blob)};
}

/// The kind of a message from rank `source`; io_error naming the rank for a head without a
/// known one (not one of partrain's messages).
inline message_kind kind_of(const message& m, int source) {
  const auto it = m.head.find("kind");
  if (it != m.head.end() && it->is_string())
    for (std::size_t k = 0; k < message_kind_names.size(); ++k)
      if (message_kind_names[k] == it->get_ref<const std::string&>()) return message_kind(k);
  std::string known;
  for (std::string_view name : message_kind_names) known += (known.empty() ? "" : ", ") + std::string(name);
  fail<io_error>("[partrain::mpi] a message from rank ", source, " has no known kind (",
                 m.head.value("kind", nlohmann::json()).dump(), "); expected one of ", known);
}

}  // namespace partrain::mpi
