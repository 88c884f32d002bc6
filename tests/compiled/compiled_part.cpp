// The compiled half of a program that mixes the modes (mixed_modes in CMakeLists.txt).
#include <partrain/format/json.hpp>
#include <partrain/train/engine.hpp>

#include <cstdio>

double header_only_number();

#if defined(PARTRAIN_PASS_ENGINE)
int engine_iteration(const partrain::detail::training_engine& e);
int (*take_engine)(const partrain::detail::training_engine&) = &engine_iteration;
#endif

int main() {
  const double a = header_only_number(), b = partrain::format::json_number(2.0).get<double>();
  std::printf("header-only %g, compiled %g\n", a, b);
  return a == b ? 0 : 1;
}
