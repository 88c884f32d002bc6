// Typed networks and train_network on a CUDA device: layer-by-layer CPU≡CUDA, training on a
// GPU against the CPU, CUDA-graph replay against plain launches, several networks on the
// streams of one GPU (through parallel::pool) against each alone, the bad inputs, and batches
// gathered and augmented on the device against the CPU's, from images uploaded once per device.
#include "cuda_test_util.hpp"

#include <partrain/partrain.hpp>
#include <partrain/data/augmented_image_datastore.hpp>
#include <partrain/data/image_datastore.hpp>
#include <partrain/data/image_io.hpp>

#include <filesystem>

using namespace partrain;
using namespace partrain::testing;

namespace {
// Every layer kind; dropout and both pools included.
using every_layer = network<layers::image_input<12, 12, 2, layers::normalization::zscore>,
                            layers::conv2d<3, 6, same>, layers::batch_norm, layers::relu,
                            layers::max_pool2d<2, 2>, layers::conv2d<3, 8, pad(1), 1>,
                            layers::leaky_relu<1, 10>, layers::avg_pool2d<2, 2>, layers::dropout<1, 4>,
                            layers::fully_connected<5>, layers::softmax, layers::classification>;

std::vector<float> host_values(std::span<const float> device_or_host, const memory_space& space) {
  std::vector<float> out(device_or_host.size());
  copy_between(host_memory, out.data(), space, device_or_host.data(), out.size() * sizeof(float));
  return out;
}

// Learnable data: a fixed random prototype per class plus noise drawn from `seed`.
data::image_set prototypes(int per_class, std::uint64_t seed) {
  data::image_set s;
  s.image = {1, 1, 28, 28};
  s.classes = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  const auto protos = random_values<float>(10 * 784, 1, 0, 1);
  random_engine rng(seed + 100);
  std::vector<float> img(784);
  for (int i = 0; i < 10 * per_class; ++i) {
    const int label = i % 10;
    for (int j = 0; j < 784; ++j) img[j] = protos[label * 784 + j] + float(rng.uniform(-0.3, 0.3));
    s.push_back(img, label);
  }
  return s;
}

training_options<optim::sgdm> quick_options(int epochs) {
  training_options<optim::sgdm> o;
  o.max_epochs = epochs;
  o.mini_batch_size = 32;
  o.verbose = false;
  o.seed = 7;
  return o;
}
}  // namespace

namespace {
// Net on the CPU and a copy on the GPU: forward (training and inference), loss, gradients and
// the moving statistics agree to float_tolerance.
template <class Net>
void check_gpu_matches_cpu() {
  context cpu, gpu(device::cuda(0));
  Net a(3);
  Net b = a;
  b.to(gpu.memory());
  CHECK(!b.on_host());
  const int n = 6;
  using in = typename Net::input_shape;
  tensor<float> x(batch_dims<in>(n));
  const auto values = random_values<float>(x.size(), 11, 0, 1);
  std::copy(values.begin(), values.end(), x.data());
  tensor<float> xd = x;
  xd.to(gpu.memory());
  std::vector<int> labels{0, 1, 2, 3, 4, 0};
  for (auto& l : labels) l %= Net::num_classes;
  buffer<int> labels_d(labels.size(), gpu.memory());
  copy_between(gpu.memory(), labels_d.data(), host_memory, labels.data(), labels.size() * sizeof(int));
  const std::span<const int> dl(labels_d.data(), labels.size());

  const auto& pa = a.forward(cpu, x, mode::training);
  const auto& pb = b.forward(gpu, xd, mode::training);
  check_close(std::vector<float>(pa.span().begin(), pa.span().end()),
              host_values({pb.data(), pb.size()}, pb.space()), float_tolerance, "probabilities");
  CHECK(a.loss(cpu, labels) == doctest::Approx(b.loss(gpu, dl)).epsilon(1e-5));
  CHECK(a.correct(cpu, labels) == b.correct(gpu, dl));
  a.backward(cpu, labels);
  b.backward(gpu, dl);
  check_close(std::vector<float>(a.gradients().begin(), a.gradients().end()),
              host_values(b.gradients(), b.memory()), float_tolerance, "gradients");
  const auto& ia = a.forward(cpu, x, mode::inference);
  const auto& ib = b.forward(gpu, xd, mode::inference);
  check_close(std::vector<float>(ia.span().begin(), ia.span().end()),
              host_values({ib.data(), ib.size()}, ib.space()), float_tolerance, "inference");
  b.to(host_memory);
  CHECK(b.on_host());
  check_close(std::vector<float>(a.state().begin(), a.state().end()),
              std::vector<float>(b.state().begin(), b.state().end()), float_tolerance, "moving statistics");
}

// Residual blocks with identity and stride-2 projection shortcuts, batch norm inside, global pooling.
using residual_net = network<layers::image_input<12, 12, 3, layers::normalization::zscore>, layers::conv2d<3, 4, same>,
                             layers::batch_norm, layers::relu, repeat<2, models::resnet_unit<4>>,
                             models::resnet_unit<8, 2>, layers::global_average_pool, layers::fully_connected<5>,
                             layers::softmax, layers::classification>;
}  // namespace

TEST_CASE("every layer: forward and gradients on a GPU match the CPU (float, 2e-5 of the largest value)") {
  check_gpu_matches_cpu<every_layer>();
}

TEST_CASE("residual blocks and global average pooling: forward and gradients on a GPU match the CPU") {
  check_gpu_matches_cpu<residual_net>();
}

TEST_CASE("a residual network trained on a GPU follows the CPU, population statistics included") {
  const auto train = prototypes(40, 1), validation = prototypes(10, 2);
  auto o = quick_options(2);
  o.validation_data = validation;
  context cpu, gpu(device::cuda(0));
  auto a = train_network<models::digit_resnet<4>>(train, o, cpu);
  auto b = train_network<models::digit_resnet<4>>(train, o, gpu);
  REQUIRE(a.info.training_loss.size() == b.info.training_loss.size());
  for (int i = 0; i < 3; ++i)
    CHECK(b.info.training_loss[i] == doctest::Approx(a.info.training_loss[i]).epsilon(1e-3));
  check_close(std::vector<float>(a.network.state().begin(), a.network.state().end()),
              std::vector<float>(b.network.state().begin(), b.network.state().end()), 1e-2f, "population statistics");
}

TEST_CASE("train_network on a GPU follows the CPU and returns a host network") {
  const auto train = prototypes(40, 1), validation = prototypes(10, 2);
  auto o = quick_options(3);
  o.validation_data = validation;
  o.validation_frequency = 10;
  context cpu, gpu(device::cuda(0));
  auto a = train_network<models::seed_cnn>(train, o, cpu);
  auto b = train_network<models::seed_cnn>(train, o, gpu);
  REQUIRE(a.info.training_loss.size() == b.info.training_loss.size());
  CHECK(b.network.on_host());
  // Float rounding differs between the backends and grows over training; the first
  // iterations agree closely, the ends by accuracy.
  for (int i = 0; i < 3; ++i)
    CHECK(b.info.training_loss[i] == doctest::Approx(a.info.training_loss[i]).epsilon(1e-3));
  CHECK(b.info.stop_reason == a.info.stop_reason);
  CHECK(b.info.final_validation_accuracy > 90);
  CHECK(std::abs(b.info.final_validation_accuracy - a.info.final_validation_accuracy) <= 5);
  // The returned network classifies on the CPU like it did on the GPU.
  CHECK(accuracy_percent(classify(b.network, validation)) ==
        doctest::Approx(b.info.final_validation_accuracy).epsilon(1e-6));
}

TEST_CASE("a diverging loss on a GPU ends like on the CPU: nothing learnt from it or from what was queued behind it") {
  const auto train = prototypes(40, 1);
  auto o = quick_options(5);
  o.initial_learn_rate = 1e30;
  context cpu, gpu(device::cuda(0));
  const auto a = train_network<models::seed_cnn>(train, o, cpu);
  REQUIRE(a.info.stop_reason == stop_reason::diverged);
  for (const bool graphs : {true, false}) {
    CAPTURE(graphs);
    o.cuda_graphs = graphs;
    const auto b = train_network<models::seed_cnn>(train, o, gpu);
    CHECK(b.info.stop_reason == stop_reason::diverged);
    CHECK(b.info.iterations() == a.info.iterations());
    CHECK_FALSE(std::isfinite(b.info.training_loss.back()));
    CHECK(b.info.output_network_iteration == b.info.iterations() - 1);
    const std::vector<float> pa(a.network.parameters().begin(), a.network.parameters().end()),
        pb(b.network.parameters().begin(), b.network.parameters().end());
    CHECK(std::all_of(pb.begin(), pb.end(), [](float v) { return std::isfinite(v); }));
    check_close(pa, pb, 1e-3, "parameters before the diverged iteration");
  }
}

TEST_CASE("CUDA-graph replay trains like plain launches, also with adam and a schedule") {
  const auto train = prototypes(30, 3);
  training_options<optim::adam, schedule::piecewise> o;
  o.max_epochs = 4, o.mini_batch_size = 32, o.verbose = false, o.seed = 5;
  o.initial_learn_rate = 1e-3;
  o.learn_rate_schedule = {.drop_factor = 0.5, .drop_period = 2};
  context gpu(device::cuda(0));
  o.cuda_graphs = true;
  const auto replayed = train_network<models::seed_cnn>(train, o, gpu);
  o.cuda_graphs = false;
  const auto plain = train_network<models::seed_cnn>(train, o, gpu);
  REQUIRE(replayed.info.training_loss.size() == plain.info.training_loss.size());
  for (std::size_t i = 0; i < plain.info.training_loss.size(); ++i)
    CHECK(replayed.info.training_loss[i] == doctest::Approx(plain.info.training_loss[i]).epsilon(1e-4));
  check_close(std::vector<float>(plain.network.parameters().begin(), plain.network.parameters().end()),
              std::vector<float>(replayed.network.parameters().begin(), replayed.network.parameters().end()),
              1e-3, "parameters after training");
}

TEST_CASE("four networks on four streams of one GPU (parallel::pool) train as each does alone") {
  const auto train = prototypes(30, 4);
  parallel::pool pool(parallel::workers_per_gpu(4));
  REQUIRE(pool.size() == 4);
  CHECK(!pool.device_of(3).is_cpu());
  std::vector<std::future<trained<models::seed_cnn>>> together;
  for (int k = 0; k < 4; ++k) {
    auto o = quick_options(3);
    o.seed = std::uint64_t(10 + k);
    together.push_back(pool.submit([o, &train](context& ctx) { return train_network<models::seed_cnn>(train, o, ctx); }));
  }
  context gpu(device::cuda(0));
  for (int k = 0; k < 4; ++k) {
    auto o = quick_options(3);
    o.seed = std::uint64_t(10 + k);
    const auto alone = train_network<models::seed_cnn>(train, o, gpu);
    const auto shared = together[std::size_t(k)].get();
    REQUIRE(alone.info.training_loss.size() == shared.info.training_loss.size());
    for (std::size_t i = 0; i < alone.info.training_loss.size(); ++i)
      CHECK(shared.info.training_loss[i] == doctest::Approx(alone.info.training_loss[i]).epsilon(1e-4));
  }
}

TEST_CASE("bad input on a GPU: wrong memory, non-finite pixels and bad labels are named") {
  context gpu(device::cuda(0));
  models::seed_cnn net(1);
  tensor<float> x({2, 1, 28, 28});
  CHECK_THROWS_WITH_AS(net.forward(gpu, x, mode::training),
                       doctest::Contains("the network is in host memory but the context runs on cuda:0"),
                       config_error);
  net.to(gpu.memory());
  CHECK_THROWS_WITH_AS(net.forward(gpu, x, mode::training),
                       doctest::Contains("the input batch is in host memory; expected cuda memory"), config_error);
  CHECK_THROWS_WITH_AS(net.for_each_parameter([](auto&&) {}),
                       doctest::Contains("call net.to(host_memory) first"), config_error);

  auto data = prototypes(4, 5);
  data.pixels[3 * 784 + 17] = std::nanf("");
  auto o = quick_options(1);
  o.mini_batch_size = 40;
  CHECK_THROWS_WITH_AS(train_network<models::seed_cnn>(data, o, gpu),
                       doctest::Contains("image 3 has a non-finite value (nan) at element 17"), data_error);
  data = prototypes(4, 5);
  data.labels[5] = 12;
  CHECK_THROWS_WITH_AS(train_network<models::seed_cnn>(data, o, gpu),
                       doctest::Contains("label 12 of image 5 is outside 0..9"), data_error);
}

TEST_CASE("batches gathered and augmented on the GPU equal the CPU's read_batch (1e-3 of 255)") {
  // A small folder of real PNG files: 3 labels, 8 images each, 20x24 RGB (resized to 16x16).
  const auto root = std::filesystem::temp_directory_path() / "partrain_resident_test";
  std::filesystem::remove_all(root);
  random_engine rng(3);
  for (int l = 0; l < 3; ++l)
    for (int k = 0; k < 8; ++k) {
      data::decoded_image img{20, 24, 3, std::vector<std::uint8_t>(20 * 24 * 3)};
      for (auto& v : img.pixels) v = std::uint8_t(rng() % 256);
      std::filesystem::create_directories(root / std::to_string(l));
      data::write_png(root / std::to_string(l) / ("img" + std::to_string(k) + ".png"), img);
    }
  data::image_datastore ds(root, {.include_subfolders = true, .label_source = data::folder_names});
  const data::augmented_image_datastore augmented(
      {16, 16}, ds,
      data::image_augmenter{.fill_value = 7, .rand_rotation = {-20, 20}, .rand_x_reflection = true,
                            .rand_x_translation = {-3, 3}, .rand_y_translation = {-2, 2}, .seed = 9},
      {.color_preprocessing = data::color_preprocessing::rgb2gray, .prefetch = false});
  const std::vector<std::size_t> indices{5, 0, 23, 11, 11, 17};
  const std::size_t size = indices.size() * augmented.image_dims().image_size();
  context gpu(device::cuda(0));
  data::cuda::resident_images resident(gpu, augmented, 3);
  for (std::uint64_t epoch : {0u, 3u}) {
    CAPTURE(epoch);
    std::vector<float> cpu(size);
    std::vector<int> cpu_labels(indices.size());
    augmented.read_batch(indices, epoch, cpu.data(), cpu_labels.data());
    resident.start_epoch(gpu, augmented, indices, epoch);
    resident.read(gpu, augmented, 0, indices.size());
    std::vector<int> gpu_labels(indices.size());
    copy_between(host_memory, gpu_labels.data(), gpu.memory(), resident.labels().data(), gpu_labels.size() * sizeof(int));
    CHECK(gpu_labels == cpu_labels);
    check_close(cpu, host_values({resident.images().data(), size}, gpu.memory()), 1e-3 / 255, "augmented pixels");
    // A batch from the middle of the epoch's order.
    const std::size_t image_size = augmented.image_dims().image_size();
    resident.read(gpu, augmented, 2, 3);
    check_close(std::vector<float>(cpu.begin() + 2 * image_size, cpu.begin() + 5 * image_size),
                host_values({resident.images().data(), 3 * image_size}, gpu.memory()), 1e-3 / 255,
                "augmented pixels of a later batch");
  }
  CHECK_THROWS_WITH_AS(resident.read(gpu, augmented, 4, 3), doctest::Contains("batch [4, 7) is outside the epoch's 6 images"),
                       error);
  const std::vector<std::size_t> beyond{1, 24};
  CHECK_THROWS_WITH_AS(resident.start_epoch(gpu, augmented, beyond, 0), doctest::Contains("index 24 out of range for 24 images"),
                       data_error);
  // An in-memory image_set is gathered as it is.
  const auto set = prototypes(3, 8);
  data::cuda::resident_images gathered(gpu, set, 10);
  gathered.start_epoch(gpu, set, indices, 0);
  gathered.read(gpu, set, 0, indices.size());
  std::vector<float> cpu(indices.size() * 784);
  std::vector<int> cpu_labels(indices.size());
  set.read_batch(indices, 0, cpu.data(), cpu_labels.data());
  check_close(cpu, host_values({gathered.images().data(), cpu.size()}, gpu.memory()), 0, "gathered pixels");

  // Uploaded once per device: a second worker on the GPU shares the images of the same data
  // (a copy of the set; the same files under another augmenter), not of changed data.
  context peer(device::cuda(0));
  const data::augmented_image_datastore other_augmenter({16, 16}, ds, data::image_augmenter{.rand_x_reflection = true},
                                                        {.color_preprocessing = data::color_preprocessing::rgb2gray});
  CHECK(&data::cuda::resident_images(peer, other_augmenter, 3).shared() == &resident.shared());
  const data::image_set copy = set;
  data::cuda::resident_images shared(peer, copy, 10);
  CHECK(&shared.shared() == &gathered.shared());
  shared.start_epoch(peer, copy, indices, 0);
  shared.read(peer, copy, 0, indices.size());
  check_close(cpu, host_values({shared.images().data(), cpu.size()}, peer.memory()), 0, "pixels read by a peer");
  data::image_set changed = set;
  changed.pixels[5 * 784 + 9] += 1;
  CHECK(&data::cuda::resident_images(peer, changed, 10).shared() != &gathered.shared());
  changed = set;
  std::swap(changed.labels[0], changed.labels[1]);
  CHECK(&data::cuda::resident_images(peer, changed, 10).shared() != &gathered.shared());
  std::filesystem::remove_all(root);
}

TEST_CASE("train_network on a GPU from an augmented datastore: device augmentation learns like the CPU") {
  const auto root = std::filesystem::temp_directory_path() / "partrain_resident_train";
  std::filesystem::remove_all(root);
  const auto set = prototypes(30, 6);
  for (std::size_t i = 0; i < set.size(); ++i) {
    data::decoded_image img{28, 28, 1, std::vector<std::uint8_t>(784)};
    for (int j = 0; j < 784; ++j) img.pixels[j] = std::uint8_t(std::clamp(set.pixels[i * 784 + j] * 200.f, 0.f, 255.f));
    std::filesystem::create_directories(root / std::to_string(set.labels[i]));
    data::write_png(root / std::to_string(set.labels[i]) / ("img" + std::to_string(i) + ".png"), img);
  }
  data::image_datastore ds(root, {.include_subfolders = true, .label_source = data::folder_names});
  const data::augmented_image_datastore augmented({28, 28}, ds,
                                                  data::image_augmenter{.rand_x_translation = {-2, 2}, .seed = 4});
  auto o = quick_options(4);
  context cpu, gpu(device::cuda(0));
  const auto a = train_network<models::seed_cnn>(augmented, o, cpu);
  const auto b = train_network<models::seed_cnn>(augmented, o, gpu);
  REQUIRE(a.info.training_loss.size() == b.info.training_loss.size());
  CHECK(b.info.training_loss[0] == doctest::Approx(a.info.training_loss[0]).epsilon(1e-3));
  CHECK(b.info.training_accuracy.back() > 70);
  std::filesystem::remove_all(root);
}
