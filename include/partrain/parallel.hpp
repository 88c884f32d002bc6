// Parallel training: worker pool with futures, typed channel, sweeps over architectures.
#pragma once

#include "partrain/parallel/channel.hpp"
#include "partrain/parallel/fetch_outputs.hpp"
#include "partrain/parallel/outcomes.hpp"
#include "partrain/parallel/pool.hpp"
#include "partrain/parallel/submit_each.hpp"
