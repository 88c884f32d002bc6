// The blocks of docs/guide.md that the test suite compiled, each registered by its generated
// translation unit (see extract_guide.py).
#pragma once

#include <vector>

namespace guide {

struct block {
  int line = 0;                  ///< the line of its opening fence in docs/guide.md
  const char* section = "";      ///< the heading above it
  int (*main)() = nullptr;       ///< its main, if it has one
  bool run = true;               ///< false: compile-only (needs files or a GPU the test lacks)
};

inline std::vector<block>& registry() {
  static std::vector<block> blocks;
  return blocks;
}

inline bool add(block b) {
  registry().push_back(b);
  return true;
}

}  // namespace guide
