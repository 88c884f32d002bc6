// Results as files other tools read: one network (.safetensors), experiment folders,
// training info as CSV/JSON, TensorBoard event files.
#pragma once

#include "partrain/io/experiment.hpp"
#include "partrain/io/file.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/io/network_io.hpp"
#include "partrain/io/network_tensors.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/io/tensorboard.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/io/trial_record.hpp"
