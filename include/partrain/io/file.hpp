// Forwarding header (until partrain 0.2): whole-file reads and atomic writes are in
// partrain/format/files.hpp, namespace partrain::format.
#pragma once

#include "partrain/format/files.hpp"

namespace partrain::io {
using format::read_file;
using format::read_text_file;
using format::write_file_atomic;
}  // namespace partrain::io
