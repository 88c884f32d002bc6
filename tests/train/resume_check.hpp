// The resume check shared by the resume tests: a run checkpointed after every iteration and
// resumed from each checkpoint must end exactly as the run that was never interrupted.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "../io/temp_dir.hpp"
#include "partrain/io.hpp"
#include "partrain/partrain.hpp"
#include "resume_scenarios.hpp"

namespace test {

// Trains once with a checkpoint after every iteration, checks that checkpointing changed
// nothing, then resumes from every checkpoint: each resumed run must equal the full one.
template <class Net, class D, class Options>
void check_every_resume(const D& data, Options options, const std::string& name) {
  partrain::test::temp_dir dir("resume-" + name);
  const auto reference = partrain::train_network<Net>(data, options);
  options.checkpoint_path = dir.path / "all";
  options.checkpoint_frequency = 1;
  options.checkpoint_frequency_unit = partrain::checkpoint_unit::iteration;
  const auto checkpointed = partrain::train_network<Net>(data, options);
  REQUIRE(result_fingerprint(checkpointed) == result_fingerprint(reference));
  // One after every iteration but the last of a run that a hook stopped (patience).
  const auto all = partrain::io::list_checkpoints(dir.path / "all");
  const bool stopped_early = reference.info.stop_reason != partrain::stop_reason::max_epochs;
  REQUIRE(int(all.size()) == reference.info.iterations() - int(stopped_early));
  for (const auto& checkpoint : all) {
    CAPTURE(checkpoint.filename().string());
    Options resumed = options;
    resumed.checkpoint_path = dir.path / "again";
    resumed.resume_from = checkpoint;
    const auto r = partrain::train_network<Net>(data, resumed);
    CHECK(result_fingerprint(r) == result_fingerprint(reference));
    std::filesystem::remove_all(dir.path / "again");
  }
}

}  // namespace test
