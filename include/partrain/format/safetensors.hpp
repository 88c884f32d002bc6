// The .safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the tensor bytes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "partrain/config.hpp"
#include "partrain/core/error.hpp"
#include "partrain/format/files.hpp"

namespace partrain::format {

static_assert(std::endian::native == std::endian::little,
              "partrain::format: safetensors support assumes a little-endian host");

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Bytes per element of a safetensors dtype ("F32", "F64", ...); 0 for an unknown dtype.
PARTRAIN_DECL std::size_t dtype_size(std::string_view dtype);

/// "(8,1,3,3)" — the shape as messages print it.
PARTRAIN_DECL std::string shape_string(std::span<const std::int64_t> shape);

}  // namespace PARTRAIN_MODE_NAMESPACE

/// One named tensor in a file: row-major little-endian bytes with a safetensors dtype.
struct named_tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype = "F32";
  std::vector<std::byte> bytes;

  /// Number of elements (1 for a scalar of shape ()).
  std::int64_t element_count() const {
    std::int64_t n = 1;
    for (auto d : shape)
      n *= d;
    return n;
  }

  /// Builds a tensor from float or double values. requires values.size() == product of shape.
  /// throws shape_error naming the tensor otherwise.
  template <class T>
    requires std::is_same_v<T, float> || std::is_same_v<T, double>
  static named_tensor from(std::string name, std::vector<std::int64_t> shape,
                           std::span<const T> values) {
    named_tensor t{std::move(name), std::move(shape), std::is_same_v<T, float> ? "F32" : "F64", {}};
    PARTRAIN_CHECK(t.element_count() == std::int64_t(values.size()), shape_error,
                   "[partrain::io::named_tensor::from] tensor '", t.name, "' has shape ",
                   shape_string(t.shape), " (", t.element_count(), " elements) but ", values.size(),
                   " values were given");
    t.bytes.resize(values.size_bytes());
    if (!values.empty())
      std::memcpy(t.bytes.data(), values.data(), values.size_bytes());
    return t;
  }

  /// The values as T (float for "F32", double for "F64").
  /// throws io_error naming the tensor when its dtype is not T's.
  template <class T>
    requires std::is_same_v<T, float> || std::is_same_v<T, double>
  std::vector<T> values() const {
    const char* want = std::is_same_v<T, float> ? "F32" : "F64";
    PARTRAIN_CHECK(dtype == want, io_error, "[partrain::io::named_tensor::values] tensor '", name,
                   "' has dtype ", dtype, "; expected ", want);
    std::vector<T> v(bytes.size() / sizeof(T));
    if (!v.empty())
      std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
    return v;
  }

  bool operator==(const named_tensor&) const = default;
};

/// The content of a .safetensors file.
struct safetensors_content {
  std::vector<named_tensor> tensors; ///< in file order (by data offset)
  std::map<std::string, std::string> metadata;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Serializes tensors and metadata to the safetensors byte layout, as the reference
/// implementation does: header padded with spaces to a multiple of 8, tensors stored
/// contiguously ordered by alignment (8-byte dtypes first) then name.
/// throws config_error for duplicate or empty names, unknown dtypes, negative extents, or a
/// byte count that does not match shape x dtype.
PARTRAIN_DECL std::vector<std::byte>
serialize_safetensors(std::span<const named_tensor> tensors,
                      const std::map<std::string, std::string>& metadata);

}  // namespace PARTRAIN_MODE_NAMESPACE

namespace detail {
/// One tensor's header entry, checked against the data buffer's size; its bytes are taken
/// from [begin, end) once the entries are known to tile the buffer.
struct safetensors_entry {
  std::uint64_t begin = 0, end = 0;
  named_tensor t;
};

inline namespace PARTRAIN_MODE_NAMESPACE {

/// The header entry `key` of a safetensors file (`where` starts the messages).
PARTRAIN_DECL safetensors_entry parse_safetensors_entry(const std::string& key, const nlohmann::json& v,
                                                        std::size_t data_size, const std::string& where);

/// The header of a safetensors file as a JSON object, after its 8-byte length; `data_start`
/// gets where the tensors' bytes begin.
PARTRAIN_DECL nlohmann::json parse_safetensors_header(std::span<const std::byte> file, const std::string& where,
                                                      std::size_t& data_start);

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace detail

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Parses a safetensors file held in memory; source names it in messages.
/// ensures: every tensor's bytes match its shape and dtype; the tensors tile the data buffer
/// without gaps or overlap. throws io_error naming source and what was expected for a
/// truncated buffer, a header length past the end, a header that is not a JSON object, or
/// bad dtype/shape/data_offsets entries. Never reads out of bounds.
PARTRAIN_DECL safetensors_content parse_safetensors(std::span<const std::byte> file,
                                                    std::string_view source = "<memory>");

/// Writes tensors and metadata to path as .safetensors, atomically.
/// throws config_error as serialize_safetensors, io_error when the file cannot be written.
PARTRAIN_DECL void write_safetensors(const std::filesystem::path& path,
                                     std::span<const named_tensor> tensors,
                                     const std::map<std::string, std::string>& metadata = {});

/// Reads a .safetensors file. throws io_error as parse_safetensors, or for a missing file.
PARTRAIN_DECL safetensors_content read_safetensors(const std::filesystem::path& path);

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::format

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/format/impl/safetensors.ipp"
#endif