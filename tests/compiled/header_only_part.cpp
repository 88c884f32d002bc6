// The header-only half of a program that mixes the modes (mixed_modes in CMakeLists.txt).
#include <partrain/format/json.hpp>
#include <partrain/format/temporary.hpp>
#include <partrain/train/engine.hpp>

#include <string>

// Both halves call json_number; each mode has its own, so they never meet.
double header_only_number() { return partrain::format::json_number(2.0).get<double>(); }

// What the process counts (temporary file names) it counts once, whichever half asks.
std::string header_only_temporary() { return partrain::format::temporary_sibling("file").string(); }

#if defined(PARTRAIN_PASS_ENGINE)
// An engine made in one mode cannot be handed to the other: this definition is not the
// function the compiled half calls, and the link fails naming both namespaces.
int engine_iteration(const partrain::detail::training_engine& e) { return e.iteration(); }
#endif
