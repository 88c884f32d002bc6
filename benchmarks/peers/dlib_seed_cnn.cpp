// dlib peer of partrain's CPU benchmark: the seed CNN (SEED.md section 5) or a digit_cnn sweep
// network in dlib's DNN, trained by dnn_trainer with sgd (momentum 0.9, L2 1e-4 on weights).
// Prints one JSON line with images/s. Options and data formats: benchmarks/peers/README.md.
#include <partrain/core/error.hpp>

#include <dlfcn.h>
#include <dlib/dnn.h>
#include <dlib/image_io.h>
#include <dlib/revision.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using partrain::config_error;
using partrain::data_error;
using partrain::io_error;
namespace fs = std::filesystem;
using image = dlib::matrix<float>;

constexpr const char* where = "[partrain::bench::dlib_seed_cnn]";

// ------------------------------------------------------------------ networks
// con<N,3,3,1,1> pads by 1 (dlib's default for stride 1): 'same'. max_pool<2,2,2,2>: no padding.
template <long N, class Sub>
using block = dlib::max_pool<2, 2, 2, 2, dlib::relu<dlib::bn_con<dlib::con<N, 3, 3, 1, 1, Sub>>>>;
template <long N, class Sub>
using head = dlib::loss_multiclass_log<
    dlib::fc<10, dlib::relu<dlib::bn_con<dlib::con<N, 3, 3, 1, 1, Sub>>>>>;
using input = dlib::input<image>;

using seed_cnn = head<32, block<16, block<8, input>>>;
template <long W> using digit_cnn_1 = head<4 * W, block<W, input>>;
template <long W> using digit_cnn_2 = head<4 * W, block<W, block<W, input>>>;

// ------------------------------------------------------------------ data
struct data_set {
  std::vector<image> images;
  std::vector<unsigned long> labels;
};

// PTBATCH1: "PTBATCH1", int32 n,c,h,w, n*c*h*w float32 (NCHW), n int32 labels; little-endian.
data_set read_ptbatch(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PARTRAIN_CHECK(in, io_error, where, " '", path, "': cannot open");
  char magic[8] = {};
  std::int32_t hdr[4] = {};
  in.read(magic, 8);
  in.read(reinterpret_cast<char*>(hdr), sizeof hdr);
  PARTRAIN_CHECK(in && std::memcmp(magic, "PTBATCH1", 8) == 0, data_error, where, " '", path,
                 "': expected a PTBATCH1 file (magic 'PTBATCH1' + int32 n,c,h,w)");
  const auto [n, c, h, w] = hdr;
  PARTRAIN_CHECK(n > 0 && c == 1 && h == 28 && w == 28, data_error, where, " '", path,
                 "': header n,c,h,w = ", n, ",", c, ",", h, ",", w, "; expected n>0 and 1x28x28");
  const auto want = std::uintmax_t(24) + 4ull * n * c * h * w + 4ull * n;
  PARTRAIN_CHECK(fs::file_size(path) == want, data_error, where, " '", path,
                 "': ", fs::file_size(path), " bytes; expected ", want, " for ", n,
                 " images of 1x28x28 float32 + int32 labels");
  data_set d;
  d.images.resize(std::size_t(n));
  for (auto& img : d.images) {
    img.set_size(28, 28);
    in.read(reinterpret_cast<char*>(&img(0, 0)), 28 * 28 * sizeof(float));
    for (float v : img)
      PARTRAIN_CHECK(std::isfinite(v), data_error, where, " '", path,
                     "': images contain NaN or Inf; expected finite pixels");
  }
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  in.read(reinterpret_cast<char*>(labels.data()), 4 * std::streamsize(n));
  for (auto l : labels) {
    PARTRAIN_CHECK(l >= 0 && l <= 9, data_error, where, " '", path, "': label ", l,
                   "; expected 0..9");
    d.labels.push_back(unsigned(l));
  }
  return d;
}

// <root>/<label>/*.png, grey values scaled to [0,1]; labels = index of the sorted label folder.
data_set read_png_folder(const std::string& root) {
  std::vector<std::string> classes;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) classes.push_back(e.path().filename().string());
  const bool numeric = std::all_of(classes.begin(), classes.end(), [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit);
  });
  std::sort(classes.begin(), classes.end(), [&](const std::string& a, const std::string& b) {
    return numeric ? std::stol(a) < std::stol(b) : a < b;
  });
  PARTRAIN_CHECK(classes.size() <= 10, data_error, where, " '", root, "': ", classes.size(),
                 " label folders; expected at most 10 (the network has 10 outputs)");
  data_set d;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(root) / classes[k]))
      if (e.path().extension() == ".png" || e.path().extension() == ".PNG") files.push_back(e);
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      dlib::matrix<unsigned char> grey;
      try {
        dlib::load_png(grey, f.string());
      } catch (const std::exception& e) {
        partrain::fail<data_error>(where, " '", f.string(), "': cannot decode PNG (", e.what(),
                                   ")");
      }
      PARTRAIN_CHECK(grey.nr() == 28 && grey.nc() == 28, data_error, where, " '", f.string(),
                     "': image is ", grey.nc(), "x", grey.nr(), "; expected 28x28");
      d.images.push_back(dlib::matrix_cast<float>(grey) / 255.0f);
      d.labels.push_back(k);
    }
  }
  PARTRAIN_CHECK(!d.images.empty(), data_error, where, " '", root,
                 "': no PNG files in label sub-folders; expected <dir>/<label>/*.png");
  return d;
}

// n learnable images: a fixed random prototype per class plus Gaussian noise (sd 0.3).
data_set synthetic(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(0, 1);
  std::normal_distribution<float> noise(0, 0.3f);
  std::vector<image> protos(10, image(28, 28));
  for (auto& p : protos)
    for (auto& v : p)
      v = uni(rng);
  data_set d;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned long label = rng() % 10;
    image img = protos[label];
    for (auto& v : img)
      v += noise(rng);
    d.images.push_back(img);
    d.labels.push_back(label);
  }
  return d;
}

// MATLAB's 'zerocenter' input: subtract the mean training image. dlib's input layer has no
// such step, so it is applied once to the data set (outside the timed loop).
void zero_center(data_set& d) {
  image mean = dlib::zeros_matrix<float>(28, 28);
  for (const auto& img : d.images)
    mean += img;
  mean /= float(d.images.size());
  for (auto& img : d.images)
    img -= mean;
}

// ------------------------------------------------------------------ single-threading
// dlib's CPU convolutions and fc call BLAS (DLIB_USE_BLAS); Debian's libblas.so.3 is usually
// OpenBLAS, which starts a thread per core. Looked up at run time so any BLAS links.
int limit_blas_threads(int n) {
  using set_fn = void (*)(int);
  using get_fn = int (*)();
  if (auto set = reinterpret_cast<set_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(n);
  if (auto get = reinterpret_cast<get_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
    return get();
  return -1; // not OpenBLAS: reference BLAS is single-threaded
}

// CPU seconds of all the process's threads: on a shared machine, wall time minus this is time
// the scheduler gave to others.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

// ------------------------------------------------------------------ training
struct options {
  std::string data, net = "seed";
  std::size_t images = 8000, batch = 128;
  long iterations = 50, epochs = 0, warmup = 5;
  double lr = 0.01, momentum = 0.9, l2 = 1e-4;
  unsigned seed = 42;
};

// Glorot-uniform with fan_out = filters*kh*kw as MATLAB and PyTorch (dlib omits kh*kw).
template <class Net> void glorot_init(Net& net, unsigned seed) {
  dlib::rand rnd(seed);
  dlib::visit_computational_layers(net, [&](auto& l) {
    if constexpr (requires {
                    l.num_filters();
                    l.nr();
                    l.nc();
                  }) {
      auto& p = l.get_layer_params();
      const long nf = l.num_filters(), area = l.nr() * l.nc();
      const long fan_in = (long(p.size()) - nf) / nf; // cin*kh*kw; the last nf are biases
      const float scale = float(std::sqrt(6.0 / double(fan_in + nf * area)));
      float* v = p.host();
      for (long i = 0; i < fan_in * nf; ++i)
        v[i] = scale * (2 * rnd.get_random_float() - 1);
    }
    // Weight decay on weights only: dlib decays bn_'s offset (beta) by default.
    if constexpr (requires { l.set_bias_weight_decay_multiplier(0.0); })
      l.set_bias_weight_decay_multiplier(0);
  });
}

template <class Net> void run(const options& o, data_set& d, const char* name) {
  using clock = std::chrono::steady_clock;
  Net net;
  std::srand(o.seed); // dlib seeds its initialisers from std::rand()
  net(d.images[0]);   // allocates the parameters (dlib sets layers up on first use)
  glorot_init(net, o.seed);

  dlib::dnn_trainer<Net, dlib::sgd> trainer(net, dlib::sgd(float(o.l2), float(o.momentum)));
  trainer.set_learning_rate(o.lr);
  trainer.set_min_learning_rate(1e-30);       // dlib stops training below this rate
  trainer.set_learning_rate_shrink_factor(1); // constant rate, as MATLAB's 'none' schedule
  trainer.set_iterations_without_progress_threshold(~0ul >> 1);
  trainer.set_mini_batch_size(o.batch);
  trainer.be_quiet();

  const std::size_t per_epoch = d.images.size() / o.batch;
  std::vector<std::size_t> order(d.images.size());
  std::mt19937 rng(o.seed);
  std::vector<image> xs(d.images.size());
  std::vector<unsigned long> ys(d.labels.size());
  std::size_t pos = per_epoch;
  auto step = [&] {
    if (pos == per_epoch) { // shuffle every epoch; the last partial batch is dropped
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      for (std::size_t i = 0; i < order.size(); ++i) {
        xs[i] = d.images[order[i]];
        ys[i] = d.labels[order[i]];
      }
      pos = 0;
    }
    const auto b = std::ptrdiff_t(pos++ * o.batch);
    trainer.train_one_step(xs.begin() + b, xs.begin() + b + std::ptrdiff_t(o.batch),
                           ys.begin() + b);
  };
  for (long i = 0; i < o.warmup; ++i)
    step();
  trainer.get_net(); // waits until the trainer's thread is idle
  const long steps = o.epochs > 0 ? o.epochs * long(per_epoch) : o.iterations;
  const auto start = clock::now();
  const double cpu_start = cpu_seconds();
  for (long i = 0; i < steps; ++i)
    step();
  trainer.get_net(dlib::force_flush_to_disk::no);
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  const double ips = double(steps) * double(o.batch) / seconds;
  std::printf(
      "{\"peer\":\"dlib\",\"mode\":\"single\",\"network\":\"%s\",\"images_per_second\":%.1f,"
      "\"threads\":1,\"images_per_cpu_second\":%.1f,\"epoch_seconds\":%.4f,\"iterations\":%ld,"
      "\"warmup_iterations\":%ld,"
      "\"batch\":%zu,\"images\":%zu,\"seconds\":%.4f,\"cpu_seconds\":%.4f,\"final_loss\":%.5f,"
      "\"blas_threads\":%d,\"process_threads\":%d,\"dlib\":\"%d.%d\"}\n",
      name, ips, double(steps) * double(o.batch) / std::max(cpu, 1e-9),
      double(per_epoch * o.batch) / ips, steps, o.warmup, o.batch, d.images.size(), seconds, cpu,
      trainer.get_average_loss(), limit_blas_threads(1), process_threads(), DLIB_MAJOR_VERSION,
      DLIB_MINOR_VERSION);
}

long parse_count(const std::string& option, const char* text, long min) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  PARTRAIN_CHECK(end != text && *end == '\0' && v >= min, config_error, where, " option ", option,
                 " '", text, "': expected an integer >= ", min);
  return v;
}

double parse_real(const std::string& option, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  PARTRAIN_CHECK(end != text && *end == '\0' && v >= 0, config_error, where, " option ", option,
                 " '", text, "': expected a number >= 0");
  return v;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    PARTRAIN_CHECK(a.rfind("--", 0) == 0 && i + 1 < argc, config_error, where, " argument '", a,
                   "': expected --option VALUE (--data, --images, --net, --iterations, --epochs, "
                   "--warmup, --batch, --lr, --momentum, --l2, --seed)");
    const char* v = argv[++i];
    if (a == "--data")
      o.data = v;
    else if (a == "--net")
      o.net = v;
    else if (a == "--images")
      o.images = std::size_t(parse_count(a, v, 1));
    else if (a == "--iterations")
      o.iterations = parse_count(a, v, 1);
    else if (a == "--epochs")
      o.epochs = parse_count(a, v, 1);
    else if (a == "--warmup")
      o.warmup = parse_count(a, v, 0);
    else if (a == "--batch")
      o.batch = std::size_t(parse_count(a, v, 1));
    else if (a == "--seed")
      o.seed = unsigned(parse_count(a, v, 0));
    else if (a == "--lr")
      o.lr = parse_real(a, v);
    else if (a == "--momentum")
      o.momentum = parse_real(a, v);
    else if (a == "--l2")
      o.l2 = parse_real(a, v);
    else
      partrain::fail<config_error>(where, " unknown option '", a,
                                   "'; see benchmarks/peers/README.md");
  }
  return o;
}

} // namespace

int main(int argc, char** argv) try {
  limit_blas_threads(1);
  const options o = parse(argc, argv);
  data_set d = o.data.empty()             ? synthetic(o.images, o.seed)
               : fs::is_directory(o.data) ? read_png_folder(o.data)
                                          : read_ptbatch(o.data);
  PARTRAIN_CHECK(d.images.size() >= o.batch, config_error, where, " --batch ", o.batch,
                 ": data has only ", d.images.size(), " images; expected one full mini-batch");
  zero_center(d);
  if (o.net == "seed")
    run<seed_cnn>(o, d, "seed_cnn");
  else if (o.net == "8,2")
    run<digit_cnn_2<8>>(o, d, "digit_cnn<8,2>");
  else if (o.net == "16,2")
    run<digit_cnn_2<16>>(o, d, "digit_cnn<16,2>");
  else if (o.net == "8,1")
    run<digit_cnn_1<8>>(o, d, "digit_cnn<8,1>");
  else if (o.net == "32,2")
    run<digit_cnn_2<32>>(o, d, "digit_cnn<32,2>");
  else
    partrain::fail<config_error>(where, " --net '", o.net,
                                 "': expected seed, 8,2, 16,2, 8,1 or 32,2 (the sweep networks)");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
