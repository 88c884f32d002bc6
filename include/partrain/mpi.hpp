// partrain over MPI ranks (link partrain::mpi): mpi::world and mpi::run_experiment.
#pragma once

#include "partrain/mpi/run_experiment.hpp"
#include "partrain/mpi/submit_each.hpp"
#include "partrain/mpi/world.hpp"
