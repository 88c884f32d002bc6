// Forwarding header (until partrain 0.2): one trial on a worker is experiment/train_trial.hpp.
#pragma once

#include "partrain/experiment/train_trial.hpp"
