// partrain's exception hierarchy and the always-on precondition check.
// Every message starts with where it was raised ("[partrain::layer conv2d#2] ...").
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace partrain {

/// Base of every exception partrain throws.
struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// A tensor or batch has the wrong shape.
struct shape_error : error {
  using error::error;
};
/// An option, hyper-parameter or argument is invalid.
struct config_error : error {
  using error::error;
};
/// Input data is invalid: NaN pixels, unreadable images, bad labels.
struct data_error : error {
  using error::error;
};
/// A file could not be read or written.
struct io_error : error {
  using error::error;
};
/// A CUDA runtime call failed (the CUDA backend derives cudnn_error and cublas_error).
struct cuda_error : error {
  using error::error;
};

/// The parts written one after another (operator<<) into one string: the text of the
/// errors partrain throws (fail, PARTRAIN_CHECK) and of its warnings.
template <class... Parts>
std::string concat_text(Parts&&... parts) {
  std::ostringstream os;
  (os << ... << std::forward<Parts>(parts));
  return os.str();
}

/// Throws Error with the concatenation of parts.
template <class Error = error, class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
  throw Error(concat_text(std::forward<Parts>(parts)...));
}

}  // namespace partrain

/// User-facing precondition: always on. Throws Error built from the message parts.
#define PARTRAIN_CHECK(cond, Error, ...)                \
  do {                                                  \
    if (!(cond)) ::partrain::fail<Error>(__VA_ARGS__);  \
  } while (0)
