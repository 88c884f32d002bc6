// The bodies of report/svg.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/report.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/report/svg.hpp"

namespace partrain::report::svg {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string escape(std::string_view s) {
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

PARTRAIN_DECL std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s = buf;
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.')
    s.pop_back();
  return s == "-0" ? "0" : s;
}

PARTRAIN_DECL std::string tick_label(double x) {
  if (std::abs(x) < 1e-12)
    return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

PARTRAIN_DECL std::vector<double> nice_ticks(double lo, double hi, int target) {
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

PARTRAIN_DECL document::document(double width, double height)
    : width_(width), height_(height) {
  body_ =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
      num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
      "\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n";
}

PARTRAIN_DECL void document::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width,
                                  std::string_view extra) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
           num(y2) + "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"" + num(width) +
           "\" " + std::string(extra) + "/>\n";
}

PARTRAIN_DECL void document::rect(double x, double y, double w, double h, std::string_view fill,
                                  std::string_view extra) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
           num(h) + "\" fill=\"" + std::string(fill) + "\" " + std::string(extra) + "/>\n";
}

PARTRAIN_DECL void document::circle(double cx, double cy, double r, std::string_view fill, std::string_view extra) {
  body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" +
           std::string(fill) + "\" " + std::string(extra) + "/>\n";
}

PARTRAIN_DECL void document::text(double x, double y, std::string_view s, double size,
                                  std::string_view anchor, std::string_view extra, double rotate) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) +
           "\" text-anchor=\"" + std::string(anchor) + "\"";
  if (rotate != 0)
    body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
  body_ += " " + std::string(extra) + ">" + escape(s) + "</text>\n";
}

PARTRAIN_DECL void document::polyline(const std::vector<std::pair<double, double>>& pts, std::string_view stroke,
                                      double width, std::string_view extra) {
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

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report::svg
