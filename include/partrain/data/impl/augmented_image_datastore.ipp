// The bodies of data/augmented_image_datastore.hpp: inline in a header-only build, compiled
// once in partrain::compiled (src/data.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include <math.h>

#include <cmath>
#include <memory>

#include "partrain/core/error.hpp"
#include "partrain/core/random.hpp"
#include "partrain/data/augmented_image_datastore.hpp"
#include "partrain/data/detail/batch_prefetcher.hpp"
#include "partrain/data/image_augmenter.hpp"

namespace partrain::data {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL augmented_image_datastore::augmented_image_datastore(image_size output_size, const image_datastore& ds,
                                                                   image_augmenter augmenter, augmented_options opt)
    : core_(std::make_shared<core>()), prefetch_(opt.prefetch) {
  constexpr const char* where = "[partrain::data::augmented_image_datastore] ";
  PARTRAIN_CHECK(output_size.height > 0 && output_size.width > 0 && output_size.channels >= 0, config_error, where,
                 "output size ", output_size.height, "x", output_size.width, "x", output_size.channels,
                 "; expected positive height and width, channels >= 0 (0: from the images)");
  augmenter.validate();
  PARTRAIN_CHECK(ds.size() > 0, data_error, where, "the datastore is empty");
  ds.preload();
  int channels = 0;
  std::size_t first = 0;
  if (ds.streaming()) {  // the first image's channels; fill checks each image as it reads it
    channels = ds.image_dims().c;
    if (opt.color_preprocessing != color_preprocessing::none)
      channels = opt.color_preprocessing == color_preprocessing::gray2rgb ? 3 : 1;
  }
  for (std::size_t i = 0; i < ds.size() && !ds.streaming(); ++i) {
    const auto& img = ds.image(i);
    int c = img.channels;
    if (opt.color_preprocessing == color_preprocessing::gray2rgb) c = 3;
    if (opt.color_preprocessing == color_preprocessing::rgb2gray) c = 1;
    if (i == 0) channels = c;
    PARTRAIN_CHECK(c == channels, data_error, where, "'", ds.file(first), "' has ", channels, " channel(s) but '",
                   ds.file(i), "' has ", c, "; set color_preprocessing to gray2rgb or rgb2gray");
    PARTRAIN_CHECK(opt.output_size_mode == output_size_mode::resize ||
                       (img.height >= output_size.height && img.width >= output_size.width),
                   data_error, where, "'", ds.file(i), "' is ", img.size_string(), ", smaller than the ",
                   output_size.height, "x", output_size.width, " crop; use output_size_mode resize");
  }
  PARTRAIN_CHECK(output_size.channels == 0 || output_size.channels == channels, config_error, where,
                 "output size asks for ", output_size.channels, " channel(s) but the images have ", channels,
                 "; set color_preprocessing to gray2rgb or rgb2gray");
  output_size.channels = channels;
  *core_ = core{ds, augmenter, output_size, opt};
}

PARTRAIN_DECL void augmented_image_datastore::read_batch(std::span<const std::size_t> indices, std::uint64_t epoch,
                                                         float* images, int* labels) const {
  if (prefetch_)
    if (auto* p = hub_->find(); p && p->take(indices, epoch, images, labels, nullptr)) return;
  core_->fill(indices, epoch, images, labels, prefetch_ ? nullptr : core_->ds.thread_reader(), nullptr);
}

PARTRAIN_DECL std::size_t augmented_image_datastore::read_batch(std::span<const std::size_t> indices,
                                                                std::uint64_t epoch, float* images, int* labels,
                                                                std::vector<dropped_image>& dropped) const {
  auto* drops = core_->ds.skips_bad_files() ? &dropped : nullptr;
  if (prefetch_)
    if (auto* p = hub_->find())
      if (const auto kept = p->take(indices, epoch, images, labels, drops)) return *kept;
  return core_->fill(indices, epoch, images, labels, prefetch_ ? nullptr : core_->ds.thread_reader(), drops);
}

PARTRAIN_DECL void augmented_image_datastore::start_epoch(std::span<const std::size_t> order, std::size_t batch_size,
                                                          std::uint64_t epoch) const {
  for (std::size_t i : order)
    PARTRAIN_CHECK(i < size(), data_error, "[partrain::data::augmented_image_datastore::start_epoch] index ", i,
                   " out of range for ", size(), " images");
  if (!prefetch_) return core_->ds.start_epoch(order, batch_size, epoch);
  auto& p = hub_->mine([&] {
    // Streaming: the prefetch thread takes its images from its own read-ahead queue,
    // announced with each epoch's order before the thread starts.
    std::shared_ptr<detail::image_stream::reader> reader = core_->ds.open_reader();
    auto c = core_;
    detail::batch_prefetcher::announce_fn announce;
    if (reader) announce = [c, reader](std::span<const std::size_t> o) { c->ds.announce(*reader, o); };
    return std::make_unique<detail::batch_prefetcher>(
        [c, reader](std::span<const std::size_t> idx, std::uint64_t e, float* x, int* y,
                    std::vector<dropped_image>* dropped) { return c->fill(idx, e, x, y, reader.get(), dropped); },
        image_dims().image_size(), std::move(announce));
  });
  p.start(order, batch_size, epoch);
}

PARTRAIN_DECL affine2d augmented_image_datastore::core::transform(std::size_t i, std::uint64_t epoch, int height,
                                                                  int width) const {
  const float h = float(height), w = float(width);
  affine2d out_to_aug;  // output pixel coordinates -> augmented (source-sized) image
  if (opt.output_size_mode == output_size_mode::resize) {
    out_to_aug = {w / float(out.width), 0, 0, h / float(out.height), 0, 0};
  } else {
    float ox = std::floor((w - float(out.width)) / 2), oy = std::floor((h - float(out.height)) / 2);
    if (opt.output_size_mode == output_size_mode::randcrop) {
      const auto r = random_bits(aug.seed, std::uint32_t(epoch), std::uint32_t(i), 2);
      ox = std::floor(uniform01(r[2]) * (w - float(out.width) + 1));
      oy = std::floor(uniform01(r[3]) * (h - float(out.height) + 1));
    }
    out_to_aug = {1, 0, 0, 1, ox, oy};
  }
  if (aug.is_identity()) return out_to_aug;
  return draw_transform(aug, epoch, i, height, width).inverse() * out_to_aug;
}

PARTRAIN_DECL std::shared_ptr<const decoded_image> augmented_image_datastore::core::image(
    std::size_t i, detail::image_stream::reader* reader) const {
  auto img = ds.read(i, reader);
  if (!ds.streaming()) return img;  // checked when the datastore was made
  constexpr const char* where = "[partrain::data::augmented_image_datastore] '";
  PARTRAIN_CHECK(img->channels == out.channels || opt.color_preprocessing != color_preprocessing::none, data_error,
                 where, ds.file(i), "' has ", img->channels, " channel(s) but the output has ", out.channels,
                 "; set color_preprocessing to gray2rgb or rgb2gray");
  PARTRAIN_CHECK(opt.output_size_mode == output_size_mode::resize ||
                     (img->height >= out.height && img->width >= out.width),
                 data_error, where, ds.file(i), "' is ", img->size_string(), ", smaller than the ", out.height, "x",
                 out.width, " crop; use output_size_mode resize");
  return img;
}

PARTRAIN_DECL std::size_t augmented_image_datastore::core::fill(std::span<const std::size_t> indices,
                                                                std::uint64_t epoch, float* images, int* labels,
                                                                detail::image_stream::reader* reader,
                                                                std::vector<dropped_image>* dropped) const {
  const std::size_t plane = std::size_t(out.height) * out.width;
  std::vector<float> padded;
  std::size_t kept = 0;
  for (std::size_t i : indices) {
    std::shared_ptr<const decoded_image> img;
    try {
      img = image(i, reader);
    } catch (const error& e) {
      if (!dropped || i >= ds.size()) throw;
      dropped->push_back({i, ds.file(i), e.what()});
      continue;
    }
    const warp_params p{img->pixels.data(), img->height, img->width, img->channels, out.height, out.width,
                        out.channels, transform(i, epoch, img->height, img->width), aug.fill_value};
    float* dst = images + kept * plane * std::size_t(out.channels);
    if (img->channels == out.channels)
      warp_padded(p, padded, dst);
    else
      for (int c = 0; c < out.channels; ++c)
        for (int y = 0; y < out.height; ++y)
          for (int x = 0; x < out.width; ++x) *dst++ = warp_pixel(p, c, y, x);
    labels[kept++] = ds.label(i);
  }
  return kept;
}

PARTRAIN_DECL void augmented_image_datastore::core::warp_padded(const warp_params& p, std::vector<float>& padded,
                                                                float* dst) {
  const int pw = p.src_w + 4, ph = p.src_h + 4;
  for (int c = 0; c < p.src_c; ++c) {
    padded.assign(std::size_t(pw) * ph, p.fill);
    for (int y = 0; y < p.src_h; ++y)
      for (int x = 0; x < p.src_w; ++x)
        padded[std::size_t(y + 2) * pw + x + 2] = float(p.src[(std::size_t(y) * p.src_w + x) * p.src_c + c]);
    for (int y = 0; y < p.dst_h; ++y)
      for (int x = 0; x < p.dst_w; ++x) {
        const float ox = float(x) + 0.5f, oy = float(y) + 0.5f;
        const float fx = p.to_src.x(ox, oy) - 0.5f, fy = p.to_src.y(ox, oy) - 0.5f;
        const float x0f = floorf(fx), y0f = floorf(fy);
        if (x0f < -2.f || y0f < -2.f || x0f > float(p.src_w) || y0f > float(p.src_h)) {
          *dst++ = p.fill;
          continue;
        }
        const float wx = fx - x0f, wy = fy - y0f;
        const float* t = padded.data() + std::size_t(int(y0f) + 2) * pw + (int(x0f) + 2);
        const float top = (1 - wx) * t[0] + wx * t[1];
        const float bottom = (1 - wx) * t[pw] + wx * t[pw + 1];
        *dst++ = (1 - wy) * top + wy * bottom;
      }
  }
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::data
