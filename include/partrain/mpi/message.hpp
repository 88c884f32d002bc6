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

#include "partrain/config.hpp"
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
inline namespace PARTRAIN_MODE_NAMESPACE {
/// [8-byte length of the head's text][head as JSON text][blob].
PARTRAIN_DECL std::vector<std::byte> encode(const message& m);

/// throws io_error naming the sending rank when the bytes are not a message.
PARTRAIN_DECL message decode(std::span<const std::byte> bytes, int source);
}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace wire

inline namespace PARTRAIN_MODE_NAMESPACE {

/// A message of kind `k` with the head's other fields and a blob.
PARTRAIN_DECL message make_message(message_kind k, nlohmann::json fields = nlohmann::json::object(),
                                   std::vector<std::byte> blob = {});

/// The kind of a message from rank `source`; io_error naming the rank for a head without a
/// known one (not one of partrain's messages).
PARTRAIN_DECL message_kind kind_of(const message& m, int source);

}  // namespace PARTRAIN_MODE_NAMESPACE

}  // namespace partrain::mpi

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/mpi/impl/message.ipp"
#endif
