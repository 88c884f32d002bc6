// Read-only and full filesystems, for real: each case runs in a child process with a private
// mount namespace (unshare -m) holding a read-only bind mount or a 256 KiB tmpfs, since root
// writes through chmod 555. Where namespaces are not allowed the whole executable reports
// "skipped" to ctest (exit 77) and says why.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "partrain/io/experiment.hpp"
#include "partrain/io/safetensors.hpp"
#include "partrain/io/tensorboard.hpp"
#include "partrain/partrain.hpp"
#include "temp_dir.hpp"
#include "../train/toy_data.hpp"

namespace io = partrain::io;
namespace fs = std::filesystem;

namespace {
/// Runs f in a child process with a private mount namespace, after `setup` (mounts) there;
/// returns what f returned, or "exception <type>: <what>", or "setup failed: <reason>".
std::string in_private_mounts(const std::function<std::string()>& setup, const std::function<std::string()>& f) {
  int fds[2];
  if (::pipe(fds) != 0) return "setup failed: pipe";
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    std::string out;
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      out = std::string("setup failed: ") + std::strerror(errno);
    } else if (out = setup(); out.empty()) {
      try {
        out = f();
      } catch (const partrain::io_error& e) {
        out = std::string("exception io_error: ") + e.what();
      } catch (const std::exception& e) {
        out = std::string("exception other: ") + e.what();
      }
    }
    [[maybe_unused]] auto n = ::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  return out;
}

std::string mount_read_only(const fs::path& folder) {
  if (::mount(folder.c_str(), folder.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
      ::mount(nullptr, folder.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
    return std::string("setup failed: read-only bind mount: ") + std::strerror(errno);
  return "";
}

std::string mount_small_tmpfs(const fs::path& folder) {
  if (::mount("tmpfs", folder.c_str(), "tmpfs", 0, "size=256k") != 0)
    return std::string("setup failed: tmpfs: ") + std::strerror(errno);
  return "";
}

std::vector<io::named_tensor> tensor_of(std::size_t floats) {
  return {io::named_tensor::from<float>("w", {std::int64_t(floats)}, std::vector<float>(floats, 1.5f))};
}

io::trial_record trial_of(std::size_t floats) {
  io::trial_record r;
  r.name = "t";
  r.architecture = "fully_connected<1>";
  r.solver = "sgdm";
  r.options = {{"max_epochs", 1}};
  r.tensors = tensor_of(floats);
  return r;
}

void check_io_error(const std::string& got, std::initializer_list<std::string> parts) {
  INFO(got);
  CHECK(got.starts_with("exception io_error: "));
  for (const auto& p : parts) CHECK_MESSAGE(got.find(p) != std::string::npos, "'", p, "' not in: ", got);
}
}  // namespace

TEST_CASE("a read-only folder: every write is an io_error naming the path and the OS reason") {
  partrain::test::temp_dir dir("read-only");
  const fs::path ro = dir.path / "ro";
  fs::create_directories(ro / "existing");
  auto in_ro = [&](std::function<std::string()> f) { return in_private_mounts([&] { return mount_read_only(ro); }, f); };
  const std::vector<io::trial_record> trials{trial_of(4)};
  check_io_error(in_ro([&] { return io::save_experiment(trials, ro, "20250101T000000").string(); }),
                 {ro.string(), "Read-only file system"});
  check_io_error(in_ro([&] { return io::write_safetensors(ro / "x.safetensors", tensor_of(4)), std::string("written"); }),
                 {(ro / "x.safetensors").string(), "Read-only file system"});
  check_io_error(in_ro([&] { io::tensorboard_writer writer(ro / "tb");
                   return std::string("made"); }),
                 {(ro / "tb").string(), "cannot create folder (Read-only file system)"});
  check_io_error(in_ro([&] { return partrain::create_folders(ro / "a" / "b", "test"), std::string("made"); }),
                 {(ro / "a" / "b").string(), "Read-only file system"});
  CHECK(fs::is_empty(ro / "existing"));
}

TEST_CASE("checkpoints in a read-only folder: a config_error naming the option and the folder, before any training") {
  partrain::test::temp_dir dir("read-only-checkpoints");
  const fs::path ro = dir.path / "ro";
  fs::create_directories(ro);
  const auto train = ::test::blobs(32, 1);
  int calls = 0;
  const std::string what = in_private_mounts([&] { return mount_read_only(ro); }, [&] {
    try {
      auto r = partrain::train_network<::test::small_cnn>(
          train, partrain::training_options<>{.max_epochs = 1, .mini_batch_size = 16, .verbose = false,
                                              .checkpoint_path = ro / "checkpoints",
                                              .output_fn = [&](const partrain::training_progress&) {
                                                return ++calls, false;
                                              }});
      return std::string("trained");
    } catch (const partrain::config_error& e) {
      return std::string("config_error: ") + e.what() + " | output_fn calls: " + std::to_string(calls);
    }
  });
  INFO(what);
  CHECK(what.rfind("config_error: [partrain::training_options] checkpoint_path '" + (ro / "checkpoints").string(), 0) == 0);
  CHECK(what.find("Read-only file system") != std::string::npos);
  CHECK(what.find("| output_fn calls: 0") != std::string::npos);
}

TEST_CASE("checkpoints on a disk that fills up: warnings naming the epoch and the reason; training goes on") {
  partrain::test::temp_dir dir("full-checkpoints");
  const fs::path small = dir.path / "small";
  fs::create_directories(small);
  const auto train = ::test::blobs(32, 1);
  const partrain::training_options<> measured{.max_epochs = 2, .mini_batch_size = 16, .verbose = false,
                                              .checkpoint_path = dir.path / "measure"};
  partrain::train_network<::test::small_cnn>(train, measured);
  std::uintmax_t two_checkpoints = 0;  // in whole pages, as tmpfs counts them
  for (const auto& e : fs::recursive_directory_iterator(dir.path / "measure"))
    if (e.is_regular_file()) two_checkpoints += (e.file_size() + 4095) / 4096 * 4096;
  const std::string summary = in_private_mounts([&] { return mount_small_tmpfs(small); }, [&] {
    // Leave room for two checkpoints and a half page: epochs 3-5 (larger: more history) find the disk full.
    const auto room = fs::space(small).available;
    std::vector<char> filler(std::size_t(room - two_checkpoints - 2048), 'x');
    if (std::FILE* f = std::fopen((small / "filler").c_str(), "wb")) {
      std::fwrite(filler.data(), 1, filler.size(), f);
      std::fclose(f);
    }
    std::ostringstream table;
    std::vector<std::string> delivered;
    auto r = partrain::train_network<::test::small_cnn>(
        train, partrain::training_options<>{.max_epochs = 5, .mini_batch_size = 16, .verbose_stream = &table,
                                            .checkpoint_path = small / "checkpoints",
                                            .output_fn = [&](const partrain::training_progress& p) {
                                              if (!p.warning.empty()) delivered.push_back(p.warning);
                                              return false;
                                            }});
    std::string files;
    for (const auto& e : fs::directory_iterator(small / "checkpoints")) files += " " + e.path().filename().string();
    return partrain::concat_text("iterations ", r.info.iterations(), " | stop ", to_string(r.info.stop_reason),
                                 " | warnings ", r.info.warnings.size(), ": ",
                                 r.info.warnings.empty() ? "" : r.info.warnings.front(), " | delivered ",
                                 delivered.size(), " | table warns ",
                                 table.str().find("| warning: checkpoint after iteration 6 (epoch 3) not written") != std::string::npos,
                                 " | files", files);
  });
  INFO(summary);
  CHECK(summary.find("iterations 10 | stop max_epochs | warnings 3: checkpoint after iteration 6 (epoch 3) not written") == 0);
  CHECK(summary.find("No space left on device") != std::string::npos);
  CHECK(summary.find("| delivered 3 | table warns 1") != std::string::npos);
  CHECK(summary.find("checkpoint-epoch001-iteration000002") != std::string::npos);
  CHECK(summary.find("checkpoint-epoch002-iteration000004") != std::string::npos);
  CHECK(summary.substr(summary.find("| files")).find("epoch003") == std::string::npos);
}

TEST_CASE("a full filesystem: the write fails naming the file, the old content and the folder stay as they were") {
  partrain::test::temp_dir dir("full");
  const fs::path small = dir.path / "small";
  fs::create_directories(small);
  auto in_small = [&](std::function<std::string()> f) { return in_private_mounts([&] { return mount_small_tmpfs(small); }, f); };
  const std::string after = in_small([&] {
    io::write_safetensors(small / "net.safetensors", tensor_of(4));
    try {
      io::write_safetensors(small / "net.safetensors", tensor_of(1 << 17));  // 512 KiB into 256 KiB
      return std::string("written");
    } catch (const partrain::io_error& e) {
      std::string listing;
      for (const auto& e2 : fs::directory_iterator(small)) listing += " " + e2.path().filename().string();
      const bool intact = io::read_safetensors(small / "net.safetensors").tensors == tensor_of(4);
      return std::string(e.what()) + " | listing:" + listing + " | intact: " + (intact ? "yes" : "no");
    }
  });
  INFO(after);
  CHECK(after.find((small / "net.safetensors").string()) != std::string::npos);
  CHECK(after.find("No space left on device") != std::string::npos);
  CHECK(after.find("listing: net.safetensors | intact: yes") != std::string::npos);

  const std::vector<io::trial_record> trials{trial_of(4), trial_of(1 << 16)};  // 256 KiB in trial 2
  const std::string saved = in_small([&] {
    try {
      io::save_experiment(trials, small, "20250101T000000");
      return std::string("saved");
    } catch (const partrain::io_error& e) {
      return std::string(e.what()) + " | empty: " + (fs::is_empty(small) ? "yes" : "no");
    }
  });
  INFO(saved);
  CHECK(saved.find("No space left on device") != std::string::npos);
  CHECK(saved.find("| empty: yes") != std::string::npos);
}

int main(int argc, char** argv) {
  partrain::test::temp_dir probe("mount-probe");
  const std::string why = in_private_mounts([&] { return mount_small_tmpfs(probe.path); }, [] { return std::string(); });
  if (!why.empty()) {
    std::printf("test_read_only_and_full: SKIPPED, no private mount namespace here (%s)\n", why.c_str());
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
