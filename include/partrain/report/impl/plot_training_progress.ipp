// The bodies of report/plot_training_progress.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/report.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/report/plot_training_progress.hpp"

namespace partrain::report::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::vector<std::pair<double, double>> series(const std::vector<double>& v, int ipe) {
  std::vector<std::pair<double, double>> pts;
  const std::size_t n = v.size(), bucket = std::max<std::size_t>(1, n / 1500);
  for (std::size_t b = 0; b < n; b += bucket) {
    if (bucket == 1) {
      pts.emplace_back(double(b + 1) / ipe, v[b]);
      continue;
    }
    std::size_t lo = b, hi = b;
    for (std::size_t i = b; i < std::min(n, b + bucket); ++i) {
      if (std::isnan(v[i]))
        continue;
      if (std::isnan(v[lo]) || v[i] < v[lo])
        lo = i;
      if (std::isnan(v[hi]) || v[i] > v[hi])
        hi = i;
    }
    for (auto i : {std::min(lo, hi), std::max(lo, hi)})
      pts.emplace_back(double(i + 1) / ipe, v[i]);
  }
  return pts;
}

PARTRAIN_DECL void draw_panel(svg::document& doc, const panel_box& box, int clip_id, double x_max,
                              const std::vector<double>& x_ticks, double y_max,
                              const std::vector<double>& y_ticks, const std::vector<double>& train,
                              const std::vector<double>& valid, int ipe, const std::string& y_label) {
  auto px = [&](double x) { return box.x + box.w * x / x_max; };
  auto py = [&](double y) { return box.y + box.h * (1 - y / y_max); };
  doc.raw("<clipPath id=\"c" + std::to_string(clip_id) + "\"><rect x=\"" + svg::num(box.x) +
          "\" y=\"" + svg::num(box.y - 4) + "\" width=\"" + svg::num(box.w) + "\" height=\"" +
          svg::num(box.h + 8) + "\"/></clipPath>\n");
  doc.rect(box.x, box.y, box.w, box.h, "#ffffff", "stroke=\"none\"");
  for (double t : y_ticks) {
    if (t > y_max * 1.0001)
      continue;
    doc.line(box.x, py(t), box.x + box.w, py(t), "#e3e3e3", 1);
    doc.text(box.x - 6, py(t) + 4, svg::tick_label(t), 11, "end", "fill=\"#333\"");
  }
  for (double t : x_ticks) {
    if (t > x_max * 1.0001)
      continue;
    doc.line(px(t), box.y, px(t), box.y + box.h, "#e3e3e3", 1);
    doc.text(px(t), box.y + box.h + 15, svg::tick_label(t), 11, "middle", "fill=\"#333\"");
  }
  doc.rect(box.x, box.y, box.w, box.h, "none", "stroke=\"#444\" stroke-width=\"1\"");
  const auto clip = "clip-path=\"url(#c" + std::to_string(clip_id) + ")\"";
  std::vector<std::pair<double, double>> pts;
  for (auto [x, y] : series(train, ipe))
    pts.emplace_back(px(x), py(y));
  doc.polyline(pts, training_color, 1.4, clip);
  std::vector<std::pair<double, double>> vpts;
  for (std::size_t i = 0; i < valid.size(); ++i)
    if (!std::isnan(valid[i]))
      vpts.emplace_back(px(double(i + 1) / ipe), py(valid[i]));
  doc.polyline(vpts, validation_color, 1, clip + " stroke-dasharray=\"4 3\"");
  for (auto [x, y] : vpts)
    doc.circle(x, y, 3.2, validation_color, clip + " stroke=\"white\" stroke-width=\"0.8\"");
  doc.text(box.x + box.w / 2, box.y + box.h + 32, "Epoch", 12, "middle", "fill=\"#222\"");
  doc.text(box.x - 40, box.y + box.h / 2, y_label, 12, "middle", "fill=\"#222\"", -90);
}

PARTRAIN_DECL double finite_max(std::span<const training_info> infos) {
  double m = 0;
  for (const auto& info : infos)
    for (const auto* v : {&info.training_loss, &info.validation_loss})
      for (double x : *v)
        if (std::isfinite(x))
          m = std::max(m, x);
  return m > 0 ? m : 1;
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report::detail

namespace partrain::report {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL std::string training_progress_svg(std::span<const training_info> infos,
                                                std::span<const std::string> names) {
  constexpr auto where = "[partrain::report::plot_training_progress] ";
  PARTRAIN_CHECK(infos.size() == names.size(), config_error, where, infos.size(),
                 " training infos but ", names.size(), " names; expected one name per trial");
  PARTRAIN_CHECK(!infos.empty(), config_error, where, "no trials to plot");
  double x_max = 0;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const auto& info = infos[i];
    const auto n = info.training_loss.size();
    for (const auto* v :
         {&info.training_accuracy, &info.validation_loss, &info.validation_accuracy})
      PARTRAIN_CHECK(v->size() == n, config_error, where, "trial '", names[i],
                     "': per-iteration vectors have ", n, " and ", v->size(),
                     " entries; expected equal lengths");
    PARTRAIN_CHECK(n == 0 || info.iterations_per_epoch > 0, config_error, where, "trial '",
                   names[i], "': iterations_per_epoch is ", info.iterations_per_epoch,
                   "; expected > 0 to put iterations on the epoch axis");
    if (n)
      x_max = std::max(x_max, double(n) / info.iterations_per_epoch);
  }
  if (x_max <= 0)
    x_max = 1;
  auto x_ticks = svg::nice_ticks(0, x_max, 5);
  x_max = x_ticks.back();
  const double loss_max_raw = detail::finite_max(infos);
  const auto loss_ticks = svg::nice_ticks(0, loss_max_raw, 4);
  const double loss_max = loss_ticks.back();
  const std::vector<double> acc_ticks{0, 20, 40, 60, 80, 100};

  const double pw = 300, ph = 200, left = 70, gap_x = 90, gap_y = 96, right = 24, bottom = 56;
  const double width =
      left + double(infos.size()) * pw + double(infos.size() - 1) * (gap_x - 0) + right;
  // The legend goes right of the title when both fit on one line (text widths estimated
  // generously), else on a line of its own below it (one trial: the figure is narrow).
  const char* title = "Training progress";
  const double legend_w = 220, title_end = left + svg::document::text_width(title, 18, true);
  const bool legend_beside = title_end + 24 <= width - right - legend_w;
  const double lx = legend_beside ? width - right - legend_w : left, ly = legend_beside ? 26 : 56;
  const double top = legend_beside ? 84 : 112;
  const double height = top + 2 * ph + gap_y + bottom;
  svg::document doc(width, height);
  doc.raw("<g id=\"title\">\n");
  doc.text(left, 30, title, 18, "start", "font-weight=\"bold\" fill=\"#111\"");
  doc.raw("</g>\n<g id=\"legend\">\n");
  doc.line(lx, ly, lx + 28, ly, detail::training_color, 2);
  doc.text(lx + 34, ly + 4, "Training", 12, "start", "fill=\"#222\"");
  doc.line(lx + 110, ly, lx + 138, ly, detail::validation_color, 1, "stroke-dasharray=\"4 3\"");
  doc.circle(lx + 124, ly, 3.2, detail::validation_color);
  doc.text(lx + 144, ly + 4, "Validation", 12, "start", "fill=\"#222\"");
  doc.raw("</g>\n");
  int clip = 0;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const auto& info = infos[i];
    const double x0 = left + double(i) * (pw + gap_x);
    doc.raw("<g id=\"trial-name-" + std::to_string(i) + "\">\n");
    doc.text(x0 + pw / 2, top - 14, names[i], 14, "middle", "font-weight=\"bold\" fill=\"#111\"");
    doc.raw("</g>\n");
    const int ipe = std::max(1, info.iterations_per_epoch);
    detail::draw_panel(doc, {x0, top, pw, ph}, clip++, x_max, x_ticks, 100, acc_ticks,
                       info.training_accuracy, info.validation_accuracy, ipe, "Accuracy (%)");
    detail::draw_panel(doc, {x0, top + ph + gap_y, pw, ph}, clip++, x_max, x_ticks, loss_max,
                       loss_ticks, info.training_loss, info.validation_loss, ipe, "Loss");
  }
  return doc.str();
}

PARTRAIN_DECL void plot_training_progress(std::span<const training_info> infos,
                                          std::span<const std::string> names,
                                          const std::filesystem::path& path) {
  format::write_file_atomic(path, training_progress_svg(infos, names),
                        "partrain::report::plot_training_progress");
}

PARTRAIN_DECL void plot_training_progress(std::span<const io::trial_record> trials,
                                          const std::filesystem::path& path) {
  std::vector<training_info> infos;
  std::vector<std::string> names;
  for (const auto& t : trials)
    infos.push_back(t.info), names.push_back(t.name);
  plot_training_progress(infos, names, path);
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::report
