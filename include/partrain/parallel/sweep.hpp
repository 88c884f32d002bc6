// Forwarding header (until partrain 0.2): parallel::submit_each is in parallel/submit_each.hpp.
#pragma once

#include "partrain/parallel/submit_each.hpp"
