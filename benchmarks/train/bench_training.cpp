// partrain's side of the CPU benchmark harness (benchmarks/run.sh): writes the shared training
// set as a PTBATCH1 file, trains one network on it (images/s, peak memory), or trains the
// four-network sweep on a pool of workers (wall time). Prints one JSON line per command.
#include <partrain/partrain.hpp>
#include <partrain/data/image_datastore.hpp>
#include <partrain/data/split_each_label.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {
namespace pt = partrain;
using namespace pt::layers;
using clock_type = std::chrono::steady_clock;
constexpr const char* where = "[partrain::bench::training]";

// The PyTorch peer's sweep family (benchmarks/peers/pytorch_seed_cnn.py): Depth blocks of the
// SAME width W, then conv 4*W. Not models::digit_cnn, whose width doubles per block.
template <int W, int D>
using peer_cnn = pt::network<image_input<28, 28, 1>, pt::repeat<D, conv2d<3, W, pt::same>, batch_norm, relu,
                                                                 max_pool2d<2, 2>>,
                             conv2d<3, 4 * W, pt::same>, batch_norm, relu, fully_connected<10>, softmax,
                             classification>;
using sweep = pt::type_list<peer_cnn<8, 2>, peer_cnn<16, 2>, peer_cnn<8, 1>, peer_cnn<32, 2>>;
const char* const sweep_names[] = {"digit_cnn<8,2>", "digit_cnn<16,2>", "digit_cnn<8,1>", "digit_cnn<32,2>"};

// Calls f.template operator()<Net>() for the network named `name` ("seed" or a sweep name's W,D).
template <class F>
void with_network(const std::string& name, F f) {
  if (name == "seed") return f.template operator()<pt::models::seed_cnn>();
  if (name == "8,2") return f.template operator()<peer_cnn<8, 2>>();
  if (name == "16,2") return f.template operator()<peer_cnn<16, 2>>();
  if (name == "8,1") return f.template operator()<peer_cnn<8, 1>>();
  if (name == "32,2") return f.template operator()<peer_cnn<32, 2>>();
  pt::fail<pt::config_error>(where, " --net '", name, "': expected seed, 8,2, 16,2, 8,1 or 32,2");
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
double thread_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

// PTBATCH1 (benchmarks/peers/README.md): "PTBATCH1", int32 n,c,h,w, float32 NCHW, int32 labels.
void write_ptbatch(const std::string& path, const pt::data::image_set& s) {
  std::ofstream out(path, std::ios::binary);
  PARTRAIN_CHECK(bool(out), pt::io_error, where, " cannot write '", path, "'");
  const std::int32_t head[4] = {std::int32_t(s.size()), 1, 28, 28};
  out.write("PTBATCH1", 8);
  out.write(reinterpret_cast<const char*>(head), sizeof head);
  out.write(reinterpret_cast<const char*>(s.pixels.data()), std::streamsize(s.pixels.size() * sizeof(float)));
  out.write(reinterpret_cast<const char*>(s.labels.data()), std::streamsize(s.labels.size() * sizeof(int)));
  PARTRAIN_CHECK(bool(out), pt::io_error, where, " writing '", path, "' failed");
}

pt::data::image_set read_ptbatch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PARTRAIN_CHECK(bool(in), pt::io_error, where, " --data '", path, "': cannot open; expected a PTBATCH1 file "
                 "(written by '", "partrain_bench_training write-data')");
  char magic[8] = {};
  std::int32_t head[4] = {};
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(head), sizeof head);
  PARTRAIN_CHECK(in && std::memcmp(magic, "PTBATCH1", 8) == 0, pt::data_error, where, " --data '", path,
                 "': expected a PTBATCH1 file (magic 'PTBATCH1' + int32 n,c,h,w)");
  PARTRAIN_CHECK(head[0] > 0 && head[1] == 1 && head[2] == 28 && head[3] == 28, pt::shape_error, where,
                 " --data '", path, "': images are ", head[0], "x", head[1], "x", head[2], "x", head[3],
                 " (n x c x h x w); expected n > 0 and 1x28x28");
  pt::data::image_set s;
  s.image = pt::dims{1, 1, 28, 28};
  s.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  s.pixels.resize(std::size_t(head[0]) * 784);
  s.labels.resize(std::size_t(head[0]));
  in.read(reinterpret_cast<char*>(s.pixels.data()), std::streamsize(s.pixels.size() * sizeof(float)));
  in.read(reinterpret_cast<char*>(s.labels.data()), std::streamsize(s.labels.size() * sizeof(int)));
  PARTRAIN_CHECK(in && in.peek() == EOF, pt::data_error, where, " --data '", path, "': expected exactly ",
                 24 + 4 * s.pixels.size() + 4 * s.labels.size(), " bytes for ", head[0], " images");
  for (int y : s.labels)
    PARTRAIN_CHECK(y >= 0 && y < 10, pt::data_error, where, " --data '", path, "': label ", y,
                   " outside 0..9");
  return s;
}

pt::training_options<pt::optim::sgdm> options(int epochs, std::uint64_t seed) {
  return {.initial_learn_rate = 0.01, .max_epochs = epochs, .mini_batch_size = 128,
          .shuffle = pt::shuffle_mode::every_epoch, .l2_regularization = 1e-4, .verbose = false, .seed = seed};
}

using args_map = std::map<std::string, std::string>;
int int_arg(const args_map& a, const std::string& key, int fallback, int lowest) {
  auto it = a.find(key);
  if (it == a.end()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  PARTRAIN_CHECK(end != it->second.c_str() && *end == '\0' && v >= lowest && v < 1000000, pt::config_error,
                 where, " ", key, " '", it->second, "': expected an integer >= ", lowest);
  return int(v);
}
std::string str_arg(const args_map& a, const std::string& key) {
  auto it = a.find(key);
  PARTRAIN_CHECK(it != a.end(), pt::config_error, where, " missing ", key);
  return it->second;
}

// write-data: the training part (0.8 of each label, split seed) of the digit folder, 0..1.
void write_data(const args_map& a) {
  const std::string digits = str_arg(a, "--digits"), out = str_arg(a, "--out");
  const int seed = int_arg(a, "--seed", 42, 0);
  pt::data::image_datastore imds(digits, {.include_subfolders = true, .label_source = pt::data::folder_names});
  PARTRAIN_CHECK(imds.num_classes() == 10, pt::data_error, where, " --digits '", digits, "' has ",
                 imds.num_classes(), " label folders; expected 10 (0..9)");
  auto parts = pt::data::split_each_label(imds, std::vector<double>{0.8, 0.1}, {.seed = std::uint64_t(seed)});
  const auto& train = parts[0];
  pt::data::image_set s;
  s.image = pt::dims{1, 1, 28, 28};
  s.classes = train.class_names();
  s.pixels.resize(train.size() * 784);
  s.labels.resize(train.size());
  std::vector<std::size_t> all(train.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  train.read_batch(all, 0, s.pixels.data(), s.labels.data());
  for (float& v : s.pixels) v /= 255.0f;  // the peers read PNGs on [0, 1]; partrain uses the same values
  write_ptbatch(out, s);
  std::printf("{\"command\":\"write-data\",\"file\":\"%s\",\"images\":%zu,\"split\":\"0.8/0.1/0.1 per label\","
              "\"seed\":%d}\n", out.c_str(), s.size(), seed);
}

// single: trains one network; images/s from the iteration timestamps after `warmup` iterations.
void single(const args_map& a) {
  const auto data = read_ptbatch(str_arg(a, "--data"));
  const int epochs = int_arg(a, "--epochs", 2, 1), warmup = int_arg(a, "--warmup", 5, 0);
  const std::string net = a.count("--net") ? a.at("--net") : "seed";
  with_network(net, [&]<class Net>() {
    auto opt = options(epochs, 42);
    std::vector<clock_type::time_point> stamps;
    std::vector<double> cpu_stamps;  // this process's CPU seconds at each iteration's end
    opt.output_fn = [&](const pt::training_progress& p) {
      if (p.state == pt::training_state::iteration) stamps.push_back(clock_type::now()), cpu_stamps.push_back(cpu_seconds());
      return false;
    };
    PARTRAIN_CHECK(int(data.size() / 128) * epochs > warmup + 1, pt::config_error, where, " --warmup ", warmup,
                   ": expected fewer than the ", int(data.size() / 128) * epochs, " iterations of --epochs ",
                   epochs);
    pt::context ctx;
    const double cpu0 = cpu_seconds();
    const auto t0 = clock_type::now();
    auto r = pt::train_network<Net>(data, opt, ctx);
    const double total = std::chrono::duration<double>(clock_type::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const int timed = int(stamps.size()) - warmup;
    const double seconds = std::chrono::duration<double>(stamps.back() - stamps[std::size_t(warmup)]).count();
    const double ips = (timed - 1) * 128.0 / seconds;  // the intervals between timed iterations
    const double timed_cpu = cpu_stamps.back() - cpu_stamps[std::size_t(warmup)];
    std::printf("{\"peer\":\"partrain\",\"mode\":\"single\",\"network\":\"%s\",\"images_per_second\":%.1f,"
                "\"iterations\":%d,\"warmup_iterations\":%d,\"epoch_seconds\":%.4f,"
                "\"train_network_seconds\":%.4f,\"train_network_cpu_seconds\":%.4f,\"images_per_cpu_second\":%.1f,"
                "\"images\":%zu,\"final_loss\":%.5f,\"train_accuracy\":%.2f,\"peak_rss_kib\":%ld,"
                "\"data_bytes\":%zu,\"parameter_count\":%zu,\"parameter_bytes\":%zu,"
                "\"activation_bytes_per_image\":%zu,\"activation_bytes_per_batch\":%zu}\n",
                net == "seed" ? "seed_cnn" : ("digit_cnn<" + net + ">").c_str(), ips, int(stamps.size()), warmup,
                int(data.size() / 128) * 128 / ips, total, cpu, (timed - 1) * 128.0 / timed_cpu, data.size(),
                r.info.training_loss.back(), r.info.training_accuracy.back(), peak_rss_kib(),
                data.pixels.size() * sizeof(float), Net::parameter_count, Net::parameter_count * sizeof(float),
                Net::activation_bytes_per_image, Net::activation_bytes_per_image * 128);
  });
}

// sweep: the four peer networks on `workers` CPU workers; wall time of submit to last result.
void run_sweep(const args_map& a) {
  const auto data = read_ptbatch(str_arg(a, "--data"));
  const int epochs = int_arg(a, "--epochs", 1, 1), workers = int_arg(a, "--workers", 2, 1);
  pt::parallel::pool pool{pt::parallel::cpu_workers(workers)};
  const double cpu0 = cpu_seconds();
  const auto t0 = clock_type::now();
  double trial_cpu[4] = {};  // CPU seconds of the worker thread during each trial's train_network
  double loop_seconds[4] = {};  // from the start event to the end of the last iteration (no statistics passes)
  auto futures = pt::parallel::submit_each<sweep>(pool, [&]<class Net>(int trial, pt::context& ctx) {
    const double c0 = thread_cpu_seconds();
    auto opt = options(epochs, 42 + std::uint64_t(trial));
    opt.output_fn = [&loop = loop_seconds[trial], t0 = clock_type::now()](const pt::training_progress& p) mutable {
      if (p.state == pt::training_state::start) t0 = clock_type::now();
      if (p.state == pt::training_state::iteration) loop = std::chrono::duration<double>(clock_type::now() - t0).count();
      return false;
    };
    auto r = pt::train_network<Net>(data, opt, ctx);
    trial_cpu[trial] = thread_cpu_seconds() - c0;
    return r;
  });
  auto results = pt::parallel::fetch_outputs(futures);
  const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  std::string trainings;
  double images = 0;
  pt::for_each(results, [&](auto& r, std::size_t k) {
    images += r.info.iterations() * 128.0;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s{\"network\":\"%s\",\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"iteration_seconds\":%.3f,"
                  "\"iterations\":%d,\"final_loss\":%.5f}",
                  k ? "," : "", sweep_names[k], r.info.wall_seconds, trial_cpu[k], loop_seconds[k], r.info.iterations(),
                  r.info.training_loss.back());
    trainings += buf;
  });
  std::printf("{\"peer\":\"partrain\",\"mode\":\"sweep\",\"networks\":4,\"workers\":%d,\"epochs\":%d,"
              "\"images\":%zu,\"wall_seconds\":%.3f,\"images_per_second\":%.1f,\"process_cpu_seconds\":%.3f,"
              "\"cpu_seconds\":%.3f,"
              "\"peak_rss_kib\":%ld,\"trainings\":[%s]}\n",
              workers, epochs, data.size(), wall, images / wall, cpu, trial_cpu[0] + trial_cpu[1] + trial_cpu[2] + trial_cpu[3],
              peak_rss_kib(), trainings.c_str());
}

// sizes: compile-time sizes of every network the harness trains.
void sizes() {
  std::printf("{\"command\":\"sizes\",\"networks\":[");
  const char* names[] = {"seed", "8,2", "16,2", "8,1", "32,2"};
  for (int i = 0; i < 5; ++i)
    with_network(names[i], [&]<class Net>() {
      std::printf("%s{\"network\":\"%s\",\"parameter_count\":%zu,\"activation_bytes_per_image\":%zu}", i ? "," : "",
                  names[i], Net::parameter_count, Net::activation_bytes_per_image);
    });
  std::printf("]}\n");
}

const char* usage =
    "usage: partrain_bench_training write-data --digits DIR --out FILE [--seed 42]\n"
    "       partrain_bench_training single --data FILE [--net seed|8,2|16,2|8,1|32,2] [--epochs 2] [--warmup 5]\n"
    "       partrain_bench_training sweep --data FILE [--workers 2] [--epochs 1]\n"
    "       partrain_bench_training sizes\n";
}  // namespace

int main(int argc, char** argv) try {
  openblas_set_num_threads(1);
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::map<std::string, std::vector<std::string>> allowed = {
      {"write-data", {"--digits", "--out", "--seed"}},
      {"single", {"--data", "--net", "--epochs", "--warmup"}},
      {"sweep", {"--data", "--workers", "--epochs"}},
      {"sizes", {}}};
  PARTRAIN_CHECK(allowed.count(command), pt::config_error, where, " unknown command '", command,
                 "'; expected write-data, single, sweep or sizes");
  args_map a;
  for (int i = 2; i < argc; i += 2) {
    const std::string key = argv[i];
    const auto& ok = allowed.at(command);
    PARTRAIN_CHECK(std::find(ok.begin(), ok.end(), key) != ok.end(), pt::config_error, where, " ", command,
                   ": unknown option '", key, "'");
    PARTRAIN_CHECK(i + 1 < argc, pt::config_error, where, " ", key, " needs a value");
    a[key] = argv[i + 1];
  }
  if (command == "write-data") write_data(a);
  else if (command == "single") single(a);
  else if (command == "sweep") run_sweep(a);
  else sizes();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
