// The bodies of io/network_io.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/io.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/io/network_io.hpp"

namespace partrain::io::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string solver_name(const options_record& options) {
  const option_value* v = options.find("solver");
  return v && std::holds_alternative<std::string>(v->value) ? std::get<std::string>(v->value) : std::string();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io::detail
