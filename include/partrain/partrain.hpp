// partrain: train many deep networks in parallel. The whole public API, by area:
//   core      contexts, devices, errors, shapes, tensors, random numbers, type_list
//   networks  layers (partrain/layers.hpp), network<...>, residual blocks, models, summary, check_gradients
//   training  solvers and schedules (partrain/optim.hpp), train_network, classify (partrain/train.hpp)
//   data      datastores, IDX files, splits, augmentation, the digit generator (partrain/data.hpp)
//   parallel  pool, channel, submit_each, fetch_outputs / fetch_outcomes (partrain/parallel.hpp)
//   results   networks and experiments as files, TensorBoard (partrain/io.hpp)
//   reports   dashboard, confusion matrices, SVG figures (partrain/report.hpp)
// Each area's header can be included alone.
#pragma once

#include "partrain/backend/context.hpp"
#include "partrain/core/device.hpp"
#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/core/shape.hpp"
#include "partrain/core/tensor.hpp"
#include "partrain/core/type_list.hpp"
#include "partrain/layers.hpp"
#include "partrain/network.hpp"
#include "partrain/gradient_check.hpp"
#include "partrain/network_summary.hpp"
#include "partrain/models/digit_cnn.hpp"
#include "partrain/models/resnet.hpp"
#include "partrain/optim.hpp"
#include "partrain/train.hpp"
#include "partrain/data.hpp"
#include "partrain/parallel.hpp"
#include "partrain/io.hpp"
#include "partrain/report.hpp"
#include "partrain/experiment.hpp"
