// expect: not a solver: its step takes no cancel flag
#include <partrain/partrain.hpp>
using namespace partrain; using namespace partrain::layers;
// Plain SGD whose step cannot be cancelled: on a GPU it would apply updates queued behind a
// diverged iteration, so it is refused rather than run without that protection.
struct plain_sgd {
  static constexpr std::string_view name = "plain_sgd";
  static constexpr double default_learn_rate = 0.01;
  static constexpr auto hyperparameters() { return std::tuple{}; }
  template <class Net>
  struct state {
    explicit state(const memory_space&) {}
  };
  template <class Net>
  void step(context&, state<Net>&, std::span<typename Net::value_type>, std::span<const typename Net::value_type>,
            double) const {}
  void validate() const {}
};
using net_t = network<image_input<8, 8, 1>, fully_connected<2>, softmax, classification>;
int main() {
  data::image_set data;
  auto r = train_network<net_t>(data, training_options<plain_sgd>{});
  (void)r;
}
