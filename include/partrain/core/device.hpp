// Where a worker computes: the CPU or one CUDA device.
#pragma once

#include <string>

#include "partrain/config.hpp"

namespace partrain {

enum class device_kind { cpu, cuda };

/// A compute device. The CPU is always available; CUDA devices only in nvcc-built code
/// on a machine with a GPU.
struct device {
  device_kind kind = device_kind::cpu;
  int index = 0;

  static constexpr device cpu() { return {device_kind::cpu, 0}; }
  static constexpr device cuda(int i) { return {device_kind::cuda, i}; }
  constexpr bool is_cpu() const { return kind == device_kind::cpu; }
  constexpr bool operator==(const device&) const = default;
  std::string name() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};

}  // namespace partrain
