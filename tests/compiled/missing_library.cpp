// Built with PARTRAIN_SEPARATE_COMPILATION but without partrain::compiled: must not link,
// and the undefined symbols must say which library is missing (expect_build_error.cmake).
#include <partrain/backend/ops.hpp>
#include <partrain/format/json.hpp>

int main() {
  float x[2] = {1, 2}, y[2];
  partrain::backend::cpu::softmax_forward(1, 2, 1, x, y);
  return int(partrain::format::json_number(y[0]).get<double>());
}
