// The written contracts of partrain's extension points: a layer's (layers/contract.hpp),
// a solver's and a learn-rate schedule's (optim/contracts.hpp). An umbrella: include it,
// or the one you need.
#pragma once

#include "partrain/layers/contract.hpp"
#include "partrain/optim/contracts.hpp"
