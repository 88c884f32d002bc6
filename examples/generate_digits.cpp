// Writes the synthetic digit data set (the stand-in for MATLAB's DigitDataset):
//   generate_digits <dir> [--seed N] [--count-per-class N]
// 10 folders <dir>/0 ... <dir>/9 of 28x28 grayscale PNG files, 1000 per digit by default.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "partrain/data/generate_digits.hpp"

namespace {
long long parse_count(const std::string& flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (end == value || *end != '\0' || v < 0)
    partrain::fail<partrain::config_error>("[generate_digits] ", flag, " '", value,
                                           "': expected a non-negative integer");
  return v;
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: " << argv[0] << " <dir> [--seed N] [--count-per-class N]\n";
    return argc < 2 ? 2 : 0;
  }
  partrain::data::digit_options options;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) partrain::fail<partrain::config_error>("[generate_digits] ", flag, " needs a value");
    if (flag == "--seed")
      options.seed = std::uint64_t(parse_count(flag, argv[++i]));
    else if (flag == "--count-per-class")
      options.count_per_class = int(parse_count(flag, argv[++i]));
    else
      partrain::fail<partrain::config_error>("[generate_digits] unknown option '", flag,
                                             "'; expected --seed or --count-per-class");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto summary = partrain::data::generate_digits(argv[1], options);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "wrote " << summary.images << " images (" << options.count_per_class << " per digit, seed "
            << options.seed << ", " << summary.fonts.size() << " fonts) to " << argv[1] << " in " << s << " s\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
