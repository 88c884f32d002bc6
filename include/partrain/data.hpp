// Data: image datastores (folders, IDX files), per-label splits, augmentation, the digit
// generator, and the data::source concept every trainer reads.
#pragma once

#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/data_source.hpp"
#include "partrain/data/generate_digits.hpp"
#include "partrain/data/idx_datastore.hpp"
#include "partrain/data/image_augmenter.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/image_io.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/data/split_each_label.hpp"
