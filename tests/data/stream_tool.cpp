// Writes a folder of large images, or trains one epoch over one, streaming or in memory, and
// says how much memory it took: the memory-cap test (memory_cap_test.sh) and the RSS figures
// in benchmarks/RESULTS.md.
//   stream_tool generate DIR COUNT SIZE [ppm|png]   COUNT SIZExSIZE RGB images in DIR/a, DIR/b
//   stream_tool train DIR stream|memory [BUDGET_MIB] one epoch of a small network at 16x16
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "partrain/partrain.hpp"

namespace pt = partrain;
namespace fs = std::filesystem;

namespace {
using net = pt::network<pt::layers::image_input<16, 16, 3>, pt::layers::conv2d<3, 4, pt::same>, pt::layers::relu,
                        pt::layers::fully_connected<2>, pt::layers::softmax, pt::layers::classification>;

double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

// Noise-like pixels (a hash of position and image), so PNG cannot shrink them much either.
void generate(const fs::path& dir, int count, int size, bool ppm) {
  fs::create_directories(dir / "a"), fs::create_directories(dir / "b");
  pt::data::decoded_image img{size, size, 3, std::vector<std::uint8_t>(std::size_t(size) * size * 3)};
  for (int i = 0; i < count; ++i) {
    std::uint32_t h = 2166136261u ^ std::uint32_t(i);
    for (auto& p : img.pixels) p = std::uint8_t((h = h * 16777619u ^ (h >> 13)) >> 24);
    char name[32];
    std::snprintf(name, sizeof name, "%s/%07d.%s", i % 2 ? "a" : "b", i, ppm ? "ppm" : "png");
    if (!ppm) {
      pt::data::write_png(dir / name, img);
      continue;
    }
    std::string bytes = "P6\n" + std::to_string(size) + " " + std::to_string(size) + "\n255\n";
    bytes.append(img.pixels.begin(), img.pixels.end());
    pt::data::write_file_bytes(dir / name, std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
}

int train(const fs::path& dir, bool stream, std::size_t budget_mib) {
  const auto start = std::chrono::steady_clock::now();
  pt::data::image_datastore_options opt{.include_subfolders = true, .label_source = pt::data::folder_names};
  if (stream) opt.streaming = pt::data::stream_options{.memory_budget_mib = budget_mib, .decode_threads = 2};
  const pt::data::image_datastore images(dir, opt);
  const double listed = peak_rss_mib();
  const pt::data::augmented_image_datastore resized({16, 16}, images);
  const auto r = pt::train_network<net>(resized, pt::training_options<pt::optim::sgdm>{.initial_learn_rate = 1e-4,
                                                                                      .max_epochs = 1,
                                                                                      .mini_batch_size = 32,
                                                                                      .verbose = false});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu images, %d iterations (%s) in %.1f s (listing and decoding included); peak RSS %.1f MiB after listing, %.1f MiB at the end\n",
              stream ? "streaming" : "in memory", images.size(), r.info.iterations(),
              std::string(pt::to_string(r.info.stop_reason)).c_str(), seconds, listed,
              peak_rss_mib());
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string what = argc > 2 ? argv[1] : "";
    if (what == "generate" && argc >= 5)
      return generate(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argc < 6 || std::string(argv[5]) == "ppm"), 0;
    if (what == "train" && argc >= 4)
      return train(argv[2], std::string(argv[3]) == "stream", argc > 4 ? std::size_t(std::atol(argv[4])) : 64);
    std::fprintf(stderr, "usage: stream_tool generate DIR COUNT SIZE [ppm|png] | train DIR stream|memory [BUDGET_MIB]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_tool: %s\n", e.what());
    return 1;
  }
}
