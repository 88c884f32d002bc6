// partrain::compiled, the network headers at the top level: their bodies, compiled once.
#include "partrain/impl/network_summary.ipp"
#include "partrain/impl/network_tensors.ipp"
