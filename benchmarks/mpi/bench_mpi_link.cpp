// How much rank 0 of an MPI experiment can take: every other rank floods it, through the
// same link, messages and handling a real experiment uses (the table updated, networks
// parsed), with the journal measured on its own. Figures for sizing a job:
//   progress items/s       wire::progress_json items in batches, decoded, table updated
//   decisions/s            call() round trips answered at once (a scheduler's question)
//   results/s, MB/s        a trained seed CNN's record (safetensors bytes) taken apart;
//                          --scale S sends S copies of its tensors in each (a network S
//                          times larger), and rank 0 then also times writing one to disk
//   journal appends/s      fsynced status lines (what rank 0 writes per trial event)
//
// usage: mpirun -np N partrain_bench_mpi_link [--items K] [--calls M] [--results R] [--scale S]
#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <partrain/experiment/journal.hpp>
#include <partrain/experiment/table.hpp>
#include <partrain/io/network_io.hpp>
#include <partrain/models/digit_cnn.hpp>
#include <partrain/mpi/link.hpp>
#include <partrain/mpi/world.hpp>

namespace {
namespace pt = partrain;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

/// When rank 0 got a phase's first message and the last rank's "done".
struct phase_clock {
  std::optional<clock_type::time_point> first;
  clock_type::time_point last;
  int done = 0;
};
}  // namespace

int main(int argc, char** argv) {
  pt::mpi::world w(&argc, &argv);
  long items = 200000, calls = 2000, results = 200, scale = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--items")) items = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--calls")) calls = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--results")) results = std::atol(argv[i + 1]);
    if (!std::strcmp(argv[i], "--scale")) scale = std::max(1L, std::atol(argv[i + 1]));
  }
  using seed_cnn = pt::models::digit_cnn<8, 2>;
  pt::trained<seed_cnn> net{seed_cnn(1), {}, {}};
  pt::io::trial_record record = pt::io::make_trial_record("trial-001", net);
  const auto one = record.tensors;
  for (long k = 1; k < scale; ++k)  // a network `scale` times larger: its tensors again, renamed
    for (auto t : one) t.name += "." + std::to_string(k), record.tensors.push_back(std::move(t));
  std::vector<pt::experiment::trial_result> trials(1000);
  for (std::size_t i = 0; i < trials.size(); ++i) trials[i].trial.index = i;
  pt::experiment::trial_table table(nullptr, trials, "validation_accuracy", false, false);

  std::mutex mutex;
  std::array<phase_clock, 3> phases;  // progress, decisions, results
  std::size_t result_bytes = 0;
  auto arrived = [&](int phase, bool done) {
    std::lock_guard lock(mutex);
    phase_clock& c = phases[std::size_t(phase)];
    if (!c.first) c.first = clock_type::now();
    if (done) ++c.done, c.last = clock_type::now();
  };
  pt::mpi::link l(w.comm(), [&](int source, pt::mpi::message& m) {
    const std::string kind = m.head.at("kind");
    if (kind == "progress") {
      arrived(0, false);
      for (const auto& item : m.head.at("items"))
        table.progress(item.at("trial").get<std::size_t>() % trials.size(), pt::mpi::wire::progress_from(item));
    } else if (kind == "decide") {
      arrived(1, false);
      l.reply(source, m, {{{"stop", false}}, {}});
    } else if (kind == "ended") {
      arrived(2, false);
      (void)pt::mpi::wire::take_record(m);
      std::lock_guard lock(mutex);
      result_bytes = m.blob.size();
    } else if (kind == "done") {
      arrived(m.head.at("phase"), true);
    }
  });
  const int senders = w.size() - 1;
  if (w.rank() != 0) {
    pt::training_progress p{.state = pt::training_state::iteration, .epoch = 1, .iterations_per_epoch = 62,
                            .max_iterations = 248, .training_loss = 0.5, .training_accuracy = 90,
                            .base_learn_rate = 0.01, .elapsed_seconds = 1.5, .images_per_second = 15000};
    for (long k = 0; k < items; ++k) p.iteration = int(k), l.send_progress(pt::mpi::wire::progress_json(std::size_t(k), p));
    l.send(0, {{{"kind", "done"}, {"phase", 0}}, {}});
    for (long k = 0; k < calls; ++k) l.call(0, {{{"kind", "decide"}}, {}});
    l.send(0, {{{"kind", "done"}, {"phase", 1}}, {}});
    for (long k = 0; k < results; ++k) {
      pt::mpi::message m{{{"kind", "ended"}}, {}};
      pt::mpi::wire::put_record(record, m);
      l.send(0, std::move(m));
    }
    l.send(0, {{{"kind", "done"}, {"phase", 2}}, {}});
    l.stop();
    return 0;
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mutex);
    if (phases[2].done == senders) break;
  }
  l.stop();
  const char* names[] = {"progress items", "decisions (round trip)", "trained networks"};
  const long counts[] = {items, calls, results};
  for (int k = 0; k < 3; ++k) {
    const double s = std::chrono::duration<double>(phases[std::size_t(k)].last - *phases[std::size_t(k)].first).count();
    const double total = double(counts[k]) * senders;
    std::printf("%-24s %10.0f /s  (%.0f from %d ranks in %.3f s)\n", names[k], total / s, total, senders, s);
  }

  {
    std::printf("one trained network (%ld x the seed CNN): %zu bytes of safetensors\n", scale, result_bytes);
    const auto folder = std::filesystem::temp_directory_path() / ("partrain-bench-journal-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    {
      pt::experiment::journal j(folder);
      const nlohmann::json line = {{"record", "status"}, {"trial", 1}, {"status", "running"}, {"rank", 3}};
      const int n = 500;
      const auto t0 = clock_type::now();
      for (int k = 0; k < n; ++k) j.append(line, true);
      std::printf("%-22s %10.0f appends/s (fsynced, %s)\n", "journal", n / seconds_since(t0), folder.c_str());
    }
    {  // what rank 0 does with each result: its network file, written atomically
      const int n = 20;
      const auto t0 = clock_type::now();
      for (int k = 0; k < n; ++k) pt::format::write_safetensors(folder / "network.safetensors", record.tensors, {});
      const double s = seconds_since(t0);
      std::printf("%-22s %10.1f files/s, %.0f MB/s (write_safetensors)\n", "network file", n / s,
                  n * double(result_bytes) / s / 1e6);
    }
    std::filesystem::remove_all(folder);
  }
}
