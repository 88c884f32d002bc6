// Helper for the Python interop tests: writes files with known content, or reads a file
// written by Python and prints what partrain sees.
//   io_interop_tool write-safetensors <file>
//   io_interop_tool read-safetensors <file>      prints "name dtype (shape) v0 v1 ..." per tensor
//   io_interop_tool write-tensorboard <log_dir>  two runs, "alpha" and "beta"
#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>

#include "partrain/io/safetensors.hpp"
#include "partrain/io/tensorboard.hpp"

namespace io = partrain::io;

namespace {
std::string exact(double x) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}

partrain::training_info history(int k) {
  partrain::training_info info;
  info.iterations_per_epoch = 4;
  for (int i = 0; i < 10; ++i) {
    info.training_loss.push_back(2.0 / (i + k));
    info.training_accuracy.push_back(10.0 * i);
    info.validation_loss.push_back(i % 4 == 3 ? 1.0 + i : partrain::training_info::nan);
    info.validation_accuracy.push_back(i % 4 == 3 ? 5.0 * i : partrain::training_info::nan);
    info.base_learn_rate.push_back(0.01 * k);
    info.epoch.push_back(1 + i / 4);
  }
  return info;
}
} // namespace

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::cerr
        << "usage: io_interop_tool write-safetensors|read-safetensors|write-tensorboard <path>\n";
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "write-safetensors") {
    std::vector<float> w(8 * 1 * 3 * 3), b(10);
    std::vector<double> v(8);
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = float(i) * 0.5f - 3.0f;
    for (std::size_t i = 0; i < b.size(); ++i)
      b[i] = float(int(i % 7) - 3) * 0.125f;
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = 1.0 / double(i + 1);
    std::vector<io::named_tensor> t{io::named_tensor::from<float>("conv1.weight", {8, 1, 3, 3}, w),
                                    io::named_tensor::from<float>("fc.bias", {10}, b),
                                    io::named_tensor::from<double>("bn1.running_var", {8}, v)};
    io::write_safetensors(
        argv[2], t, {{"architecture", "conv3x3x8-bn-relu-fc10"}, {"partrain_version", "0.1.0"}});
  } else if (mode == "read-safetensors") {
    auto content = io::read_safetensors(argv[2]);
    for (const auto& [k, v] : content.metadata)
      std::cout << "meta " << k << " " << v << "\n";
    for (const auto& t : content.tensors) {
      std::cout << t.name << " " << t.dtype << " " << io::shape_string(t.shape);
      if (t.dtype == "F32")
        for (float x : t.values<float>())
          std::cout << " " << exact(x);
      if (t.dtype == "F64")
        for (double x : t.values<double>())
          std::cout << " " << exact(x);
      std::cout << "\n";
    }
  } else if (mode == "write-tensorboard") {
    std::vector<partrain::training_info> infos{history(1), history(2)};
    std::vector<std::string> names{"alpha", "beta"};
    io::write_tensorboard(argv[2], infos, names);
  } else {
    std::cerr << "unknown mode " << mode << "\n";
    return 2;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << e.what() << "\n";
  return 1;
}
