#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "libmpq/core/atomic_file.hpp"
#include "libmpq/core/error.hpp"
#include "libmpq/nn/softmax_cross_entropy.hpp"
#include "libmpq/train/distillation.hpp"
#include "libmpq/train/finetune.hpp"
#include "libmpq/train/trainer.hpp"
#include "nn/tiny_model.hpp"
#include "temp_dir.hpp"
#include "train/synthetic_data.hpp"

namespace {

using SyntheticData = mpq::test::SyntheticData;

struct Fixture {
  SyntheticData train{192, 1}, val{64, 2};
  mpq::test::TempDir tmp{"trainer"};  // removed after each test case
  std::string dir = tmp.path();
  mpq::TrainOptions options(const std::string& ckpt) {
    mpq::TrainOptions o;
    o.epochs = 4;
    o.batch_size = 32;
    o.lr = 0.05f;
    o.quiet = true;
    o.checkpoint_path = ckpt;
    return o;
  }
};

struct Killed {};

std::vector<float> flat_parameters(mpq::Model& m) {
  std::vector<float> v;
  for (auto* p : m.parameters()) v.insert(v.end(), p->value.data(), p->value.data() + p->value.size());
  for (auto& b : m.named_buffers()) v.insert(v.end(), b.second->data(), b.second->data() + b.second->size());
  return v;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(trainer, Fixture)

BOOST_AUTO_TEST_CASE(training_reaches_high_validation_accuracy_on_learnable_data) {
  auto m = mpq::test::tiny_model();
  auto o = options("");
  o.epochs = 12;
  mpq::Trainer t(m, train, &val, o);
  auto h = t.run();
  BOOST_TEST(h.size() == 12u);
  BOOST_TEST(h.back().train_loss < h.front().train_loss);
  BOOST_TEST(h.back().val_accuracy > 0.9);
  BOOST_TEST(mpq::evaluate(m, val).accuracy == h.back().val_accuracy);
}

BOOST_AUTO_TEST_CASE(a_killed_run_resumed_from_its_checkpoint_ends_bit_identical) {
  auto full = mpq::test::tiny_model();
  mpq::Trainer a(full, train, &val, options(dir + "/full.mpqc"));
  a.run();

  auto first = mpq::test::tiny_model();
  mpq::Trainer b(first, train, &val, options(dir + "/killed.mpqc"));
  BOOST_CHECK_THROW(b.run([](const mpq::EpochStats& s) {
    if (s.epoch == 2) throw Killed{};
  }),
                    Killed);
  auto resumed = mpq::test::tiny_model(8, 3, 77);  // different init: everything must come from the file
  mpq::Trainer c(resumed, train, &val, options(dir + "/killed.mpqc"));
  c.resume(mpq::load_checkpoint(dir + "/killed.mpqc"), "killed.mpqc");
  BOOST_TEST(c.completed_epochs() == 2);
  auto h = c.run();
  BOOST_TEST(h.size() == 4u);
  BOOST_TEST(flat_parameters(resumed) == flat_parameters(full));
  BOOST_TEST(h.back().val_accuracy == a.history().back().val_accuracy);
}

BOOST_AUTO_TEST_CASE(resume_rejects_a_checkpoint_of_another_model_or_kind) {
  auto m = mpq::test::tiny_model();
  auto o = options(dir + "/x.mpqc");
  o.epochs = 1;
  mpq::Trainer(m, train, &val, o).run();
  mpq::Checkpoint ckpt = mpq::load_checkpoint(dir + "/x.mpqc");
  auto other = mpq::test::tiny_model(8, 3);
  auto o2 = o;
  o2.checkpoint_kind = "finetune";
  mpq::Trainer t(other, train, &val, o2);
  BOOST_CHECK_THROW(t.resume(ckpt, "x.mpqc"), mpq::Error);
}

BOOST_AUTO_TEST_CASE(mismatched_data_and_model_are_rejected) {
  auto m = mpq::test::tiny_model(8, 5);  // 5 classes, data has 3
  BOOST_CHECK_THROW(mpq::Trainer(m, train, &val, options("")), mpq::Error);
}

BOOST_AUTO_TEST_CASE(inference_in_chunks_gives_the_logits_of_one_pass) {
  auto m = mpq::test::tiny_model();
  mpq::Rng rng(5);
  mpq::Tensor images;
  std::vector<int32_t> labels;
  mpq::test::synthetic_batch(rng, 11, 8, 3, images, labels);
  const mpq::Tensor whole = m.forward(images, false);
  // The tiny model's largest activation is 8x8x8 = 512 floats: chunks of 3 images.
  BOOST_TEST(mpq::inference_chunk(m, 3 * 512 + 100) == 3);
  mpq::Tensor chunked;
  mpq::infer_in_chunks(m, images, chunked, 3 * 512 + 100);
  BOOST_TEST(chunked.shape() == whole.shape());
  // Equal up to float rounding: the GEMMs' blocking depends on the batch size, so
  // results of different batch sizes may differ in the last bits (as they always did).
  for (int64_t i = 0; i < whole.size(); ++i)
    BOOST_TEST(std::abs(chunked[i] - whole[i]) <= 1e-5f * (1.f + std::abs(whole[i])));
  mpq::infer_in_chunks(m, images, chunked);  // one chunk: the very same computation
  for (int64_t i = 0; i < whole.size(); ++i) BOOST_TEST(chunked[i] == whole[i]);
}

BOOST_AUTO_TEST_CASE(resume_refuses_an_epoch_that_is_not_a_whole_number_in_range) {
  auto m = mpq::test::tiny_model();
  auto o = options(dir + "/e.mpqc");
  o.epochs = 1;
  mpq::Trainer(m, train, &val, o).run();
  for (const char* epoch : {"abc", "-1", "9223372036854775807", "99999999999999999999"}) {
    mpq::Checkpoint ckpt = mpq::load_checkpoint(dir + "/e.mpqc");
    ckpt.meta["epoch"] = epoch;
    mpq::Trainer t(m, train, &val, o);
    try {
      t.resume(ckpt, "e.mpqc");
      BOOST_ERROR("accepted epoch " << epoch);
    } catch (const mpq::Error& e) {
      BOOST_TEST(std::string(e.what()).find("e.mpqc: metadata 'epoch' is '") == 0u, e.what());
    }
  }
  mpq::Checkpoint ckpt = mpq::load_checkpoint(dir + "/e.mpqc");
  ckpt.meta["optimizer.steps"] = "1e99";
  mpq::Trainer t(m, train, &val, o);
  t.resume(ckpt, "e.mpqc");  // epoch 1 of 1: the optimizer is restored only when epochs remain
  o.epochs = 2;
  mpq::Trainer more(m, train, &val, o);
  more.resume(ckpt, "e.mpqc");
  BOOST_CHECK_THROW(more.run(), mpq::Error);
}

BOOST_AUTO_TEST_CASE(epochs_and_batch_sizes_past_the_bounds_are_refused) {
  auto m = mpq::test::tiny_model();
  auto o = options("");
  o.epochs = std::numeric_limits<int64_t>::max();
  BOOST_CHECK_THROW(mpq::Trainer(m, train, &val, o), mpq::Error);
  o = options("");
  o.batch_size = std::numeric_limits<int64_t>::max();
  BOOST_CHECK_THROW(mpq::Trainer(m, train, &val, o), mpq::Error);
}

// The distillation term's gradient against finite differences of the mixed loss
// (1 - w) * CE + w * T^2 * KL(p_t || p_s).
BOOST_AUTO_TEST_CASE(distillation_gradient_matches_finite_differences) {
  mpq::Rng rng(4);
  const int64_t n = 3, k = 5;
  mpq::Tensor s({n, k}), t({n, k});
  for (int64_t i = 0; i < s.size(); ++i) {
    s[i] = 2.f * rng.normal();
    t[i] = 2.f * rng.normal();
  }
  const std::vector<int32_t> labels{1, 4, 0};
  const float w = 0.7f, temperature = 2.5f;
  auto mixed = [&](const mpq::Tensor& logits) {
    mpq::Tensor g;
    const double ce = mpq::softmax_cross_entropy(logits, labels, &g).loss;
    return (1 - w) * ce + w * mpq::mix_distillation_gradient(logits, t, w, temperature, g);
  };
  mpq::Tensor grad;
  mpq::softmax_cross_entropy(s, labels, &grad);
  mpq::mix_distillation_gradient(s, t, w, temperature, grad);
  for (int64_t i = 0; i < s.size(); ++i) {
    mpq::Tensor plus = s, minus = s;
    plus[i] += 1e-3f;
    minus[i] -= 1e-3f;
    const double numeric = (mixed(plus) - mixed(minus)) / 2e-3;
    BOOST_TEST(std::abs(grad[i] - numeric) < 1e-3, "logit " << i << ": " << grad[i] << " vs " << numeric);
  }
  // Student = teacher: no distillation loss.
  mpq::Tensor g2 = mpq::Tensor({n, k}, 0.f);
  BOOST_TEST(mpq::mix_distillation_gradient(t, t, 1.f, temperature, g2) < 1e-9);
}

// A policy with any 2-bit tensor is learned again at 0.01; at 4 and 8 bits the calibrated
// model is kept close at 0.001.
BOOST_AUTO_TEST_CASE(default_finetune_lr_is_low_unless_a_tensor_has_two_bits) {
  mpq::Policy policy;
  policy.layers.resize(3);
  policy.layers[1].w_bits = 4;
  policy.layers[2].a_bits = 4;
  BOOST_TEST(mpq::default_finetune_lr(policy) == 0.001f);
  policy.layers[2].a_bits = 2;
  BOOST_TEST(mpq::default_finetune_lr(policy) == 0.01f);
  policy.layers[2].a_bits = 8;
  policy.layers[0].w_bits = 2;
  BOOST_TEST(mpq::default_finetune_lr(policy) == 0.01f);
}

BOOST_AUTO_TEST_SUITE_END()
