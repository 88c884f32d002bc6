// expect: not a learn-rate schedule: it has no `static constexpr auto hyperparameters()`
#include <partrain/partrain.hpp>
using namespace partrain;
// A step schedule whose fields would not be saved with the experiment.
struct halve_every_epoch {
  static constexpr std::string_view name = "halve_every_epoch";
  double factor = 0.5;
  double operator()(double initial, schedule::point p) const { return initial * std::pow(factor, p.epoch - 1); }
  void validate() const {}
};
int main() { training_options<optim::sgdm, halve_every_epoch> options; (void)options; }
