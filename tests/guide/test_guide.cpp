// docs/guide.md cannot rot: every C++ block in it is compiled (extract_guide.py puts them in
// this executable), a block the extraction missed fails here, and the cheap blocks run in a
// scratch folder holding a small generated DigitDataset.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include "guide_registry.hpp"

#ifndef PARTRAIN_GUIDE_MPI
#define PARTRAIN_GUIDE_MPI 0
#endif
#include "partrain/data/generate_digits.hpp"

namespace fs = std::filesystem;

TEST_CASE("every C++ block of docs/guide.md is compiled into this test") {
  std::ifstream guide(PARTRAIN_GUIDE_FILE);
  REQUIRE_MESSAGE(guide.good(), "cannot read " PARTRAIN_GUIDE_FILE);
  // Broader than the extractor's pattern on purpose: a C++-looking block it skips is an error.
  const std::regex cpp_fence(R"(^```\s*(c\+\+|cpp|cxx|cc|hpp|h)\b.*)", std::regex::icase);
  std::set<int> in_guide, compiled;
  std::string line;
  bool inside = false;
  const std::regex mpi_fence(R"(^```\s*\S+.*\bmpi\b.*)");
  for (int number = 1; std::getline(guide, line); ++number) {
    const bool left_out = !PARTRAIN_GUIDE_MPI && std::regex_match(line, mpi_fence);  // needs partrain::mpi
    if (left_out && !inside) MESSAGE("the MPI block at line ", number, " is not compiled: this build has no MPI");
    if (!inside && !left_out && std::regex_match(line, cpp_fence)) in_guide.insert(number);
    if (line.starts_with("```")) inside = !inside;
  }
  for (const auto& b : guide::registry()) compiled.insert(b.line);
  CHECK(in_guide.size() >= 10);
  CHECK_MESSAGE(in_guide == compiled, "the blocks at these lines of docs/guide.md and the compiled ones differ; "
                                      "rebuild, or fix the block's fence (```cpp)");
}

TEST_CASE("the guide's runnable blocks run on a small digit set") {
  const fs::path scratch = fs::temp_directory_path() / ("partrain-guide-" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  partrain::data::generate_digits(scratch / "DigitDataset", {.seed = 1, .count_per_class = 40});
  const fs::path home = fs::current_path();
  fs::current_path(scratch);
  int ran = 0;
  for (const auto& b : guide::registry()) {
    if (!b.main || !b.run) continue;
    std::ostringstream out;
    auto* old = std::cout.rdbuf(out.rdbuf());
    int status = -1;
    std::string error;
    try {
      status = b.main();
    } catch (const std::exception& e) {
      error = e.what();
    }
    std::cout.rdbuf(old);
    INFO("docs/guide.md line ", b.line, " (", b.section, ") printed:\n", out.str(), error);
    CHECK(error.empty());
    CHECK(status == 0);
    ++ran;
  }
  fs::current_path(home);
  fs::remove_all(scratch);
  CHECK(ran >= 8);
}
