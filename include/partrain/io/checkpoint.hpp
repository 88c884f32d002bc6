// Forwarding header (until partrain 0.2): see partrain/io/checkpoints.hpp.
#pragma once

#include "partrain/io/checkpoints.hpp"
