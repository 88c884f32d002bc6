// Forwarding header (until partrain 0.2): a network's named tensors are in
// partrain/network_tensors.hpp, namespace partrain.
#pragma once

#include "partrain/network_tensors.hpp"

namespace partrain::io {
using partrain::assign_network_tensors;
using partrain::load_tensors_by_name;
using partrain::network_tensors;
using partrain::tensor_transfer;
}  // namespace partrain::io
