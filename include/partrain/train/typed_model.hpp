// The typed part of a training run: a Net with its solver's state and its batches, behind
// the training_model interface the engine drives. What a user's translation unit
// instantiates per network type, besides the layers.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <utility>

#include "partrain/backend/context.hpp"
#include "partrain/backend/ops.hpp"
#include "partrain/optim/contracts.hpp"
#include "partrain/data/source_view.hpp"
#include "partrain/layers/image_input.hpp"
#include "partrain/network.hpp"
#include "partrain/network_tensors.hpp"
#include "partrain/optim.hpp"
#include "partrain/train/batch_source.hpp"
#include "partrain/train/best_network.hpp"
#include "partrain/train/evaluate.hpp"
#include "partrain/train/run_preparation.hpp"
#include "partrain/train/run_snapshot.hpp"
#include "partrain/train/run_state.hpp"
#include "partrain/train/solver_tensors.hpp"
#include "partrain/train/training_model.hpp"
#include "partrain/train/training_options.hpp"

namespace partrain::detail {
// Its layout differs between nvcc and g++ builds, as the context's does.
inline namespace PARTRAIN_ABI_NAMESPACE {

/// A new Net (initialized from the options' seed) and its solver's state, trained on `data`
/// in `ctx`, with the options read when it is made. Keeps references to the data and the
/// context. The data and the schedule are erased: one typed model per network and solver.
template <class Net, class Solver>
class typed_model final : public training_model {
  using T = typename Net::value_type;

 public:
  template <class Schedule>
  typed_model(data::source_view data, const training_options<Solver, Schedule>& options, context& ctx)
      : ctx_(ctx), data_(data), solver_(options.solver), validation_(options.validation_data),
        l2_(options.l2_regularization), threshold_(options.gradient_threshold),
        threshold_method_(options.gradient_threshold_method), batch_size_(options.mini_batch_size), seed_(options.seed),
        net_(options.seed), solver_state_(make_solver_state<Net>(options.solver, ctx.memory())),
        batches_(ctx, data, Net::num_classes) {}

  std::string description() const override { return Net::description(); }
  bool uses_randomness() const override { return Net::uses_randomness; }
  bool keeps_population_statistics() const override { return Net::keeps_population_statistics; }

  void to_device() override { move_to(ctx_.memory()); }
  void to_host() override { net_.to(host_memory); }
  void input_statistics(std::span<const std::size_t> order, std::size_t batch) override {
    if constexpr (needs_input_statistics<Net>) detail::input_statistics(net_, data_, order, batch);
  }

  void start_epoch(std::span<const std::size_t> order, std::size_t batch, std::uint64_t epoch) override {
    batches_.start_epoch(order, batch, epoch);
  }
  std::span<const data::dropped_image> read_batch(std::size_t first, std::size_t count) override {
    return batches_.read(first, count);
  }
  void forward() override { net_.forward(ctx_, batches_.images(), mode::training); }
  void host_metrics(double* m) override {
    m[0] = net_.loss(ctx_, batches_.labels());
    m[1] = net_.correct(ctx_, batches_.labels());
  }
  void device_metrics(double* m, int* diverged) override {
    backend::batch_metrics(ctx_, int(batches_.labels().size()), Net::num_classes, net_.output().data(),
                           batches_.labels().data(), m, diverged);
  }
  void gradients() override {
    net_.backward(ctx_, batches_.labels());
    optim::add_l2_regularization(ctx_, net_, l2_);
    optim::clip_gradients(ctx_, net_, threshold_, threshold_method_);
  }
  void update(double lr, int* diverged) override {
    solver_.step(ctx_, solver_state_, net_.parameters(), net_.gradients(), lr, diverged);
  }

  evaluation validate() override { return evaluate(net_, ctx_, validation_, batch_size_); }
  void keep_best() override { best_.keep(ctx_, net_.parameters(), net_.state()); }
  void restore_best() override { best_.restore(ctx_, net_.parameters(), net_.state()); }
  std::vector<data::dropped_image> population_statistics(std::span<const std::size_t> order, std::size_t batch,
                                                         std::uint64_t epoch) override {
    std::vector<data::dropped_image> left_out;
    if constexpr (Net::keeps_population_statistics) {
      net_.begin_population_statistics();
      const auto whole = order.first(order.size() / batch * batch);  // whole batches only
      batches_.start_epoch(whole, batch, epoch);
      for (std::size_t at = 0; at < whole.size(); at += batch) {
        const auto dropped = batches_.read(at, batch);
        left_out.insert(left_out.end(), dropped.begin(), dropped.end());
        net_.forward(ctx_, batches_.images(), mode::population_statistics);
      }
      net_.finish_population_statistics();
    }
    return left_out;
  }
  void save(run_snapshot& s, bool with_best) const override {
    s.architecture = Net::description();
    s.solver = std::string(solver_name(solver_));
    Net host(seed_);
    copy_network(net_, host);
    s.network = network_tensors(host);
    auto state = solver_state_;
    for_each_solver_field(state, [](auto, auto& field) {
      if constexpr (requires { field.to(host_memory); }) field.to(host_memory);
    });
    solver_tensors(host, state, s.solver_state, s.solver_counters);
    if (with_best) {
      Net best(seed_);
      best_.save(best.parameters(), best.state());
      s.best_network = network_tensors(best);
    }
    s.position.random_step = net_.random_step();
  }
  void load(const run_snapshot& s, const std::string& folder, bool keep_best) override {
    Net host(seed_);
    assign_network_tensors(host, s.network, folder + "/network.safetensors");
    auto state = make_solver_state<Net>(solver_, host_memory);
    solver_from(s.solver_state, s.solver_counters, host, state, folder);
    if (!s.best_network.empty()) {  // checked whenever a checkpoint has one, kept when asked
      Net best(seed_);
      assign_network_tensors(best, s.best_network, folder + "/best_network.safetensors");
      if (keep_best) best_.load(best.parameters(), best.state(), ctx_.memory());
    }
    copy_network(host, net_);
    net_.set_random_step(s.position.random_step);
    solver_state_ = std::move(state);
  }
  std::any release_network() override { return std::any(std::move(net_)); }

  Net& network() { return net_; }
  const Net& network() const { return net_; }
  const typename Solver::template state<Net>& solver_state() const { return solver_state_; }

  /// Parameters and state from one network to another (either may be on a device); the
  /// layers' seeds stay `to`'s.
  static void copy_network(const Net& from, Net& to) {
    copy_between(to.memory(), to.parameters().data(), from.memory(), from.parameters().data(),
                 Net::parameter_count * sizeof(T));
    copy_between(to.memory(), to.state().data(), from.memory(), from.state().data(), Net::state_count * sizeof(T));
  }
  /// The typed parts of a checkpoint's state: network, random step, solver, best network.
  void restore(run_state<Net, Solver>& s, bool keeps_best) {
    copy_network(s.network, net_);
    net_.set_random_step(s.position.random_step);
    solver_state_ = std::move(s.solver);
    if (keeps_best && s.best_network)
      best_.load(s.best_network->parameters(), s.best_network->state(), ctx_.memory());
  }
  /// The kept best network copied into `host` (a network in host memory).
  void save_best(Net& host) const { best_.save(host.parameters(), host.state()); }

 private:
  void move_to(const memory_space& space) {
    net_.to(space);
    for_each_solver_field(solver_state_, [&](auto, auto& field) {
      if constexpr (requires { field.to(space); }) field.to(space);
    });
  }

  context& ctx_;
  data::source_view data_;
  Solver solver_;
  data::source_view validation_;
  double l2_, threshold_;
  optim::gradient_threshold_method threshold_method_;
  int batch_size_;
  std::uint64_t seed_;
  Net net_;
  typename Solver::template state<Net> solver_state_;
  batch_source<T> batches_;
  network_copy<T> best_;
};

}  // namespace PARTRAIN_ABI_NAMESPACE
}  // namespace partrain::detail
