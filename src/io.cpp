// partrain::compiled, part io/: the bodies of the io headers, compiled once.
#include "partrain/io/impl/experiment.ipp"
#include "partrain/io/impl/network_io.ipp"
#include "partrain/io/impl/tensorboard.ipp"
#include "partrain/io/impl/training_info_io.ipp"
#include "partrain/io/impl/trial_record.ipp"
