// mpq eval: accuracy of a float or fine-tuned checkpoint, or of an integer model blob,
// on a split; with both, the top-1 agreement of the integer and fake-quant paths.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "data_options.hpp"
#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/data/batch_loader.hpp"
#include "libmpq/export/convert_to_blob.hpp"
#include "libmpq/export/integer_model.hpp"
#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/tensor/parallel.hpp"
#include "libmpq/train/finetune.hpp"

namespace mpq::cli {

InputNormalization normalization_of(const Checkpoint& ckpt, const std::string& what);  // cmd_export.cpp

namespace {

struct IntegerEval {
  int64_t images = 0, correct = 0, agree = 0;
};

// Top-1 predictions of the integer model over the dataset's evaluation transform, and,
// with a reference model, how often the two agree.
IntegerEval evaluate_integer(const IntegerModel& model, const Dataset& data, Model* reference, int64_t batch) {
  const PixelNormalization norm = data.normalization();
  const auto& v = model.view();
  const Shape sample = data.sample_shape();
  if (sample != Shape{v.input_h, v.input_w, v.input_c})
    throw Error("eval: the data's images are " + shape_to_string(sample) + " (HxWxC), the model blob expects " +
                shape_to_string({v.input_h, v.input_w, v.input_c}));
  BatchLoader loader(data, batch, false, false, 0, false);
  loader.start_epoch(0);
  Tensor images;
  std::vector<int32_t> labels;
  Tensor logits;
  IntegerEval r;
  const int64_t pixels = shape_elements(sample);
  const int64_t channels = v.input_c;
  while (loader.next(images, labels)) {
    const int64_t n = images.dim(0);
    std::vector<int32_t> predicted(static_cast<size_t>(n));
    parallel_for(n, 4, [&](int64_t b, int64_t e) {
      std::vector<uint8_t> raw(static_cast<size_t>(pixels));
      for (int64_t i = b; i < e; ++i) {
        const float* x = images.data() + i * pixels;
        for (int64_t k = 0; k < pixels; ++k) {
          const size_t c = static_cast<size_t>(k % channels);
          raw[static_cast<size_t>(k)] = pixel_from_normalized(x[k], norm.mean.empty() ? 0.f : norm.mean[c],
                                                              norm.std.empty() ? 1.f / 255.f : norm.std[c]);
        }
        const std::vector<int32_t> codes = model.run(raw.data());
        predicted[static_cast<size_t>(i)] = static_cast<int32_t>(std::max_element(codes.begin(), codes.end()) - codes.begin());
      }
    });
    std::vector<int32_t> ref_predicted;
    if (reference) {
      infer_in_chunks(*reference, images, logits);
      const int64_t k = logits.dim(1);
      for (int64_t i = 0; i < n; ++i)
        ref_predicted.push_back(static_cast<int32_t>(std::max_element(logits.data() + i * k, logits.data() + (i + 1) * k) -
                                                     (logits.data() + i * k)));
    }
    for (int64_t i = 0; i < n; ++i) {
      r.correct += predicted[static_cast<size_t>(i)] == labels[static_cast<size_t>(i)];
      if (reference) r.agree += predicted[static_cast<size_t>(i)] == ref_predicted[static_cast<size_t>(i)];
    }
    r.images += n;
  }
  return r;
}

// The blob that exporting `ckpt` gives, byte for byte, must be `blob`: comparing a blob
// with a checkpoint of another policy or other weights would report a meaningless
// agreement.
// graph: the one `fq` was built from (null for a checkpoint that is not fine-tuned).
void require_exported_from(const IntegerModel& blob, const std::vector<uint8_t>& blob_bytes, Model& fq,
                           const QuantGraph* graph, const Checkpoint& ckpt, const std::string& blob_path,
                           const std::string& ckpt_path) {
  if (!graph)
    throw Error(ckpt_path + ": is a '" + ckpt.meta_or("kind", "float") +
                "' checkpoint; with --model, give the fine-tuned checkpoint the blob was exported from");
  require_integer_deployable(ckpt, ckpt_path);
  // With the blob's own patch stage and in-place pairs, which change only how it runs, not
  // what it computes. Export's pairs are InplaceDepthwise::best's, a function of the
  // records: a blob with a flagged conv was exported with --inplace all, one with only
  // flagged depthwise ops with --inplace depthwise or all (whose best pairs may be
  // depthwise ones only), one without with none.
  const rt::ModelView& view = blob.view();
  bool flagged = false, flagged_conv = false;
  for (uint16_t i = 0; i < view.op_count; ++i) {
    const rt::OpRecord r = rt::decode_op_record(view.ops + size_t{i} * blob::kOpRecordBytes);
    const bool in_place = (r.flags & blob::kOpFlagInPlace) != 0;
    flagged = flagged || in_place;
    flagged_conv = flagged_conv || (in_place && r.kind == blob::op_kind::conv);
  }
  std::vector<InplaceKinds> kinds = {InplaceKinds::none};
  if (flagged) kinds = flagged_conv ? std::vector<InplaceKinds>{InplaceKinds::all}
                                    : std::vector<InplaceKinds>{InplaceKinds::depthwise, InplaceKinds::all};
  std::vector<uint8_t> exported;
  for (InplaceKinds k : kinds) {
    exported = convert_to_blob(fq, *graph, policy_of(ckpt, ckpt_path), normalization_of(ckpt, ckpt_path), view.patch,
                               k == InplaceKinds::none ? InplaceDepthwise::off : InplaceDepthwise::best, k);
    if (exported == blob_bytes) break;
  }
  if (exported != blob_bytes)
    throw Error(blob_path + ": was not exported from " + ckpt_path + " (exporting it gives another blob: " +
                std::to_string(exported.size()) + " bytes vs " + std::to_string(blob.view().blob_bytes) +
                "); give the checkpoint the blob came from");
}

}  // namespace

int run_eval(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add(data_options());
  opts.add(thread_options());
  opts.add_options()
      ("checkpoint", po::value<std::string>(), "checkpoint (.mpqc), float or fine-tuned (default runs/default/float.mpqc)")
      ("model", po::value<std::string>(), "integer model blob (.mpqm): evaluates the integer-only path")
      ("split", po::value<std::string>()->default_value("test"), "validation or test")
      ("batch", po::value<int64_t>()->default_value(256), "batch size (1..65536)")
      ("json", "print JSON");
  po::variables_map vm;
  if (!parse(args, opts, vm, "mpq eval [--checkpoint C] [--model M.mpqm] [--split validation|test] [--json]",
             "Reports top-1 accuracy and mean loss of a float or fine-tuned (fake-quant) checkpoint,\n"
             "or the accuracy of an integer model blob run by the freestanding runtime. Given both a\n"
             "blob and the fine-tuned checkpoint it came from, also their top-1 agreement (the\n"
             "checkpoint must export to exactly this blob; another policy or other weights is an\n"
             "error). An empty split is an error, not 0%."))
    return 0;
  apply_thread_options(vm);
  Split split;
  try {
    split = parse_split(vm["split"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(std::string("--split: ") + e.what());
  }
  const int64_t batch = vm["batch"].as<int64_t>();
  if (batch < 1 || batch > kMaxBatchSize)
    throw UsageError("--batch " + std::to_string(batch) + ": expected 1.." + std::to_string(kMaxBatchSize));
  const bool has_blob = vm.count("model") > 0;
  const std::string path = vm.count("checkpoint") ? vm["checkpoint"].as<std::string>()
                                                  : (has_blob ? "" : "runs/default/float.mpqc");
  std::unique_ptr<Checkpoint> ckpt;
  std::unique_ptr<Model> model;
  // A fine-tuned checkpoint's fake-quant model comes with the graph it was built from, the
  // one mpq export converts it with (load_fake_quant_model_and_graph).
  std::unique_ptr<QuantGraph> graph;
  if (!path.empty()) {
    ckpt = std::make_unique<Checkpoint>(load_checkpoint(path));
    if (ckpt->meta_or("kind", "float") == "finetune") {
      FakeQuantModel fq = load_fake_quant_model_and_graph(*ckpt, path);
      model = std::make_unique<Model>(std::move(fq.model));
      graph = std::make_unique<QuantGraph>(std::move(fq.graph));
    } else {
      model = std::make_unique<Model>(load_any_model(*ckpt, path));
    }
  }
  ModelSpec spec;
  std::unique_ptr<IntegerModel> blob;
  if (has_blob) {
    const std::string blob_path = vm["model"].as<std::string>();
    const std::string bytes = read_file(blob_path);
    const std::vector<uint8_t> blob_bytes(bytes.begin(), bytes.end());
    blob = std::make_unique<IntegerModel>(blob_bytes, blob_path);
    if (model) require_exported_from(*blob, blob_bytes, *model, graph.get(), *ckpt, blob_path, path);
    spec.in_channels = blob->view().input_c;
    spec.in_height = blob->view().input_h;
    spec.in_width = blob->view().input_w;
  }
  if (ckpt) spec = ckpt->spec;
  auto data = open_dataset(vm, split, spec);
  if (data->size() == 0)
    throw Error("--data " + vm["data"].as<std::string>() + ": the " + split_name(split) + " split holds no images");
  Timer timer;
  nlohmann::json out = {{"split", split_name(split)}};
  std::string text;
  if (model && !has_blob) {
    EvalResult r = evaluate(*model, *data, batch);
    out.update({{"checkpoint", path}, {"model", ckpt->spec.to_string()}, {"kind", ckpt->meta_or("kind", "float")},
                {"accuracy", r.accuracy}, {"loss", r.loss}, {"images", r.images}});
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s on %s split: accuracy %.2f%% (%lld images), loss %.4f", path.c_str(),
                  split_name(split), 100 * r.accuracy, static_cast<long long>(r.images), r.loss);
    text = buf;
  } else {
    IntegerEval r = evaluate_integer(*blob, *data, model.get(), batch);
    const double acc = r.images ? static_cast<double>(r.correct) / static_cast<double>(r.images) : 0.0;
    out.update({{"model", vm["model"].as<std::string>()}, {"path", "integer"}, {"accuracy", acc}, {"images", r.images}});
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s (integer) on %s split: accuracy %.2f%% (%lld images)",
                  vm["model"].as<std::string>().c_str(), split_name(split), 100 * acc, static_cast<long long>(r.images));
    text = buf;
    if (model) {
      EvalResult f = evaluate(*model, *data, batch);
      const double agreement = static_cast<double>(r.agree) / static_cast<double>(std::max<int64_t>(1, r.images));
      out.update({{"checkpoint", path}, {"checkpoint_accuracy", f.accuracy}, {"top1_agreement", agreement}});
      std::snprintf(buf, sizeof buf, "\n%s (%s) accuracy %.2f%%; top-1 agreement with the integer path %.2f%%",
                    path.c_str(), ckpt->meta_or("kind", "float").c_str(), 100 * f.accuracy, 100 * agreement);
      text += buf;
    }
  }
  out["seconds"] = timer.seconds();
  if (vm.count("json")) std::cout << out.dump(2) << "\n";
  else std::printf("%s, %s\n", text.c_str(), format_duration(timer.seconds()).c_str());
  return 0;
}

}  // namespace mpq::cli
