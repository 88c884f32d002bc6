// All layers.
#pragma once

#include "partrain/layers/activations.hpp"
#include "partrain/layers/batch_norm.hpp"
#include "partrain/layers/conv2d.hpp"
#include "partrain/layers/dropout.hpp"
#include "partrain/layers/fully_connected.hpp"
#include "partrain/layers/image_input.hpp"
#include "partrain/layers/pooling.hpp"
#include "partrain/layers/softmax.hpp"
