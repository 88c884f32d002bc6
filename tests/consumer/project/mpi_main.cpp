// A user project's MPI program: partrain::mpi from its installed location.
#include <partrain/mpi.hpp>

#include <iostream>

int main(int argc, char** argv) {
  partrain::mpi::world world(&argc, &argv);
  std::cout << "rank " << world.rank() << " of " << world.size() << '\n';
}
