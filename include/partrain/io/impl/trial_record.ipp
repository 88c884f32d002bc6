// The bodies of io/trial_record.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/io.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/io/trial_record.hpp"

namespace partrain::io {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void check_compatible(const trial_record& record, std::string_view expected_architecture,
                                    std::span<const tensor_spec> expected, std::string_view source) {
  const auto where = partrain::concat_text("[partrain::io::load] '", source, "': ");
  PARTRAIN_CHECK(record.architecture == expected_architecture, io_error, where,
                 "saved architecture is '", record.architecture, "'; network is '",
                 expected_architecture, "'");
  for (const auto& spec : expected) {
    const format::named_tensor* found = nullptr;
    for (const auto& t : record.tensors)
      if (t.name == spec.name)
        found = &t;
    PARTRAIN_CHECK(found != nullptr, io_error, where, "tensor '", spec.name, "' ",
                   format::shape_string(spec.shape), " that the network expects is missing");
    PARTRAIN_CHECK(found->shape == spec.shape, io_error, where, "tensor '", spec.name, "' is ",
                   format::shape_string(found->shape), "; network expects ", format::shape_string(spec.shape));
  }
  for (const auto& t : record.tensors) {
    bool known = false;
    for (const auto& spec : expected)
      known = known || spec.name == t.name;
    PARTRAIN_CHECK(known, io_error, where, "tensor '", t.name, "' ", format::shape_string(t.shape),
                   " is not part of the network");
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::io
