// training_info CSV/JSON: NaN and Inf round trip bit-exactly; malformed files give clear errors.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <fstream>

#include "partrain/io/training_info_io.hpp"
#include "temp_dir.hpp"

namespace io = partrain::io;
using partrain::io_error;
using partrain::training_info;

namespace {
training_info sample_info() {
  training_info info;
  info.iterations_per_epoch = 3;
  for (int i = 0; i < 7; ++i) {
    info.training_loss.push_back(2.3 / (1 + i) + 1e-17 * i);
    info.training_accuracy.push_back(10.0 + 12.5 * i);
    const bool validated = i % 3 == 2;
    info.validation_loss.push_back(validated ? 1.0 / 3 + i : training_info::nan);
    info.validation_accuracy.push_back(validated ? 0.1 * i : training_info::nan);
    info.base_learn_rate.push_back(0.01);
    info.epoch.push_back(1 + i / 3);
  }
  info.training_loss[5] = std::numeric_limits<double>::infinity();
  info.final_validation_loss = 0.3125;
  info.final_validation_accuracy = 97.3;
  info.output_network_iteration = 7;
  info.stop_reason = partrain::stop_reason::validation_patience;
  info.wall_seconds = 12.75;
  return info;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(std::isnan(a[i]) && std::isnan(b[i])) &&
        std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i]))
      return false;
  return true;
}

void check_per_iteration(const training_info& a, const training_info& b) {
  CHECK(same_bits(a.training_loss, b.training_loss));
  CHECK(same_bits(a.training_accuracy, b.training_accuracy));
  CHECK(same_bits(a.validation_loss, b.validation_loss));
  CHECK(same_bits(a.validation_accuracy, b.validation_accuracy));
  CHECK(same_bits(a.base_learn_rate, b.base_learn_rate));
  CHECK(a.epoch == b.epoch);
}

void write(const std::filesystem::path& p, const std::string& s) { std::ofstream(p) << s; }
} // namespace

TEST_CASE("training_info CSV round trip keeps NaN where not validated") {
  partrain::test::temp_dir dir("info-csv");
  auto info = sample_info();
  io::write_training_info_csv(dir.path / "t.csv", info);
  auto back = io::read_training_info_csv(dir.path / "t.csv");
  check_per_iteration(info, back);
  CHECK(std::isnan(back.validation_loss[0]));
  CHECK(std::isinf(back.training_loss[5]));
  auto text = io::training_info_csv(info);
  CHECK(text.starts_with("iteration,epoch,training_loss"));
  CHECK(text.find("\n1,1,2.3,10,NaN,NaN,0.01\n") != std::string::npos);
}

TEST_CASE("training_info JSON round trip: every field, NaN as null") {
  partrain::test::temp_dir dir("info-json");
  auto info = sample_info();
  info.final_validation_loss = training_info::nan;
  io::write_training_info_json(dir.path / "t.json", info);
  auto j = nlohmann::json::parse(std::ifstream(dir.path / "t.json"));
  CHECK(j["validation_loss"][0].is_null());
  CHECK(j["final_validation_loss"].is_null());
  CHECK(j["training_loss"][5] == "Infinity");
  auto back = io::read_training_info_json(dir.path / "t.json");
  check_per_iteration(info, back);
  CHECK(back.iterations_per_epoch == 3);
  CHECK(std::isnan(back.final_validation_loss));
  CHECK(back.final_validation_accuracy == 97.3);
  CHECK(back.output_network_iteration == 7);
  CHECK(back.stop_reason == partrain::stop_reason::validation_patience);
  CHECK(back.wall_seconds == 12.75);
}

TEST_CASE("training_info readers reject malformed files") {
  using doctest::Contains;
  partrain::test::temp_dir dir("info-bad");
  const auto p = dir.path / "t.csv";
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p), Contains("t.csv': no such file"), io_error);
  write(p, "");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p), Contains("file is empty"), io_error);
  write(p, "a,b\n");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p),
                       Contains("header is 'a,b'; expected 'iteration,epoch"), io_error);
  const std::string header = "iteration,epoch,training_loss,training_accuracy,validation_loss,"
                             "validation_accuracy,base_learn_rate\n";
  write(p, header + "1,1,0.5,50,NaN,NaN\n");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p), Contains("line 2: 6 fields; expected 7"),
                       io_error);
  write(p, header + "1,1,0.5,fifty,NaN,NaN,0.1\n");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p),
                       Contains("line 2: field 4 'fifty' is not a number"), io_error);
  write(p, header + "2,1,0.5,50,NaN,NaN,0.1\n");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p), Contains("line 2: iteration 2; expected 1"),
                       io_error);
  write(p, header + "1,1,0.5,50,NaN,NaN,0.1,9\n");
  CHECK_THROWS_WITH_AS(io::read_training_info_csv(p), Contains("more than 7 fields"), io_error);

  const auto q = dir.path / "t.json";
  write(q, "{\"iterations\": ");
  CHECK_THROWS_WITH_AS(io::read_training_info_json(q), Contains("t.json': not valid JSON"),
                       io_error);
  auto j = io::to_json(sample_info());
  j.erase("wall_seconds");
  write(q, j.dump());
  CHECK_THROWS_WITH_AS(io::read_training_info_json(q), Contains("missing field 'wall_seconds'"),
                       io_error);
  j = io::to_json(sample_info());
  j["validation_loss"].erase(0);
  write(q, j.dump());
  CHECK_THROWS_WITH_AS(io::read_training_info_json(q),
                       Contains("field 'validation_loss' must be an array of 7 entries"), io_error);
  j = io::to_json(sample_info());
  j["training_loss"][0] = "x";
  write(q, j.dump());
  CHECK_THROWS_WITH_AS(io::read_training_info_json(q),
                       Contains("field 'training_loss' holds \"x\""), io_error);
  j = io::to_json(sample_info());
  j["stop_reason"] = "bored";
  write(q, j.dump());
  CHECK_THROWS_WITH_AS(io::read_training_info_json(q),
                       Contains("stop_reason 'bored' is not one of"), io_error);
}
