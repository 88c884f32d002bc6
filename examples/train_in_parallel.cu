// The demo built by nvcc: the same program, with the CUDA backend, so its pool puts
// workers on the GPUs it finds (and on CPU cores when there are none).
#include "train_in_parallel.cpp"
