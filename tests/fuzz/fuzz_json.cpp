// libFuzzer target: the JSON readers of experiment folders (training_info.json, trial.json,
// summary.json; options.json is any JSON object) must give a result or an io_error, never a
// crash; what training_info_from_json accepts must write and read back.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "partrain/io/experiment.hpp"
#include "partrain/io/training_info_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = partrain::io;
  const auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    const auto info = io::training_info_from_json(j, "fuzz");
    (void)io::training_info_from_json(nlohmann::json::parse(io::to_json(info).dump()), "fuzz-again");
  } catch (const partrain::io_error&) {
  }
  try {
    (void)io::detail::trial_from_json(j, "fuzz");
  } catch (const partrain::io_error&) {
  }
  try {
    io::detail::check_summary(j, "fuzz", "fuzz");
  } catch (const partrain::io_error&) {
  }
  return 0;
}
