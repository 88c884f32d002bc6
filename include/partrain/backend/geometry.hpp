// Runtime geometry of convolution and pooling: what every backend's kernels take.
#pragma once

namespace partrain::backend {

/// One 2-d convolution or pooling window sweep over a C x H x W input.
/// Padding may be asymmetric (MATLAB's 'same' puts the odd pixel bottom/right).
struct window_geometry {
  int channels, in_h, in_w;    ///< input extents per image
  int out_h, out_w;            ///< output spatial extents
  int kernel_h, kernel_w;      ///< filter or pool size
  int stride_h, stride_w;
  int pad_top, pad_left;       ///< bottom/right padding is implied by out_h/out_w
};

}  // namespace partrain::backend
