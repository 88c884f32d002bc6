// expect: mpi::submit_each: a trial's result travels from the rank that trained it to rank 0, so f must return partrain::trained<Net>
#include <partrain/mpi.hpp>
#include <partrain/partrain.hpp>
using nets = partrain::type_list<partrain::models::digit_cnn<4, 1>>;
int main() {
  partrain::mpi::world world;
  partrain::parallel::pool workers{world.local_pool_options()};
  auto sweep = partrain::mpi::submit_each<nets>(world, workers, []<class Net>(int trial, partrain::context&) { return trial; });
}
