// The SVG figures: content, argument checks, and a real render to PNG with rsvg-convert whose
// pixels must show the plotted colours. The PNGs stay in report_output/ for a look.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

#include "partrain/report/plot_confusion_matrix.hpp"
#include "partrain/report/plot_training_progress.hpp"

namespace report = partrain::report;
using partrain::training_info;

namespace {
training_info fake_run(double speed, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> noise(0, 1);
  training_info info;
  info.iterations_per_epoch = 62;
  for (int i = 1; i <= 5 * 62; ++i) {
    const double p = 1 - std::exp(-speed * i / 62.0);
    info.training_loss.push_back(std::max(0.02, 2.3 * (1 - p) + 0.08 + 0.06 * noise(rng)));
    info.training_accuracy.push_back(std::clamp(10 + 88 * p + 4 * noise(rng), 0.0, 100.0));
    const bool validated = i % 30 == 0 || i == 5 * 62;
    info.validation_loss.push_back(validated ? 2.3 * (1 - p) + 0.1 : training_info::nan);
    info.validation_accuracy.push_back(validated ? 10 + 86 * p : training_info::nan);
    info.base_learn_rate.push_back(0.01);
    info.epoch.push_back(1 + (i - 1) / 62);
  }
  return info;
}

struct image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgb;
  int count(int r, int g, int b, int tol = 40) const {
    int n = 0;
    for (std::size_t i = 0; i + 2 < rgb.size(); i += 3)
      n += std::abs(rgb[i] - r) < tol && std::abs(rgb[i + 1] - g) < tol &&
           std::abs(rgb[i + 2] - b) < tol;
    return n;
  }
  int count_reddish() const { // error cells: red clearly above blue
    int n = 0;
    for (std::size_t i = 0; i + 2 < rgb.size(); i += 3)
      n += rgb[i] > 200 && rgb[i] - rgb[i + 2] > 25;
    return n;
  }
};

image render(const std::filesystem::path& svg) {
  auto png = std::filesystem::path(svg).replace_extension(".png");
  std::filesystem::remove(png);
  const auto cmd = "rsvg-convert -o '" + png.string() + "' '" + svg.string() + "'";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0,
                  "rsvg-convert failed (apt-get install librsvg2-bin): " << cmd);
  image img;
  int channels = 0;
  unsigned char* data = stbi_load(png.c_str(), &img.w, &img.h, &channels, 3);
  REQUIRE_MESSAGE(data != nullptr, "cannot decode " << png);
  img.rgb.assign(data, data + std::size_t(img.w) * std::size_t(img.h) * 3);
  stbi_image_free(data);
  return img;
}

const std::filesystem::path out_dir = "report_output";
} // namespace

TEST_CASE("plot_training_progress draws a 2 x N figure that renders") {
  std::filesystem::create_directories(out_dir);
  std::vector<training_info> infos{fake_run(1.6, 1), fake_run(0.9, 2), fake_run(0.5, 3)};
  std::vector<std::string> names{"cnn-8 sgdm", "cnn-16 adam", "deep <32> & rmsprop"};
  const auto svg = report::training_progress_svg(infos, names);
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.find("deep &lt;32&gt; &amp; rmsprop") != std::string::npos);
  CHECK(svg.find(">Accuracy (%)</text>") != std::string::npos);
  CHECK(svg.find(">Epoch</text>") != std::string::npos);
  CHECK(svg.find(">Validation</text>") != std::string::npos);
  // One training polyline per panel (no NaN in training), 2 panels per trial.
  std::size_t lines = 0;
  for (auto p = svg.find("stroke=\"#0072BD\" stroke-width=\"1.4\""); p != std::string::npos;
       p = svg.find("stroke=\"#0072BD\" stroke-width=\"1.4\"", p + 1))
    ++lines;
  CHECK(lines == 6);

  report::plot_training_progress(infos, names, out_dir / "training_progress.svg");
  auto img = render(out_dir / "training_progress.svg");
  CHECK(img.w > 1000);
  CHECK(img.h > 500);
  CHECK(img.count(0x00, 0x72, 0xBD) > 2000); // training lines
  CHECK(img.count(0xD9, 0x53, 0x19) > 300);  // validation dots
  CHECK(img.count(255, 255, 255, 8) >
        img.w * img.h / 2); // mostly white, not a blank or black image
}

namespace {
struct box {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // inclusive pixel bounds; empty when x1 < 0
  bool empty() const { return x1 < 0; }
  bool overlaps(const box& o) const { return !empty() && !o.empty() && x0 <= o.x1 && o.x0 <= x1 && y0 <= o.y1 && o.y0 <= y1; }
};

/// Where the group `<g id="id">` draws: the pixels that change when it is left out.
box ink_of(const std::string& svg, const std::string& id, const image& full, const std::filesystem::path& dir) {
  const auto at = svg.find("<g id=\"" + id + "\">");
  REQUIRE_MESSAGE(at != std::string::npos, "no group " << id);
  const auto end = svg.find("</g>", at) + 4;
  std::ofstream(dir / (id + ".svg")) << svg.substr(0, at) + svg.substr(end);
  const image without = render(dir / (id + ".svg"));
  REQUIRE(without.w == full.w);
  REQUIRE(without.h == full.h);
  box b;
  for (int y = 0; y < full.h; ++y)
    for (int x = 0; x < full.w; ++x) {
      const std::size_t i = (std::size_t(y) * full.w + x) * 3;
      if (full.rgb[i] == without.rgb[i] && full.rgb[i + 1] == without.rgb[i + 1] && full.rgb[i + 2] == without.rgb[i + 2])
        continue;
      b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
    }
  return b;
}
}  // namespace

TEST_CASE("the progress figure's title, legend and trial names never overlap: 1, 2, 4 and 8 trials") {
  const auto dir = out_dir / "layout";
  std::filesystem::create_directories(dir);
  for (int n : {1, 2, 4, 8}) {
    CAPTURE(n);
    std::vector<training_info> infos;
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) infos.push_back(fake_run(1.0, unsigned(i))), names.push_back("cnn 12-24-48 adam");
    const auto svg = report::training_progress_svg(infos, names);
    std::ofstream(dir / "full.svg") << svg;
    const image full = render(dir / "full.svg");
    std::vector<std::pair<std::string, box>> parts{{"title", ink_of(svg, "title", full, dir)},
                                                   {"legend", ink_of(svg, "legend", full, dir)}};
    for (int i = 0; i < n; ++i) {
      const std::string id = "trial-name-" + std::to_string(i);
      parts.emplace_back(id, ink_of(svg, id, full, dir));
    }
    for (std::size_t a = 0; a < parts.size(); ++a) {
      CHECK_MESSAGE(!parts[a].second.empty(), parts[a].first, " draws nothing");
      CHECK_MESSAGE(parts[a].second.x1 < full.w - 1, parts[a].first, " reaches the right edge");
      for (std::size_t b = a + 1; b < parts.size(); ++b)
        CHECK_MESSAGE(!parts[a].second.overlaps(parts[b].second), parts[a].first, " overlaps ", parts[b].first);
    }
  }
}

TEST_CASE("plot_training_progress checks its input") {
  std::vector<training_info> infos{fake_run(1, 1)};
  std::vector<std::string> two{"a", "b"};
  CHECK_THROWS_WITH_AS(report::training_progress_svg(infos, two),
                       doctest::Contains("1 training infos but 2 names"), partrain::config_error);
  std::vector<std::string> one{"a"};
  infos[0].iterations_per_epoch = 0;
  CHECK_THROWS_WITH_AS(report::training_progress_svg(infos, one),
                       doctest::Contains("trial 'a': iterations_per_epoch is 0; expected > 0"),
                       partrain::config_error);
  infos[0] = fake_run(1, 1);
  infos[0].validation_loss.pop_back();
  CHECK_THROWS_WITH_AS(report::training_progress_svg(infos, one),
                       doctest::Contains("per-iteration vectors have 310 and 309 entries"),
                       partrain::config_error);
  CHECK_THROWS_WITH_AS(
      report::plot_training_progress(std::vector{fake_run(1, 1)}, one, "no/such/dir/x.svg"),
      doctest::Contains("does not exist"), partrain::io_error);
  // An empty history (a trial that failed at once) still draws empty axes.
  std::vector<training_info> empty(1);
  CHECK(report::training_progress_svg(empty, one).find(">Epoch</text>") != std::string::npos);
}

TEST_CASE("plot_confusion_matrix renders counts and summaries") {
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> names;
  for (int c = 0; c < 10; ++c)
    names.push_back(std::to_string(c));
  report::confusion_matrix cm(names);
  std::mt19937 rng(7);
  for (int t = 0; t < 10; ++t)
    for (int i = 0; i < 100; ++i)
      cm.add(t, rng() % 100 < 94 ? t : int(rng() % 10));
  const auto svg = report::confusion_matrix_svg(cm);
  CHECK(svg.find("accuracy " + report::detail::percent_text(cm.accuracy())) != std::string::npos);
  CHECK(svg.find(">Predicted class</text>") != std::string::npos);
  CHECK(svg.find(">" + std::to_string(cm.count(3, 3)) + "</text>") != std::string::npos);
  report::plot_confusion_matrix(cm, out_dir / "confusion_matrix.svg");
  auto img = render(out_dir / "confusion_matrix.svg");
  CHECK(img.w > 400);
  CHECK(img.count(0x00, 0x5E, 0xB8, 30) > 10 * 30 * 30); // ten dark-blue diagonal cells
  CHECK(img.count_reddish() > 30 * 30 * 20);             // the error cells (about 40 of them)
}
