// Experiments: search spaces over architectures and hyper-parameters, and the trials a
// search strategy draws from them.
#pragma once

#include "partrain/experiment/search_space.hpp"
#include "partrain/experiment/rungs.hpp"
#include "partrain/experiment/scheduler.hpp"
#include "partrain/experiment/strategy.hpp"
#include "partrain/experiment/run_experiment.hpp"
