// partrain: train many deep networks in parallel. The whole public API.
#pragma once

#include "partrain/core/context.hpp"
#include "partrain/core/device.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/core/type_list.hpp"
#include "partrain/layers.hpp"
#include "partrain/network.hpp"
#include "partrain/gradient_check.hpp"
#include "partrain/models/digit_cnn.hpp"
#include "partrain/optim.hpp"
#include "partrain/train.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/parallel.hpp"
#include "partrain/report/dashboard.hpp"
