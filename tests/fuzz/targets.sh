# The fuzz targets and their seed corpora (target:corpus), for build_fuzzers.sh, ci_fuzz.sh
# and run_fuzz.sh; tests/fuzz/CMakeLists.txt lists the same for the ctest replays.
fuzz_targets="fuzz_image_decode:image fuzz_idx:idx fuzz_safetensors:safetensors fuzz_json:json"
