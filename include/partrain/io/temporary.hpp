// Forwarding header (until partrain 0.2): temporary names are in
// partrain/format/temporary.hpp, namespace partrain::format.
#pragma once

#include "partrain/format/temporary.hpp"
