// libFuzzer target: arbitrary bytes through the .safetensors parser must give a result or an
// io_error, never a crash, hang or out-of-bounds read (run under ASan/UBSan). Build and run:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
//     tests/fuzz/fuzz_safetensors.cpp -o fuzz_safetensors
//   mkdir -p corpus && ./fuzz_safetensors -max_total_time=60 -max_len=4096 corpus
#include <cstddef>
#include <cstdint>
#include <span>

#include "partrain/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  try {
    auto content = partrain::io::parse_safetensors(bytes, "fuzz");
    // What parsed must serialize and parse back to the same tensors.
    auto again = partrain::io::parse_safetensors(
        partrain::io::serialize_safetensors(content.tensors, content.metadata), "fuzz-again");
    if (again.tensors.size() != content.tensors.size() || again.metadata != content.metadata)
      __builtin_trap();
  } catch (const partrain::io_error&) {
  } catch (const partrain::config_error&) {
    // serialize_safetensors rejects what the reader tolerates (e.g. duplicate names).
  }
  return 0;
}
