// The compiled half of a program that mixes the modes (mixed_modes in CMakeLists.txt).
#include <partrain/format/json.hpp>
#include <partrain/format/temporary.hpp>
#include <partrain/train/engine.hpp>

#include <cstdio>
#include <string>

double header_only_number();
std::string header_only_temporary();

#if defined(PARTRAIN_PASS_ENGINE)
int engine_iteration(const partrain::detail::training_engine& e);
int (*take_engine)(const partrain::detail::training_engine&) = &engine_iteration;
#endif

int main() {
  const double a = header_only_number(), b = partrain::format::json_number(2.0).get<double>();
  std::printf("header-only %g, compiled %g\n", a, b);
  // Two writers, one in each half, must never get the same temporary name.
  const std::string t1 = header_only_temporary(), t2 = partrain::format::temporary_sibling("file").string();
  std::printf("temporaries %s, %s\n", t1.c_str(), t2.c_str());
  return a == b && t1 != t2 ? 0 : 1;
}
