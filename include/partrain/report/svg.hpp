// A minimal SVG writer for partrain's figures: escaped text, lines, polylines, dots and
// "nice" axis ticks. Plain strings; the plot headers build on it.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "partrain/config.hpp"

namespace partrain::report::svg {

inline namespace PARTRAIN_MODE_NAMESPACE {

/// Escapes &, <, >, " and ' for SVG text and attributes.
PARTRAIN_DECL std::string escape(std::string_view s);

/// A number as SVG coordinates want it: up to 2 decimals, no exponent.
PARTRAIN_DECL std::string num(double x);

/// A tick label: integers without decimals, others with up to 3 significant digits.
PARTRAIN_DECL std::string tick_label(double x);

/// Ticks 0 = t0 < t1 < ... covering [lo, hi] with a 1-2-5 step and about `target` intervals.
PARTRAIN_DECL std::vector<double> nice_ticks(double lo, double hi, int target = 5);

/// Accumulates an SVG document.
class document {
public:
  document(double width, double height);
  void raw(std::string_view s) { body_ += s; }
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            std::string_view extra = {});
  void rect(double x, double y, double w, double h, std::string_view fill,
            std::string_view extra = {});
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view extra = {});
  /// Text at (x, y); anchor is start|middle|end; rotate in degrees about (x, y).
  void text(double x, double y, std::string_view s, double size = 12,
            std::string_view anchor = "middle", std::string_view extra = {}, double rotate = 0);
  /// An upper bound of the width of `s` at font size `size` in Helvetica/Arial/DejaVu Sans
  /// (0.62 em per character, 0.68 bold), for laying out without a font engine.
  static double text_width(std::string_view s, double size, bool bold = false) {
    return double(s.size()) * size * (bold ? 0.68 : 0.62);
  }
  /// A polyline through points; a NaN y breaks the line into separate pieces.
  void polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                double width, std::string_view extra = {});
  std::string str() const { return body_ + "</svg>\n"; }
  double width() const { return width_; }
  double height() const { return height_; }

private:
  double width_, height_;
  std::string body_;
};

}  // namespace PARTRAIN_MODE_NAMESPACE
} // namespace partrain::report::svg

#if !defined(PARTRAIN_SEPARATE_COMPILATION)
#include "partrain/report/impl/svg.ipp"
#endif