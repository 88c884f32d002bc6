// Forwarding header (until partrain 0.2): the safetensors format is in
// partrain/format/safetensors.hpp, namespace partrain::format.
#pragma once

#include "partrain/format/safetensors.hpp"
#include "partrain/io/file.hpp"

namespace partrain::io {
using format::dtype_size;
using format::named_tensor;
using format::parse_safetensors;
using format::read_safetensors;
using format::safetensors_content;
using format::serialize_safetensors;
using format::shape_string;
using format::write_safetensors;
}  // namespace partrain::io
