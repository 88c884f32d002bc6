// Forwarding header (until partrain 0.2): train_network is in partrain/train/train_network.hpp.
#pragma once

#include "partrain/train/train_network.hpp"
