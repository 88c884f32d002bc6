// The bodies of experiment/plots.hpp: inline in a header-only build, compiled once in
// partrain::compiled (src/experiment.cpp) with PARTRAIN_SEPARATE_COMPILATION.
#pragma once

#include "partrain/experiment/plots.hpp"

namespace partrain::experiment::detail {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL double axis_position(const parameter& p, const trial& t) {
  if (p.name == "architecture") return double(t.architecture);  // the index, not a value
  if (!t.has(p.name)) return std::numeric_limits<double>::quiet_NaN();
  const value& v = t.values.at(p.name);
  if (const auto* c = std::get_if<choice>(&p.values))
    return double(std::find(c->options.begin(), c->options.end(), v) - c->options.begin());
  const double x = std::holds_alternative<std::int64_t>(v) ? double(std::get<std::int64_t>(v)) : std::get<double>(v);
  return std::holds_alternative<log_uniform>(p.values) ? std::log10(x) : x;
}

PARTRAIN_DECL std::string metric_against(const experiment_result& r, const parameter& p) {
  constexpr double width = 480, height = 320, left = 70, right = 20, top = 40, bottom = 60;
  std::vector<std::pair<double, double>> dots;
  for (const auto& t : r.trials) {
    const double x = axis_position(p, t.trial), y = t.metric(r.metric);
    if (t.ended() && std::isfinite(x) && std::isfinite(y)) dots.push_back({x, y});
  }
  const auto* c = std::get_if<choice>(&p.values);
  double x_lo = c ? -0.5 : 0, x_hi = c ? double(c->options.size()) - 0.5 : 1, y_lo = 0, y_hi = 1;
  if (!dots.empty()) {
    auto [xa, xb] = std::minmax_element(dots.begin(), dots.end());
    auto [ya, yb] = std::minmax_element(dots.begin(), dots.end(), [](auto& a, auto& b) { return a.second < b.second; });
    if (!c) x_lo = xa->first, x_hi = xb->first;
    y_lo = ya->second, y_hi = yb->second;
  }
  const double x_pad = x_hi > x_lo ? 0.05 * (x_hi - x_lo) : 0.5, y_pad = y_hi > y_lo ? 0.05 * (y_hi - y_lo) : 0.5;
  if (!c) x_lo -= x_pad, x_hi += x_pad;
  y_lo -= y_pad, y_hi += y_pad;
  auto sx = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * (width - left - right); };
  auto sy = [&](double y) { return height - bottom - (y - y_lo) / (y_hi - y_lo) * (height - top - bottom); };
  report::svg::document doc(width, height);
  doc.text(width / 2, 22, r.metric + " against " + p.name, 14, "middle", "font-weight=\"bold\"");
  doc.line(left, height - bottom, width - right, height - bottom, "#444");
  doc.line(left, top, left, height - bottom, "#444");
  for (double y : report::svg::nice_ticks(y_lo, y_hi, 5))
    if (y >= y_lo && y <= y_hi) doc.text(left - 6, sy(y) + 4, report::svg::tick_label(y), 11, "end");
  if (c) {
    for (std::size_t k = 0; k < c->options.size(); ++k) doc.text(sx(double(k)), height - bottom + 18, to_short_string(c->options[k]), 11);
  } else {
    const bool log = std::holds_alternative<log_uniform>(p.values);
    for (double x : report::svg::nice_ticks(x_lo, x_hi, 5))
      if (x >= x_lo && x <= x_hi)
        doc.text(sx(x), height - bottom + 18, log ? "1e" + report::svg::tick_label(x) : report::svg::tick_label(x), 11);
  }
  doc.text(width / 2, height - 18, p.name + (std::holds_alternative<log_uniform>(p.values) ? " (log scale)" : ""), 12);
  doc.text(18, height / 2, r.metric, 12, "middle", {}, -90);
  for (const auto& [x, y] : dots) doc.circle(sx(x), sy(y), 4, "#0072BD", "fill-opacity=\"0.7\"");
  return doc.str();
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment::detail

namespace partrain::experiment {
inline namespace PARTRAIN_MODE_NAMESPACE {

PARTRAIN_DECL void write_figures(const experiment_result& r, const search_space& space, const std::filesystem::path& folder) {
  std::vector<parameter> shown = space.parameters();
  if (space.architectures() > 1) {
    std::vector<value> indices;
    for (std::size_t a = 0; a < space.architectures(); ++a) indices.push_back(std::int64_t(a));
    shown.insert(shown.begin(), parameter{"architecture", choice(indices), std::nullopt});
  }
  for (const parameter& p : shown)
    format::write_file_atomic(folder / ("metric_vs_" + p.name + ".svg"), detail::metric_against(r, p),
                      "partrain::experiment");
  std::vector<const trial_result*> ranked;
  for (const auto& t : r.trials)
    if (t.ended() && !std::isnan(t.metric(r.metric)) && t.info.iterations() > 0) ranked.push_back(&t);
  std::stable_sort(ranked.begin(), ranked.end(), [&](auto* a, auto* b) {
    return r.maximize ? a->metric(r.metric) > b->metric(r.metric) : a->metric(r.metric) < b->metric(r.metric);
  });
  ranked.resize(std::min<std::size_t>(ranked.size(), 3));
  if (ranked.empty()) return;
  std::vector<training_info> infos;
  std::vector<std::string> names;
  for (const auto* t : ranked) infos.push_back(t->info), names.push_back("trial " + std::to_string(t->trial.index));
  report::plot_training_progress(infos, names, folder / "best_trials_progress.svg");
}

}  // namespace PARTRAIN_MODE_NAMESPACE
}  // namespace partrain::experiment
