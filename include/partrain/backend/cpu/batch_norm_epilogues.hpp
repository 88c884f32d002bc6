// What a fused batch norm applies to each normalized plane z while it is in cache: a
// leaky_relu, or a leaky_relu and a max pool. forward(p, y) writes plane p of the group's
// output from z; backward(p, dy, dz) writes the gradient with respect to z of plane p, from
// the group's output gradient dy and output y, into dz (a plane of z's size: the batch
// norm's dx, or gradient_scratch() when the group has no dx). The steps are the unfused layers' own plane
// kernels, so a fused group computes the same values, bit for bit, as its layers one by one.
// Backward needs no z: z <= 0 exactly where leaky_relu(z) <= 0 (leak >= 0), and for a max
// pool the winner's z is the window's output.
#pragma once

#include <cstddef>
#include <cstdint>

#include "partrain/backend/cpu/leaky_relu.hpp"
#include "partrain/backend/cpu/pool2d.hpp"
#include "partrain/backend/cpu/simd.hpp"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cpu {

/// Scratch for an epilogue: two planes of the batch norm's input size.
template <element_type T>
struct epilogue_scratch {
  T* z;  // the normalized plane (written by the batch norm)
  T* a;  // its activation in forward, the gradient with respect to z in backward
};

/// batch_norm -> leaky_relu. y: the group's output (read in backward).
template <element_type T>
struct leaky_relu_epilogue {
  T* z;
  T* dz;
  const T* y;
  std::size_t plane;
  T leak;

  leaky_relu_epilogue(epilogue_scratch<T> s, const T* output, std::size_t plane_size, T leak_scale)
      : z(s.z), dz(s.a), y(output), plane(plane_size), leak(leak_scale) {}
  PARTRAIN_TIERED_INLINE void forward(std::size_t p, T* out) {
    leaky_relu_span(z, out + p * plane, plane, leak);
  }
  PARTRAIN_TIERED_INLINE void backward(std::size_t p, const T* dy, T* out) {
    leaky_relu_backward_span(y + p * plane, dy + p * plane, out, plane, leak);
  }
  /// Asks for what backward(p, ...) reads to be loaded.
  PARTRAIN_TIERED_INLINE void prefetch_backward(std::size_t p, const T* dy) const {
    simd::prefetch(y + p * plane, plane), simd::prefetch(dy + p * plane, plane);
  }
  T* gradient_scratch() const { return dz; }
};

/// batch_norm -> leaky_relu -> max pool with disjoint windows (stride >= size: each cell in at
/// most one window, so the activation's gradient may be taken before the routing; `g`
/// describes one plane). argmax
/// holds the winners of the whole batch, as the unfused max pool records them; y is the
/// group's output.
template <element_type T>
struct leaky_relu_max_pool_epilogue {
  T* z;
  T* a;
  const T* y;
  window_geometry g;
  std::int32_t* argmax;
  T leak;
  std::size_t plane, out_plane;

  leaky_relu_max_pool_epilogue(epilogue_scratch<T> s, const T* output, const window_geometry& pool,
                               std::int32_t* winners, T leak_scale)
      : z(s.z),
        a(s.a),
        y(output),
        g(pool),
        argmax(winners),
        leak(leak_scale),
        plane(std::size_t(pool.in_h) * pool.in_w),
        out_plane(std::size_t(pool.out_h) * pool.out_w) {}
  PARTRAIN_TIERED_INLINE void forward(std::size_t p, T* out) {
    leaky_relu_span(z, a, plane, leak);
    max_pool_plane(g, a, out + p * out_plane, argmax + p * out_plane);
  }
  PARTRAIN_TIERED_INLINE void backward(std::size_t p, const T* dy, T* out) {
    leaky_relu_backward_span(y + p * out_plane, dy + p * out_plane, z, out_plane, leak);  // at the winners
    max_pool_backward_plane(g, argmax + p * out_plane, z, out);
  }
  PARTRAIN_TIERED_INLINE void prefetch_backward(std::size_t p, const T* dy) const {
    simd::prefetch(y + p * out_plane, out_plane), simd::prefetch(dy + p * out_plane, out_plane);
    simd::prefetch(argmax + p * out_plane, out_plane);
  }
  T* gradient_scratch() const { return a; }
};

}  // namespace partrain::backend::cpu
