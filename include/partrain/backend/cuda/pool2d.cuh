// Max and average pooling kernels. Backward passes gather (each input element sums the outputs
// whose window covers it, in output order), so they are deterministic and need no atomics.
#pragma once

#include <cstdint>

#include "partrain/backend/cuda/launch.cuh"
#include "partrain/backend/functors.hpp"
#include "partrain/backend/geometry.hpp"

namespace partrain::backend::cuda {

namespace detail {

/// The outputs [first, last] along one axis whose window covers input position `at`.
PARTRAIN_HOST_DEVICE inline void covering(int at, int pad, int kernel, int stride, int out, int& first,
                                          int& last) {
  const int lo = at + pad - kernel + 1, hi = at + pad;
  first = lo <= 0 ? 0 : (lo + stride - 1) / stride;
  last = hi < 0 ? -1 : hi / stride;
  if (last > out - 1) last = out - 1;
}

template <class T>
struct max_pool_forward_fn {
  window_geometry g;
  const T* x;
  T* y;
  std::int32_t* argmax;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t o) const {
    const std::size_t out_plane = std::size_t(g.out_h) * g.out_w, p = o / out_plane;
    const int oy = int(o % out_plane) / g.out_w, ox = int(o % out_plane) % g.out_w;
    const T* xp = x + p * g.in_h * g.in_w;
    T best = 0;
    std::int32_t at = -1;
    max_pool_window(g, xp, oy, ox, best, at);
    y[o] = best;
    argmax[o] = at;
  }
};

template <class T>
struct max_pool_backward_fn {
  window_geometry g;
  const std::int32_t* argmax;
  const T* dy;
  T* dx;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, p = i / in_plane;
    const int at = int(i % in_plane), iy = at / g.in_w, ix = at % g.in_w;
    int y0, y1, x0, x1;
    covering(iy, g.pad_top, g.kernel_h, g.stride_h, g.out_h, y0, y1);
    covering(ix, g.pad_left, g.kernel_w, g.stride_w, g.out_w, x0, x1);
    const std::size_t base = p * g.out_h * g.out_w;
    T s = 0;
    for (int oy = y0; oy <= y1; ++oy)
      for (int ox = x0; ox <= x1; ++ox) {
        const std::size_t o = base + std::size_t(oy) * g.out_w + ox;
        if (argmax[o] == at) s += dy[o];
      }
    dx[i] = s;
  }
};

template <class T>
struct avg_pool_forward_fn {
  window_geometry g;
  const T* x;
  T* y;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t o) const {
    const std::size_t out_plane = std::size_t(g.out_h) * g.out_w, p = o / out_plane;
    const int oy = int(o % out_plane) / g.out_w, ox = int(o % out_plane) % g.out_w;
    const T* xp = x + p * g.in_h * g.in_w;
    T s = 0;
    for (int ky = 0; ky < g.kernel_h; ++ky)
      for (int kx = 0; kx < g.kernel_w; ++kx) {
        const int iy = oy * g.stride_h - g.pad_top + ky, ix = ox * g.stride_w - g.pad_left + kx;
        if (iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w) s += xp[iy * g.in_w + ix];
      }
    y[o] = s * (T(1) / T(g.kernel_h * g.kernel_w));
  }
};

template <class T>
struct avg_pool_backward_fn {
  window_geometry g;
  const T* dy;
  T* dx;
  PARTRAIN_HOST_DEVICE void operator()(std::size_t i) const {
    const std::size_t in_plane = std::size_t(g.in_h) * g.in_w, p = i / in_plane;
    const int at = int(i % in_plane), iy = at / g.in_w, ix = at % g.in_w;
    int y0, y1, x0, x1;
    covering(iy, g.pad_top, g.kernel_h, g.stride_h, g.out_h, y0, y1);
    covering(ix, g.pad_left, g.kernel_w, g.stride_w, g.out_w, x0, x1);
    const T scale = T(1) / T(g.kernel_h * g.kernel_w);
    const std::size_t base = p * g.out_h * g.out_w;
    T s = 0;
    for (int oy = y0; oy <= y1; ++oy)
      for (int ox = x0; ox <= x1; ++ox) s += dy[base + std::size_t(oy) * g.out_w + ox] * scale;
    dx[i] = s;
  }
};

}  // namespace detail

/// y = window max; argmax[j] is the winner's index within its input plane (as the CPU).
template <class T>
void max_pool_forward(context& ctx, const window_geometry& g, int n, const T* x, T* y, std::int32_t* argmax) {
  for_each_index(ctx, std::size_t(n) * g.channels * g.out_h * g.out_w,
                 detail::max_pool_forward_fn<T>{g, x, y, argmax});
}
/// dx = dy routed to the recorded winners (overwritten).
template <class T>
void max_pool_backward(context& ctx, const window_geometry& g, int n, const std::int32_t* argmax, const T* dy,
                       T* dx) {
  for_each_index(ctx, std::size_t(n) * g.channels * g.in_h * g.in_w,
                 detail::max_pool_backward_fn<T>{g, argmax, dy, dx});
}
/// Average pooling; padded cells count as zeros (MATLAB's default).
template <class T>
void avg_pool_forward(context& ctx, const window_geometry& g, int n, const T* x, T* y) {
  for_each_index(ctx, std::size_t(n) * g.channels * g.out_h * g.out_w, detail::avg_pool_forward_fn<T>{g, x, y});
}
template <class T>
void avg_pool_backward(context& ctx, const window_geometry& g, int n, const T* dy, T* dx) {
  for_each_index(ctx, std::size_t(n) * g.channels * g.in_h * g.in_w, detail::avg_pool_backward_fn<T>{g, dy, dx});
}

}  // namespace partrain::backend::cuda
