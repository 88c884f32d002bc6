// The bodies of mpi/message.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/mpi.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "partrain/core/error.hpp"
#include "partrain/mpi/message.hpp"

namespace partrain::mpi::wire {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::byte> encode(const message& m) {
  const std::string head = m.head.dump();
  const std::uint64_t n = head.size();
  std::vector<std::byte> bytes(8 + head.size() + m.blob.size());
  std::memcpy(bytes.data(), &n, 8);
  std::memcpy(bytes.data() + 8, head.data(), head.size());
  if (!m.blob.empty()) std::memcpy(bytes.data() + 8 + head.size(), m.blob.data(), m.blob.size());
  return bytes;
}

PARTRAIN_DECL message decode(std::span<const std::byte> bytes, int source) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi::wire

namespace partrain::mpi {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL message make_message(message_kind k, nlohmann::json fields, std::vector<std::byte> blob) {
  fields["kind"] = std::string(to_string(k));
  return {std::move(fields), std::move(blob)};
}

PARTRAIN_DECL message_kind kind_of(const message& m, int source) {
  const auto it = m.head.find("kind");
  if (it != m.head.end() && it->is_string())
    for (std::size_t k = 0; k < message_kind_names.size(); ++k)
      if (message_kind_names[k] == it->get_ref<const std::string&>()) return message_kind(k);
  std::string known;
  for (std::string_view name : message_kind_names) known += (known.empty() ? "" : ", ") + std::string(name);
  fail<io_error>("[partrain::mpi] a message from rank ", source, " has no known kind (",
                 m.head.value("kind", nlohmann::json()).dump(), "); expected one of ", known);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::mpi
