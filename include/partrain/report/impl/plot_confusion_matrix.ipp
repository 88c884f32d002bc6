// The bodies of report/plot_confusion_matrix.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/report.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/report/plot_confusion_matrix.hpp"

namespace partrain::report::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string shade(double t, int r, int g, int b) {
  t = std::clamp(t, 0.0, 1.0);
  auto mix = [t](int c) { return int(std::lround(255 + (c - 255) * t)); };
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", mix(r), mix(g), mix(b));
  return buf;
}

PARTRAIN_DECL std::string percent_text(double p) {
  if (std::isnan(p))
    return "–";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report::detail

namespace partrain::report {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string confusion_matrix_svg(const confusion_matrix& cm, const std::string& title) {
  const int k = cm.classes();
  const double cell = std::clamp(560.0 / k, 24.0, 56.0);
  std::size_t longest = 0;
  for (const auto& n : cm.class_names())
    longest = std::max(longest, n.size());
  const double label_w = 7.0 * double(std::min<std::size_t>(longest, 24)) + 12;
  const double left = 40 + label_w, top = 64, summary = std::max(cell, 54.0);
  const double grid = cell * k, width = left + grid + 8 + summary + 24,
               height = top + grid + 8 + 30 + 56;
  const double font = std::clamp(cell * 0.3, 8.0, 13.0);
  svg::document doc(width, height);
  const auto heading =
      title.empty() ? "Confusion matrix — accuracy " + detail::percent_text(cm.accuracy()) : title;
  doc.text(width / 2, 28, heading, 16, "middle", "font-weight=\"bold\" fill=\"#111\"");
  for (int t = 0; t < k; ++t) {
    const double y = top + cell * t;
    const auto support = cm.support(t);
    for (int p = 0; p < k; ++p) {
      const double x = left + cell * p;
      const auto c = cm.count(t, p);
      const double frac = support ? double(c) / double(support) : 0;
      const double shade = c ? 0.15 + 0.85 * frac : 0;
      const auto fill =
          t == p ? detail::shade(shade, 0, 94, 184) : detail::shade(shade, 217, 83, 25);
      doc.rect(x, y, cell, cell, fill, "stroke=\"#d0d0d0\" stroke-width=\"0.8\"");
      if (c) {
        const auto color = shade > 0.55 ? "fill=\"white\"" : "fill=\"#222\"";
        doc.text(x + cell / 2, y + cell / 2 + font * 0.35, std::to_string(c), font, "middle",
                 color);
      }
    }
    doc.text(left - 8, y + cell / 2 + 4, cm.class_names()[std::size_t(t)], 12, "end",
             "fill=\"#222\"");
    const double r = cm.recall(t);
    doc.rect(left + grid + 8, y, summary, cell,
             detail::shade(std::isnan(r) ? 0 : r / 100, 0, 94, 184),
             "stroke=\"#d0d0d0\" stroke-width=\"0.8\"");
    doc.text(left + grid + 8 + summary / 2, y + cell / 2 + 4, detail::percent_text(r),
             std::min(font, 11.0), "middle",
             !std::isnan(r) && r > 55 ? "fill=\"white\"" : "fill=\"#222\"");
  }
  for (int p = 0; p < k; ++p) {
    const double x = left + cell * p, y = top + grid + 8;
    const double pr = cm.precision(p);
    doc.rect(x, y, cell, 30, detail::shade(std::isnan(pr) ? 0 : pr / 100, 0, 94, 184),
             "stroke=\"#d0d0d0\" stroke-width=\"0.8\"");
    doc.text(x + cell / 2, y + 19, detail::percent_text(pr), std::min(font, 10.0), "middle",
             !std::isnan(pr) && pr > 55 ? "fill=\"white\"" : "fill=\"#222\"");
    doc.text(x + cell / 2, top - 8, cm.class_names()[std::size_t(p)], 12, "middle",
             "fill=\"#222\"");
  }
  doc.text(left + grid + 8 + summary / 2, top - 8, "Recall", 11, "middle",
           "font-style=\"italic\" fill=\"#444\"");
  doc.text(left - 8, top + grid + 8 + 19, "Precision", 11, "end",
           "font-style=\"italic\" fill=\"#444\"");
  doc.text(left + grid / 2, top + grid + 8 + 30 + 28, "Predicted class", 13, "middle",
           "fill=\"#111\"");
  doc.text(18, top + grid / 2, "True class", 13, "middle", "fill=\"#111\"", -90);
  return doc.str();
}

PARTRAIN_DECL void plot_confusion_matrix(const confusion_matrix& cm, const std::filesystem::path& path,
                                         const std::string& title) {
  format::write_file_atomic(path, confusion_matrix_svg(cm, title),
                        "partrain::report::plot_confusion_matrix");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report
