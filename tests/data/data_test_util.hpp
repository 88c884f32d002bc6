// Helpers for the data tests: a temporary folder per test and small synthetic images.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <span>
#include <string>
#include <vector>
#include <unistd.h>

#include "partrain/data/image_io.hpp"

namespace partrain::data::test {

/// A fresh folder under the system temp dir, removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("partrain_data_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path operator/(const std::string& p) const { return path / p; }
};

/// An h x w x c image whose pixel (y, x, ch) is (seed + 7y + 3x + 50ch) mod 256.
inline decoded_image pattern(int h, int w, int c = 1, int seed = 0) {
  decoded_image img{h, w, c, std::vector<std::uint8_t>(std::size_t(h) * w * c)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) img.pixels[(std::size_t(y) * w + x) * c + ch] = std::uint8_t((seed + 7 * y + 3 * x + 50 * ch) % 256);
  return img;
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  write_file_bytes(p, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

/// The batch of `ds` (any data source) at `idx` for `epoch`, and its labels into *labels.
template <class D>
std::vector<float> read_batch_of(const D& ds, std::span<const std::size_t> idx, std::uint64_t epoch,
                                 std::vector<int>* labels = nullptr) {
  std::vector<float> x(idx.size() * ds.image_dims().image_size());
  std::vector<int> y(idx.size());
  ds.read_batch(idx, epoch, x.data(), y.data());
  if (labels) *labels = y;
  return x;
}

/// Runs f and checks it throws E whose message contains every one of `parts`.
template <class E, class F>
void check_throws(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    FAIL("expected an exception");
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) CHECK_MESSAGE(msg.find(p) != std::string::npos, "'", p, "' not in: ", msg);
  }
}

}  // namespace partrain::data::test
