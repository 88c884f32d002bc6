// Results as files other tools read: one network (.safetensors), experiment folders,
// training info as CSV/JSON, TensorBoard event files. (The file formats themselves are in
// format.hpp; until partrain 0.2 the io:: names of the formats and of checkpoints, which
// moved to format/ and train/, are kept here too.)
#pragma once

#include "partrain/format.hpp"
#include "partrain/io/checkpoints.hpp"
#include "partrain/io/experiment.hpp"
#include "partrain/io/file.hpp"
#include "partrain/io/network_file.hpp"
#include "partrain/io/network_io.hpp"
#include "partrain/io/network_tensors.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/io/tensorboard.hpp"
#include "partrain/io/training_info_io.hpp"
#include "partrain/io/trial_record.hpp"
