// Helper for the file-safety tests: a process that saves experiments until it is killed.
//   io_fault_tool save-forever <folder>   3 trials of 4 MB each, one save after another
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "partrain/io/experiment.hpp"

namespace io = partrain::io;

int main(int argc, char** argv) try {
  if (argc != 3 || std::strcmp(argv[1], "save-forever") != 0) {
    std::cerr << "usage: io_fault_tool save-forever <folder>\n";
    return 2;
  }
  std::vector<io::trial_record> trials(3);
  const std::vector<float> weights(std::size_t(1) << 20, 0.5f);
  for (std::size_t k = 0; k < trials.size(); ++k) {
    trials[k].name = "trial " + std::to_string(k);
    trials[k].architecture = "fully_connected<1048576>";
    trials[k].solver = "sgdm";
    trials[k].options = {{"max_epochs", 1}};
    trials[k].tensors = {io::named_tensor::from<float>("fc.weight", {1 << 20}, weights)};
  }
  for (int n = 0;; ++n) {  // distinct timestamps: 20250101T000000, ...01, ...
    const std::string count = std::to_string(n % 1000000);
    io::save_experiment(trials, argv[2], "20250101T" + std::string(6 - count.size(), '0') + count);
  }
} catch (const std::exception& e) {
  std::cerr << "io_fault_tool: " << e.what() << '\n';
  return 1;
}
