// partrain's side of the ResNet row (benchmarks/RESULTS.md): writes synthetic images of any
// C x H x W as a PTBATCH1 file (the PyTorch peer, benchmarks/peers/pytorch_resnet.py, reads
// the same file) and trains models::resnet<16, Units> on it on one core: images/s after the
// warm-up iterations, peak RSS. Prints one JSON line.
//   bench_resnet write --side 32 --channels 3 --images 2560 --out FILE [--seed 42]
//   bench_resnet train --data FILE [--units 3] [--iterations 20] [--warmup 3]
// (Glorot-uniform weights, as MATLAB and the peer's default: the initialiser does not change the work.)
#include <partrain/partrain.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {
namespace pt = partrain;
using clock_type = std::chrono::steady_clock;
constexpr const char* where = "[partrain::bench::resnet]";
using args_map = std::map<std::string, std::string>;

std::string arg(const args_map& a, const std::string& key, const std::string& fallback = "") {
  const auto it = a.find(key);
  PARTRAIN_CHECK(it != a.end() || !fallback.empty(), pt::config_error, where, " missing ", key);
  return it != a.end() ? it->second : fallback;
}
int int_arg(const args_map& a, const std::string& key, int fallback) {
  const std::string text = arg(a, key, std::to_string(fallback));
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  PARTRAIN_CHECK(end != text.c_str() && *end == '\0' && v > 0 && v < 10000000, pt::config_error, where, " ", key,
                 " '", text, "': expected a positive integer");
  return int(v);
}

// n images: a random prototype per class (values 0..1) plus uniform noise of +-0.3.
void write_synthetic(const args_map& a) {
  const int side = int_arg(a, "--side", 32), channels = int_arg(a, "--channels", 3), n = int_arg(a, "--images", 2560);
  const std::uint64_t seed = std::uint64_t(int_arg(a, "--seed", 42));
  const std::size_t image = std::size_t(channels) * side * side;
  pt::random_engine rng(seed);
  std::vector<float> protos(10 * image), pixels(std::size_t(n) * image);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (float& v : protos) v = float(rng.uniform(0, 1));
  for (int i = 0; i < n; ++i) {
    labels[std::size_t(i)] = std::int32_t(rng() % 10);
    for (std::size_t j = 0; j < image; ++j)
      pixels[i * image + j] = protos[std::size_t(labels[std::size_t(i)]) * image + j] + float(rng.uniform(-0.3, 0.3));
  }
  const std::string out = arg(a, "--out");
  std::ofstream f(out, std::ios::binary);
  const std::int32_t head[4] = {n, channels, side, side};
  f.write("PTBATCH1", 8);
  f.write(reinterpret_cast<const char*>(head), sizeof head);
  f.write(reinterpret_cast<const char*>(pixels.data()), std::streamsize(pixels.size() * sizeof(float)));
  f.write(reinterpret_cast<const char*>(labels.data()), std::streamsize(labels.size() * sizeof(std::int32_t)));
  PARTRAIN_CHECK(bool(f), pt::io_error, where, " cannot write '", out, "'");
  std::printf("{\"command\":\"write\",\"file\":\"%s\",\"images\":%d,\"shape\":\"%dx%dx%d\"}\n", out.c_str(), n, side,
              side, channels);
}

pt::data::image_set read_synthetic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  std::int32_t head[4] = {};
  in.read(magic, 8), in.read(reinterpret_cast<char*>(head), sizeof head);
  PARTRAIN_CHECK(in && std::memcmp(magic, "PTBATCH1", 8) == 0 && head[0] > 0, pt::data_error, where, " --data '",
                 path, "': expected a PTBATCH1 file written by 'bench_resnet write'");
  pt::data::image_set s;
  s.image = pt::dims{1, head[1], head[2], head[3]};
  s.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  s.pixels.resize(std::size_t(head[0]) * head[1] * head[2] * head[3]);
  s.labels.resize(std::size_t(head[0]));
  in.read(reinterpret_cast<char*>(s.pixels.data()), std::streamsize(s.pixels.size() * sizeof(float)));
  in.read(reinterpret_cast<char*>(s.labels.data()), std::streamsize(s.labels.size() * sizeof(int)));
  PARTRAIN_CHECK(bool(in), pt::data_error, where, " --data '", path, "': shorter than its header says");
  return s;
}

template <class Net>
void train(const pt::data::image_set& data, const args_map& a, const std::string& name) {
  const int iterations = int_arg(a, "--iterations", 20), warmup = int_arg(a, "--warmup", 3);
  const int per_epoch = int(data.size() / 128);
  pt::training_options<pt::optim::sgdm> opt{.initial_learn_rate = 0.01, .max_epochs = (warmup + iterations + 1 + per_epoch - 1) / per_epoch,
                                            .mini_batch_size = 128, .shuffle = pt::shuffle_mode::every_epoch,
                                            .l2_regularization = 1e-4, .verbose = false, .seed = 42};
  std::vector<clock_type::time_point> stamps;
  opt.output_fn = [&](const pt::training_progress& p) {
    if (p.state == pt::training_state::iteration) stamps.push_back(clock_type::now());
    return int(stamps.size()) > warmup + iterations;  // stop after the timed iterations
  };
  auto r = pt::train_network<Net>(data, opt);
  const double seconds = std::chrono::duration<double>(stamps[std::size_t(warmup + iterations)] - stamps[std::size_t(warmup)]).count();
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::printf("{\"peer\":\"partrain\",\"mode\":\"single\",\"network\":\"%s\",\"images_per_second\":%.1f,"
              "\"iterations\":%d,\"warmup_iterations\":%d,\"batch\":128,\"parameter_count\":%zu,"
              "\"final_loss\":%.5f,\"peak_rss_kib\":%ld,\"activation_bytes_per_batch\":%zu}\n",
              name.c_str(), iterations * 128.0 / seconds, iterations, warmup, Net::parameter_count,
              r.info.training_loss.back(), u.ru_maxrss, Net::activation_bytes_per_image * 128);
}

template <int Units>
void train_units(const pt::data::image_set& data, const args_map& a) {
  const std::string shape = std::to_string(data.image.h) + "x" + std::to_string(data.image.w) + "x" +
                            std::to_string(data.image.c);
  const std::string name = "resnet<16," + std::to_string(Units) + "> on " + shape;
  if (data.image.c == 3 && data.image.h == 32 && data.image.w == 32)
    return train<pt::models::resnet<16, Units, 32, 32, 3>>(data, a, name);
  if (data.image.c == 1 && data.image.h == 28 && data.image.w == 28)
    return train<pt::models::resnet<16, Units, 28, 28, 1>>(data, a, name);
  pt::fail<pt::config_error>(where, " --data: images are ", shape, "; expected 32x32x3 or 28x28x1");
}

void train_resnet(const pt::data::image_set& data, const args_map& a) {
  const int units = int_arg(a, "--units", 3);
  PARTRAIN_CHECK(units == 2 || units == 3, pt::config_error, where, " --units ", units, ": expected 2 or 3");
  units == 2 ? train_units<2>(data, a) : train_units<3>(data, a);
}
}  // namespace

int main(int argc, char** argv) try {
  openblas_set_num_threads(1);
  PARTRAIN_CHECK(argc >= 2 && argc % 2 == 0, pt::config_error, where,
                 " usage: bench_resnet write --side S --channels C --images N --out FILE | train --data FILE "
                 "[--units 2|3] [--iterations N] [--warmup N]");
  args_map a;
  for (int i = 2; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
  const std::string command = argv[1];
  if (command == "write") {
    write_synthetic(a);
  } else {
    PARTRAIN_CHECK(command == "train", pt::config_error, where, " command '", command, "': expected write or train");
    train_resnet(read_synthetic(arg(a, "--data")), a);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
