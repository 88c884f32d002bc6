// Training: options, train_network, checkpoints, evaluation, classification.
#pragma once

#include "partrain/train/classify.hpp"
#include "partrain/train/evaluate.hpp"
#include "partrain/train/train_network.hpp"
#include "partrain/train/training_info.hpp"
#include "partrain/train/training_options.hpp"
#include "partrain/train/training_progress.hpp"
