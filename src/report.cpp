// partrain::compiled, part report/: the bodies of the report headers, compiled once.
#include "partrain/report/impl/confusion_matrix.ipp"
#include "partrain/report/impl/dashboard.ipp"
#include "partrain/report/impl/plot_confusion_matrix.ipp"
#include "partrain/report/impl/plot_training_progress.ipp"
#include "partrain/report/impl/svg.ipp"
