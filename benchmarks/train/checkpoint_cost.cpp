// What checkpoints cost the seed CNN on the seed workflow's data (10,000 generated 28x28
// digits, mini-batch 128, sgdm), against one epoch of training: the time to take and write
// one checkpoint, its size, and the time to resume from it (read, check, restore).
// Usage: bench_checkpoint_cost [folder]   Prints one JSON line.
#include <partrain/partrain.hpp>
#include <partrain/data/generate_digits.hpp>
#include <partrain/data/image_datastore.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace pt = partrain;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

static double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "partrain-checkpoint-cost";
  fs::remove_all(root);
  pt::data::generate_digits(root / "digits", {.seed = 1, .count_per_class = 1000});
  pt::data::image_datastore images(root / "digits", {.include_subfolders = true,
                                                     .label_source = pt::data::folder_names});
  pt::training_options<> options{.max_epochs = 1,
                                 .batch_normalization_statistics = pt::batch_norm_statistics::moving,
                                 .verbose = false,
                                 .checkpoint_path = root / "checkpoints"};
  pt::context ctx;
  pt::training_run<pt::models::seed_cnn, pt::data::image_datastore, pt::optim::sgdm, pt::schedule::none> run(
      images, options, ctx);
  pt::add_standard_hooks(run);
  double write_seconds = 0;  // the checkpoint hook, timed from a hook before and one after it
  clock_type::time_point began;
  run.hooks().on_checkpoint("timer (end)", [&](const pt::checkpoint_event&) {
    write_seconds = seconds_since(began);
    return pt::hook_result::carry_on();
  });
  run.hooks().on_epoch_end("timer (start)", [&](const pt::epoch_event&) {
    began = clock_type::now();
    return pt::hook_result::carry_on();
  });
  const auto t0 = clock_type::now();
  const auto trained = run.run();
  const double epoch_seconds = seconds_since(t0) - write_seconds;
  const auto checkpoint = *pt::io::latest_checkpoint(options.checkpoint_path);
  std::uintmax_t bytes = 0;
  for (const auto& f : fs::directory_iterator(checkpoint)) bytes += f.file_size();

  auto resumed_options = options;
  resumed_options.max_epochs = 2;
  resumed_options.resume_from = checkpoint;
  const auto t1 = clock_type::now();
  pt::training_run<pt::models::seed_cnn, pt::data::image_datastore, pt::optim::sgdm, pt::schedule::none> again(
      images, resumed_options, ctx);
  pt::io::resume(again, resumed_options.resume_from);
  const double resume_seconds = seconds_since(t1);
  std::printf("{\"bench\": \"checkpoint_cost\", \"images\": %zu, \"iterations_per_epoch\": %d, "
              "\"epoch_seconds\": %.3f, \"checkpoint_write_seconds\": %.4f, \"checkpoint_bytes\": %ju, "
              "\"resume_seconds\": %.4f, \"resume_over_epoch\": %.4f}\n",
              images.size(), trained.info.iterations_per_epoch, epoch_seconds, write_seconds, bytes,
              resume_seconds, resume_seconds / epoch_seconds);
  fs::remove_all(root);
}
