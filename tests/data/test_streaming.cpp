// Streaming image datastores: the same batches as in memory (plain, augmented, subsets and
// splits, with and without the read-ahead), the memory budget, a custom reader, and files that
// go bad after listing: corrupt, deleted, unreadable. Also the JPEG variants photos come in.
#include <doctest/doctest.h>

#include <filesystem>
#include <linux/capability.h>
#include <chrono>
#include <string>
#include <thread>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "data_test_util.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/image_datastore.hpp"
#include "partrain/data/split_each_label.hpp"

using namespace partrain;
using namespace partrain::data;
using data::test::check_throws;
using data::test::pattern;
using data::test::temp_dir;
namespace fs = std::filesystem;

namespace {
// n PNG images of h x w x c (sizes vary when `vary`) in folders a and b.
void write_images(const temp_dir& dir, int n, int h, int w, int c = 3, bool vary = false) {
  fs::create_directories(dir / "a"), fs::create_directories(dir / "b");
  for (int i = 0; i < n; ++i) {
    const int dh = vary ? i % 5 : 0, dw = vary ? (3 * i) % 7 : 0;
    write_png(dir / ((i % 2 ? "a/" : "b/") + std::to_string(1000 + i) + ".png"), pattern(h + dh, w + dw, c, i));
  }
}
image_datastore_options streamed(stream_options s = {}) {
  return {.include_subfolders = true, .label_source = folder_names, .streaming = s};
}
image_datastore_options in_memory() { return {.include_subfolders = true, .label_source = folder_names}; }

template <class D>
std::vector<float> batch(const D& ds, std::span<const std::size_t> idx, std::uint64_t epoch) {
  return data::test::read_batch_of(ds, idx, epoch);
}
// Every batch of two epochs in a shuffled order, announced first (the read-ahead's path).
template <class D>
std::vector<float> epochs(const D& ds, std::size_t batch_size) {
  std::vector<std::size_t> order(ds.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = (i * 7 + 3) % order.size();
  std::vector<float> all;
  for (std::uint64_t e = 0; e < 2; ++e) {
    ds.start_epoch(order, batch_size, e);
    for (std::size_t at = 0; at < order.size(); at += batch_size) {
      const auto idx = std::span<const std::size_t>(order).subspan(at, std::min(batch_size, order.size() - at));
      const auto x = batch(ds, idx, e);
      all.insert(all.end(), x.begin(), x.end());
    }
  }
  return all;
}
}  // namespace

TEST_CASE("a streaming datastore gives the in-memory one's batches, announced or not, and keeps none") {
  temp_dir dir;
  write_images(dir, 23, 6, 5);
  const image_datastore mem(dir.path, in_memory());
  const image_datastore str(dir.path, streamed({.memory_budget_mib = 1, .decode_threads = 2}));
  CHECK(str.streaming());
  CHECK_FALSE(mem.streaming());
  CHECK(str.fingerprint() == mem.fingerprint());
  CHECK(str.image_dims() == mem.image_dims());
  CHECK(epochs(str, 4) == epochs(mem, 4));
  const std::vector<std::size_t> some{5, 0, 22, 5};
  CHECK(batch(str, some, 0) == batch(mem, some, 0));
  CHECK(*str.read(7) == *mem.read(7));
  check_throws<config_error>([&] { (void)str.image(0); }, {"streams", "read(i)"});
  CHECK(str.stream_bytes_held() == 0);  // every image read ahead was taken

  const auto [train, val] = split_each_label(str, 0.7, {.seed = 4});
  const auto [mtrain, mval] = split_each_label(mem, 0.7, {.seed = 4});
  CHECK(epochs(train, 3) == epochs(mtrain, 3));
  CHECK(epochs(val, 2) == epochs(mval, 2));
  const std::vector<std::size_t> pick{9, 2, 4};
  CHECK(epochs(str.subset(pick), 2) == epochs(mem.subset(pick), 2));
}

TEST_CASE("augmented over a streaming datastore: resize, crops and random transforms as in memory") {
  temp_dir dir;
  write_images(dir, 17, 12, 11, 3, true);
  const image_datastore mem(dir.path, in_memory());
  const image_datastore str(dir.path, streamed({.memory_budget_mib = 1, .decode_threads = 3}));
  const image_augmenter aug{.rand_rotation = {-20, 20}, .rand_x_reflection = true, .rand_x_translation = {-2, 2}, .seed = 9};
  for (auto mode : {output_size_mode::resize, output_size_mode::centercrop, output_size_mode::randcrop})
    for (bool prefetch : {true, false}) {
      const int mode_number = int(mode);
      CAPTURE(mode_number);
      CAPTURE(prefetch);
      const augmented_options opt{.output_size_mode = mode, .prefetch = prefetch};
      const augmented_image_datastore a({8, 7}, mem, aug, opt), b({8, 7}, str, aug, opt);
      CHECK(a.image_dims() == b.image_dims());
      CHECK(epochs(b, 5) == epochs(a, 5));
      CHECK(a.source_transform(3, 1).x(1, 2) == b.source_transform(3, 1).x(1, 2));
    }
  const augmented_image_datastore gray({8, 8, 1}, str, {}, {.color_preprocessing = color_preprocessing::rgb2gray});
  const augmented_image_datastore gray_mem({8, 8, 1}, mem, {}, {.color_preprocessing = color_preprocessing::rgb2gray});
  CHECK(epochs(gray, 4) == epochs(gray_mem, 4));
}

TEST_CASE("the read-ahead stays within the memory budget, shared by every reader") {
  temp_dir dir;
  write_images(dir, 40, 128, 128);  // 48 KiB decoded each
  const image_datastore str(dir.path, streamed({.memory_budget_mib = 1, .decode_threads = 2}));
  const std::size_t image_bytes = 128 * 128 * 3;
  std::vector<std::size_t> order(40);
  for (std::size_t i = 0; i < 40; ++i) order[i] = i;
  str.start_epoch(order, 4, 0);
  for (int wait = 0; wait < 500 && str.stream_bytes_held() < (std::size_t(1) << 20) - image_bytes; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the threads fill the budget, then stop
  CHECK(str.stream_bytes_held() >= (std::size_t(1) << 20) - image_bytes);
  CHECK(str.stream_bytes_held() <= (std::size_t(1) << 20) + 2 * image_bytes);
  CHECK(batch(str, std::span<const std::size_t>(order).subspan(0, 8), 0).size() == 8 * image_bytes);
  // A second reader (another thread) shares the budget and the threads.
  std::vector<float> other;
  std::thread t([&] { other = epochs(str, 8); });
  t.join();
  CHECK(other.size() == 2 * 40 * image_bytes);
  CHECK(str.stream_peak_bytes_held() <= (std::size_t(1) << 20) + 2 * image_bytes);
  check_throws<config_error>([&] { image_datastore(dir.path, streamed({.decode_threads = -1})); }, {"decode_threads"});
  check_throws<config_error>([&] { image_datastore(dir.path, streamed({.memory_budget_mib = 0})); },
                             {"memory_budget_mib"});
}

TEST_CASE("a custom reader (MATLAB's ReadFcn) reads files partrain cannot decode, in both modes") {
  temp_dir dir;
  for (int i = 0; i < 5; ++i) data::test::write_text(dir / (std::to_string(i) + ".txt"), std::to_string(i * 41));
  auto reader = [](const std::string& file) {  // a 2x3 gray image filled with the number in the file
    const auto bytes = read_file_bytes(file);
    const int v = std::stoi(std::string(bytes.begin(), bytes.end()));
    if (v > 200) throw std::runtime_error("value over 200");
    return decoded_image{2, 3, 1, std::vector<std::uint8_t>(6, std::uint8_t(v))};
  };
  image_datastore_options opt{.file_extensions = {".txt"}, .reader = reader};
  const image_datastore mem(dir.path, opt);
  opt.streaming = stream_options{};
  const image_datastore str(dir.path, opt);
  const std::vector<std::size_t> idx{0, 1, 2, 3, 4};
  CHECK(batch(str, idx, 0) == batch(mem, idx, 0));
  CHECK(batch(str, idx, 0)[6 * 4] == 164.f);
  data::test::write_text(dir / "5.txt", "205");
  const image_datastore more(dir.path, opt);
  check_throws<data_error>([&] { (void)more.read(5); }, {"5.txt", "custom reader", "value over 200"});
  opt.reader = [](const std::string&) { return decoded_image{2, 2, 2, std::vector<std::uint8_t>(8)}; };
  const image_datastore bad(dir.path, opt);
  check_throws<data_error>([&] { (void)bad.read(0); }, {"0.txt", "2x2x2", "1 or 3 channels"});
}

TEST_CASE("files that go bad after listing stop the read naming the file, or are left out when skipping") {
  temp_dir dir;
  write_images(dir, 10, 6, 6);
  const fs::path corrupt = fs::path(PARTRAIN_TEST_DATA_DIR) / "corrupt_jpeg";
  for (const auto& e : fs::directory_iterator(corrupt)) fs::copy_file(e.path(), dir / ("a/bad_" + e.path().filename().string()));
  const image_datastore stop(dir.path, streamed());
  const image_datastore skip(dir.path, streamed({.skip_bad_files = true}));
  fs::remove(dir / "b/1000.png");  // deleted after listing
  std::vector<std::size_t> all(stop.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  for (std::size_t i = 0; i < stop.size(); ++i) {
    const std::string name = fs::path(stop.file(i)).filename().string();
    if (name.rfind("bad_", 0) == 0 || name == "1000.png") {
      CAPTURE(name);
      std::vector<float> x(108);
      std::vector<int> y(1);
      const std::size_t one[] = {i};
      if (name == "1000.png")
        check_throws<io_error>([&] { stop.read_batch(one, 0, x.data(), y.data()); }, {name, "cannot open"});
      else
        check_throws<data_error>([&] { stop.read_batch(one, 0, x.data(), y.data()); }, {name});
    }
  }
  // Skipping: the readable images come first, in order; the others are named.
  std::vector<float> x(all.size() * 108);
  std::vector<int> y(all.size());
  std::vector<dropped_image> dropped;
  skip.start_epoch(all, all.size(), 0);
  const std::size_t kept = skip.read_batch(all, 0, x.data(), y.data(), dropped);
  CHECK(kept == 9);
  REQUIRE(dropped.size() == 4);
  for (const auto& d : dropped) CHECK(d.reason.find(fs::path(d.file).filename().string()) != std::string::npos);
  std::vector<std::size_t> readable;
  for (std::size_t i : all)
    if (std::find_if(dropped.begin(), dropped.end(), [&](const auto& d) { return d.index == i; }) == dropped.end())
      readable.push_back(i);
  const image_datastore mem(dir.path, in_memory());
  std::vector<float> ref(readable.size() * 108);
  std::vector<int> ref_labels(readable.size());
  skip.read_batch(readable, 0, ref.data(), ref_labels.data());
  x.resize(kept * 108), y.resize(kept);
  CHECK(x == ref);
  CHECK(y == ref_labels);
  // The four-argument read cannot leave images out: it stops, naming the file.
  check_throws<error>([&] { skip.read_batch(all, 0, x.data(), y.data()); }, {"bad_"});
}

TEST_CASE("a file made unreadable after listing stops the read naming it (root without its override)") {
  temp_dir dir;
  write_images(dir, 4, 6, 6);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {  // the child drops the capabilities that let root read any file
    __user_cap_header_struct head{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2] = {};
    std::string out;
    if (::syscall(SYS_capget, &head, caps) == 0) {
      for (int bit : {CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH}) caps[0].effective &= ~(1u << bit);
      if (::syscall(SYS_capset, &head, caps) != 0) out = "setup failed: capset";
    }
    if (out.empty()) {
      const image_datastore ds(dir.path, streamed());
      fs::permissions(ds.file(2), fs::perms::none);
      std::vector<float> x(4 * 108);
      std::vector<int> y(4);
      const std::size_t idx[] = {0, 1, 2, 3};
      try {
        ds.start_epoch(idx, 4, 0);
        ds.read_batch(idx, 0, x.data(), y.data());
        out = "no error";
      } catch (const io_error& e) {
        out = e.what();
      }
    }
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, std::size_t(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (got.rfind("setup failed", 0) == 0) {
    MESSAGE("SKIPPED: cannot drop capabilities here (", got, ")");
    return;
  }
  CHECK_MESSAGE(got.find("b/1000.png") != std::string::npos, got);  // file(2), in path order
  CHECK_MESSAGE(got.find("cannot open") != std::string::npos, got);
}

TEST_CASE("CMYK, progressive and EXIF-turned JPEGs decode as they are meant to be seen") {
  const fs::path dir = fs::path(PARTRAIN_TEST_DATA_DIR) / "jpeg_variants";
  for (const char* name : {"cmyk", "progressive", "exif_orientation_6", "exif_orientation_3"}) {
    CAPTURE(name);
    const auto got = read_image(dir / (std::string(name) + ".jpg"));
    const auto want = read_image(dir / (std::string(name) + ".expected.png"));
    REQUIRE(got.size_string() == want.size_string());
    int worst = 0;
    for (std::size_t i = 0; i < got.pixels.size(); ++i) worst = std::max(worst, std::abs(got.pixels[i] - want.pixels[i]));
    CHECK(worst <= 2);  // two decoders' rounding
  }
  CHECK(read_image(dir / "exif_orientation_6.jpg").size_string() == "32x24x3");  // turned a quarter
}
