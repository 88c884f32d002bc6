// Optimizers, regularization, clipping and learn-rate schedules.
#pragma once

#include "partrain/optim/adam.hpp"
#include "partrain/optim/regularization.hpp"
#include "partrain/optim/rmsprop.hpp"
#include "partrain/optim/schedule.hpp"
#include "partrain/optim/sgdm.hpp"
#include "partrain/optim/solver_choice.hpp"
