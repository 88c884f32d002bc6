// File formats and the small helpers every partrain file goes through: safetensors, whole-
// file reads and atomic writes, temporary names, numbers as text and in JSON.
#pragma once

#include "partrain/format/files.hpp"
#include "partrain/format/json.hpp"
#include "partrain/format/safetensors.hpp"
#include "partrain/format/temporary.hpp"
#include "partrain/format/text.hpp"
