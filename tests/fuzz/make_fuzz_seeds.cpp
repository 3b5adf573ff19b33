// Writes the fuzz targets' seed corpora with the project's own writers, so that no binary
// is committed and the seeds follow the formats when they change:
//   make_fuzz_seeds OUT_DIR STAMP  ->  OUT_DIR/<target>/<seed>, then the empty STAMP file.
// Blobs come from the export path (small builders, a pooling and a window model, several
// policies, patch stages), checkpoints from capture_model/capture_optimizer, agent and
// search states from a small agent and a short search, policies and safetensors from their encoders, IDX by hand (raw and gzipped, the
// format is 16 header bytes), images through stb_image_write (PNG, BMP, JPEG), .npy and
// .npz through encode_npy / encode_npz.
#include <stb_image_write.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/agent_options.hpp"
#include "fuzz/search_setup.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/data/npz_archive.hpp"
#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/io/safetensors.hpp"
#include "libmpq/mcu/memory_model.hpp"
#include "libmpq/nn/model_builders.hpp"
#include "libmpq/nn/model_graph.hpp"
#include "libmpq/nn/pool2d.hpp"
#include "libmpq/quant/fake_quant_model.hpp"
#include "libmpq/quant/fold_batch_norm.hpp"
#include "libmpq/quant/op_records.hpp"
#include "nn/tiny_model.hpp"
#if MPQ_HAVE_ONNX
#include "fuzz/onnx_seed_model.hpp"
#endif

namespace {

namespace fs = std::filesystem;
using namespace mpq;

std::string g_out;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_out + "/" + target);
  write_file_atomically(g_out + "/" + target + "/" + name, bytes);
}

std::string as_string(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

void blobs_of(const std::string& arch, const std::vector<std::string>& names);
void export_blobs(Model float_model, const std::string& prefix, const std::vector<std::string>& names);
Model pooling_model();
Model window_model();

void blobs() {
  // MobileNetV1 at the narrowest width (every layer 8 channels) on 8x8: blobs of about
  // 10 KiB with every op kind but the add, which MobileNetV2's (2-bit, 55 KiB) brings; the
  // window pools (version 3) come from a small hand-built model.
  blobs_of("mobilenet_v1", {"w8", "w4", "w2", "mixed"});
  blobs_of("mobilenet_v2", {"w2"});
  export_blobs(pooling_model(), "pooling", {"w4", "mixed"});
  // Windows that are not square: long-form op records (version 4).
  export_blobs(window_model(), "windows", {"w8", "mixed"});
}

void blobs_of(const std::string& arch, const std::vector<std::string>& names) {
  ModelSpec spec;
  spec.arch = arch;
  spec.width = 0.03f;
  spec.in_height = spec.in_width = 8;
  spec.classes = 3;
  export_blobs(build_model(spec, 11), arch, names);
}

// 1x8x8: conv 3x3 (1->5) BN ReLU, max pool 3x3/2 p1, pointwise (5->6) BN, average pools
// 3x3/1 p1 without and 2x2/2 p1 with count_include_pad, global pool, linear 6->3.
Model pooling_model() {
  Model m(test::small_spec("pooling", 1, 8, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(1, 5, 3, 1, 1), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("mp", std::make_unique<Pool2d>(Pool2d::Mode::Max, 3, 2, 1), {x});
  x = m.add("c2", std::make_unique<Conv2d>(5, 6, 1, 1, 0), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(6), {x});
  x = m.add("ap1", std::make_unique<Pool2d>(Pool2d::Mode::Average, 3, 1, 1, false), {x});
  x = m.add("ap2", std::make_unique<Pool2d>(Pool2d::Mode::Average, 2, 2, 1, true), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(6, 3), {x});
  m.reset_parameters(11);
  return m;
}

// The first stage of 3 to 1 ops from the stem, grids 2 to 4, whose arena is larger than
// layer by layer (`costing`) or not; absent if none is.
rt::PatchStage first_stage(const std::vector<rt::OpRecord>& records, bool costing) {
  const uint32_t without = memory_report(records).ram_bytes;
  for (uint8_t ops = 3; ops >= 1; --ops)
    for (uint8_t grid = 2; grid <= 4; ++grid)
      if ((memory_report(records, {0, ops, grid}).ram_bytes > without) == costing) return {0, ops, grid};
  return {};
}

// 1x8x8: conv 3x2/2x1 p(t,l,b,r) 1,0,1,1 (1->5) BN ReLU, depthwise 1x3/1x2 p 0,1,0,1 BN
// ReLU, max pool 2x3/1 p 0,1,1,1, average pool 3x2/1x2 p 1,0,1,1 without
// count_include_pad, global pool, linear 5->3.
Model window_model() {
  Model m(test::small_spec("windows", 1, 8, 3));
  int x = m.add("c1", std::make_unique<Conv2d>(1, 5, Window2d{3, 2, 2, 1, 1, 0, 1, 1}, 1, false), {Model::kInput});
  x = m.add("b1", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r1", std::make_unique<ReLU>(), {x});
  x = m.add("dw", std::make_unique<Conv2d>(5, 5, Window2d{1, 3, 1, 2, 0, 1, 0, 1}, 5, false), {x});
  x = m.add("b2", std::make_unique<BatchNorm>(5), {x});
  x = m.add("r2", std::make_unique<ReLU>(), {x});
  x = m.add("mp", std::make_unique<Pool2d>(Pool2d::Mode::Max, Window2d{2, 3, 1, 1, 0, 1, 1, 1}, true), {x});
  x = m.add("ap", std::make_unique<Pool2d>(Pool2d::Mode::Average, Window2d{3, 2, 1, 2, 1, 0, 1, 1}, false), {x});
  x = m.add("pool", std::make_unique<GlobalAvgPool>(), {x});
  m.add("fc", std::make_unique<Linear>(5, 3), {x});
  m.reset_parameters(11);
  return m;
}

void export_blobs(Model float_model, const std::string& prefix, const std::vector<std::string>& names) {
  const ModelSpec spec = float_model.spec();
  Rng rng(3);
  Tensor calibration;
  std::vector<int32_t> labels;
  test::synthetic_batch(rng, 16, spec.in_height, 3, calibration, labels);
  // Training-mode passes bring BN's running statistics to the batch's, so that the
  // activations do not saturate (tests/firmware/host/fixture_models.cpp does the same).
  for (int pass = 0; pass < 40; ++pass) float_model.forward(calibration, /*training=*/true);
  Model folded = fold_batch_norm(float_model);
  const QuantGraph graph = build_quant_graph(folded);
  std::vector<std::pair<std::string, Policy>> policies;
  for (int bits : {8, 4, 2}) policies.emplace_back("w" + std::to_string(bits), uniform_policy(graph, bits, bits));
  Policy mixed = uniform_policy(graph, 8, 8);
  for (size_t i = 0; i < mixed.layers.size(); ++i) {
    if (mixed.layers[i].w_bits != 0) mixed.layers[i].w_bits = i % 2 ? 2 : 4;
    if (i + 1 < mixed.layers.size()) mixed.layers[i].a_bits = i % 3 ? 4 : 2;
  }
  policies.emplace_back("mixed", mixed);
  FakeQuantOptions options;
  options.input_lo = -1.f;
  options.input_hi = 1.f;
  for (const auto& [name, policy] : policies) {
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    Model fake_quant = build_fake_quant_model(folded, policy, options);
    calibrate_quantizers(fake_quant, {calibration});
    const std::vector<uint8_t> blob = convert_to_blob(fake_quant, graph, policy, InputNormalization{{0.5f}, {0.5f}});
    put("load_model", prefix + "_" + name + ".mpqm", as_string(blob));
    if (prefix != "mobilenet_v1") continue;
    // With patch stages (a chain of convs from the stem): one that costs no RAM, which loads
    // and runs tile by tile, and one that needs more RAM than layer by layer, which
    // load_model refuses last (patch_stage_costs_ram).
    const std::vector<rt::OpRecord> records = op_records(graph, policy);
    const rt::PatchStage runs = first_stage(records, false);
    if (runs.present())
      put("load_model", prefix + "_" + name + "_patch.mpqm",
          as_string(convert_to_blob(fake_quant, graph, policy, InputNormalization{{0.5f}, {0.5f}}, runs)));
    if (runs.present()) {
      // The same stage streaming its input (buffer 0 empty): load_model admits the empty
      // buffer only beside a stage from op 0 that nothing after reads the input of.
      rt::PatchStage streamed = runs;
      streamed.stream_input = true;
      put("load_model", prefix + "_" + name + "_patch_stream.mpqm",
          as_string(convert_to_blob(fake_quant, graph, policy, InputNormalization{{0.5f}, {0.5f}}, streamed)));
    }
    const rt::PatchStage costly = first_stage(records, true);
    if (costly.present())
      put("load_model", prefix + "_" + name + "_patch_costs_ram.mpqm",
          as_string(convert_to_blob(fake_quant, graph, policy, InputNormalization{{0.5f}, {0.5f}}, costly)));
  }
}

void checkpoints() {
  Model model = test::tiny_model();
  Adam adam(model.parameters());
  Checkpoint ckpt;
  capture_model(model, ckpt);
  capture_optimizer(adam, ckpt);
  ckpt.meta["kind"] = "float";
  ckpt.meta["epoch"] = "3";
  put("decode_checkpoint", "tiny.mpqc", encode_checkpoint(ckpt));
  Checkpoint bare;
  bare.meta["kind"] = "quantized";
  put("decode_checkpoint", "bare.mpqc", encode_checkpoint(bare));
  // The same model as a stored graph (version 2), as `mpq import --onnx` writes it.
  Model graph_model = build_model(graph_model_spec(describe_graph(model), 1, 8, 8, 3), 1);
  Checkpoint graph;
  capture_model(graph_model, graph);
  graph.meta["kind"] = "float";
  put("decode_checkpoint", "graph.mpqc", encode_checkpoint(graph));
  // A stored graph with max and average pools (both count_include_pad).
  Model pools = pooling_model();
  const ModelSpec& ps = pools.spec();
  Model pool_graph = build_model(
      graph_model_spec(describe_graph(pools), ps.in_channels, ps.in_height, ps.in_width, ps.classes), 1);
  Checkpoint pool_ckpt;
  capture_model(pool_graph, pool_ckpt);
  put("decode_checkpoint", "pooling_graph.mpqc", encode_checkpoint(pool_ckpt));
}

void onnx_models() {
#if MPQ_HAVE_ONNX
  put("import_onnx", "gemm.onnx", fuzz::onnx_seed_model(false));
  put("import_onnx", "matmul.onnx", fuzz::onnx_seed_model(true));
  put("import_onnx", "computed_shapes.onnx", fuzz::onnx_seed_model(false, true));
#endif
}

void agent_state() {
  Ddpg agent(fuzz::small_agent_options());
  for (int i = 0; i < 3; ++i) {
    Transition t;
    t.state = {0.1f * i, 0.5f, 1.f};
    t.action = agent.random_action();
    t.reward = 0.25f * i;
    t.next_state = {0.2f, 0.1f * i, 0.f};
    t.done = i == 2;
    agent.observe(t);
  }
  agent.update();
  agent.decay_noise();
  put("ddpg_load_state", "agent.state", agent.save_state());
}

void search_state() {
  fuzz::SearchSetup setup;
  PolicyEvaluator evaluator(setup.ckpt, "seed.mpqc", setup.train, setup.val, setup.eval);
  const std::string path = g_out + "/search.state.tmp";
  PolicySearch search(setup.space, setup.budget, evaluator, setup.options(path));
  search.run();
  put("search_resume", "search.state", read_file(path));
  fs::remove(path);
}

void policies() {
  Model model = build_model(ModelSpec{}, 1);
  const QuantGraph graph = build_quant_graph(model);
  put("policy_from_json", "w8a8.json", policy_to_json(uniform_policy(graph, 8, 8)));
  Policy mixed = uniform_policy(graph, 4, 4);
  mixed.layers.front().w_bits = 2;
  mixed.layers.back().a_bits = 8;
  put("policy_from_json", "mixed.json", policy_to_json(mixed));
}

void boards() {
  put("board_from_json", "bytes.json",
      R"({"name": "m4", "core": "cortex-m4", "flash_bytes": 1048576, "ram_bytes": 131072, "notes": "seed"})");
  put("board_from_json", "units.json",
      R"({"name": "h7", "core": "cortex-m7", "flash_bytes": "2MiB", "ram_bytes": "512KiB",
          "application_flash": "64KiB", "application_ram": "32 KiB"})");
  // The fields boards had before code was counted: refused with a message naming the new ones.
  put("board_from_json", "reserved.json",
      R"({"name": "l4", "core": "cortex-m4", "flash_bytes": "256KiB", "ram_bytes": "64KiB", "reserved_flash": "104KiB"})");
}

void safetensors() {
  Model model = test::tiny_model(8, 3, 2);
  SafetensorsFile file;
  for (auto& p : model.named_parameters())
    file.tensors.push_back(safetensors_from_floats(p.first, p.second->value.shape(), p.second->value.data()));
  SafetensorsTensor half{"half", SafetensorsDtype::F16, {2}, std::string("\x00\x3c\x00\xc0", 4)};
  SafetensorsTensor steps{"steps", SafetensorsDtype::I64, {}, std::string(8, '\0')};
  file.tensors.push_back(half);
  file.tensors.push_back(steps);
  file.metadata["format"] = "pt";
  put("decode_safetensors", "tiny.safetensors", encode_safetensors(file));
}

std::string gzip(const std::string& raw) {
  std::string out(compressBound(raw.size()) + 32, '\0');
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  zs.avail_in = static_cast<uInt>(raw.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw Error("make_fuzz_seeds: gzip failed");
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string big_endian(const std::vector<uint32_t>& words) {
  std::string s;
  for (uint32_t w : words)
    for (int k = 3; k >= 0; --k) s += static_cast<char>(w >> (8 * k));
  return s;
}

void idx() {
  std::string images = big_endian({0x00000803, 3, 4, 4});
  for (int i = 0; i < 3 * 16; ++i) images += static_cast<char>(i * 5);
  const std::string labels = big_endian({0x00000801, 3}) + std::string("\x01\x07\x02", 3);
  put("read_idx", "images.idx", images);
  put("read_idx", "images.idx.gz", gzip(images));
  put("read_idx", "labels.idx", labels);
}

void write_to_string(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data), static_cast<size_t>(size));
}

void images() {
  constexpr int kW = 7, kH = 5;
  for (int channels : {1, 3}) {
    std::vector<uint8_t> pixels(kW * kH * channels);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 29);
    const std::string c = std::to_string(channels);
    std::string png, bmp, jpg;
    stbi_write_png_to_func(write_to_string, &png, kW, kH, channels, pixels.data(), kW * channels);
    stbi_write_bmp_to_func(write_to_string, &bmp, kW, kH, channels, pixels.data());
    stbi_write_jpg_to_func(write_to_string, &jpg, kW, kH, channels, pixels.data(), 90);
    put("decode_image_file", "c" + c + ".png", png);
    put("decode_image_file", "c" + c + ".bmp", bmp);
    put("decode_image_file", "c" + c + ".jpg", jpg);
  }
}

void numpy_arrays() {
  NpyArray x{NpyType::float32, {2, 1, 2, 2}, {}};
  for (int i = 0; i < 8; ++i) {
    const float v = 0.5f * static_cast<float>(i) - 1.f;
    x.bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  NpyArray u{NpyType::uint8, {1, 3, 2, 2}, std::string("\x00\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0", 12)};
  NpyArray y{NpyType::int64, {2}, std::string("\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0", 16)};
  NpyArray y32{NpyType::int32, {2}, std::string("\x03\0\0\0\x00\0\0\0", 8)};
  put("read_npy", "x.npy", encode_npy(x));
  put("read_npy", "u.npy", encode_npy(u));
  put("read_npy", "y.npy", encode_npy(y));
  put("read_npy", "y32.npy", encode_npy(y32));
  put("read_npy", "stored.npz", encode_npz({{"x", x}, {"y", y}}, false));
  put("read_npy", "deflated.npz", encode_npz({{"x", u}, {"y", y32}, {"x_test", x}}, true));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_fuzz_seeds OUT_DIR STAMP\n");
    return 2;
  }
  try {
    g_out = argv[1];
    blobs();
    checkpoints();
    onnx_models();
    agent_state();
    policies();
    boards();
    safetensors();
    idx();
    images();
    numpy_arrays();
    search_state();
    write_file_atomically(argv[2], "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mpq: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
