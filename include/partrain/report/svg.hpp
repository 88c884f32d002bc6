// A minimal SVG writer for partrain's figures: escaped text, lines, polylines, dots and
// "nice" axis ticks. Plain strings; the plot headers build on it.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace partrain::report::svg {

/// Escapes &, <, >, " and ' for SVG text and attributes.
inline std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

/// A number as SVG coordinates want it: up to 2 decimals, no exponent.
inline std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s = buf;
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.')
    s.pop_back();
  return s == "-0" ? "0" : s;
}

/// A tick label: integers without decimals, others with up to 3 significant digits.
inline std::string tick_label(double x) {
  if (std::abs(x) < 1e-12)
    return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

/// Ticks 0 = t0 < t1 < ... covering [lo, hi] with a 1-2-5 step and about `target` intervals.
inline std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo))
    hi = lo + 1;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::floor(lo / step) * step; t < hi + step * 0.999; t += step)
    ticks.push_back(t);
  return ticks;
}

/// Accumulates an SVG document.
class document {
public:
  document(double width, double height) : width_(width), height_(height) {
    body_ =
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
        num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
        "\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" "
        "fill=\"white\"/>\n";
  }
  void raw(std::string_view s) { body_ += s; }
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            std::string_view extra = {}) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
             num(y2) + "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + num(width) +
             "\" " + std::string(extra) + "/>\n";
  }
  void rect(double x, double y, double w, double h, std::string_view fill,
            std::string_view extra = {}) {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
             num(h) + "\" fill=\"" + std::string(fill) + "\" " + std::string(extra) + "/>\n";
  }
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view extra = {}) {
    body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" +
             std::string(fill) + "\" " + std::string(extra) + "/>\n";
  }
  /// Text at (x, y); anchor is start|middle|end; rotate in degrees about (x, y).
  void text(double x, double y, std::string_view s, double size = 12,
            std::string_view anchor = "middle", std::string_view extra = {}, double rotate = 0) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
             "\" text-anchor=\"" + std::string(anchor) + "\"";
    if (rotate != 0)
      body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
    body_ += " " + std::string(extra) + ">" + escape(s) + "</text>\n";
  }
  /// An upper bound of the width of `s` at font size `size` in Helvetica/Arial/DejaVu Sans
  /// (0.62 em per character, 0.68 bold), for laying out without a font engine.
  static double text_width(std::string_view s, double size, bool bold = false) {
    return double(s.size()) * size * (bold ? 0.68 : 0.62);
  }
  /// A polyline through points; a NaN y breaks the line into separate pieces.
  void polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                double width, std::string_view extra = {}) {
    std::string cur;
    auto flush = [&] {
      if (!cur.empty())
        body_ += "<polyline fill=\"none\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" +
                 num(width) + "\" stroke-linejoin=\"round\" " + std::string(extra) + " points=\"" +
                 cur + "\"/>\n";
      cur.clear();
    };
    for (auto [x, y] : pts) {
      if (std::isnan(y) || std::isnan(x)) {
        flush();
        continue;
      }
      cur += (cur.empty() ? "" : " ") + num(x) + "," + num(y);
    }
    flush();
  }
  std::string str() const { return body_ + "</svg>\n"; }
  double width() const { return width_; }
  double height() const { return height_; }

private:
  double width_, height_;
  std::string body_;
};

} // namespace partrain::report::svg
