// Reports: the live dashboard, confusion matrices, and the SVG figures (training progress,
// confusion matrix).
#pragma once

#include "partrain/report/confusion_matrix.hpp"
#include "partrain/report/dashboard.hpp"
#include "partrain/report/plot_confusion_matrix.hpp"
#include "partrain/report/plot_training_progress.hpp"
