#include "libmpq/search/final_finetunes_on_ranks.hpp"

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/timer.hpp"
#include "libmpq/dist/run_on_ranks.hpp"

namespace mpq {

void final_finetunes_on_ranks(const std::vector<FinalFinetuneJob>& jobs, const std::function<void(size_t)>& starting) {
  dist::run_on_ranks(
      static_cast<int64_t>(jobs.size()),
      [&](int64_t index) {
        const FinalFinetuneJob& j = jobs[static_cast<size_t>(index)];
        Timer timer;
        FinalResult run;  // this job's run alone
        const WorkUnits work = final_finetune(*j.float_ckpt, j.float_path, *j.graph, *j.policy, *j.train, *j.val,
                                              *j.test, j.epochs, j.seed, j.path, run, j.kmeans_weights, j.patch,
                                              j.ram_budget, j.quantizer, j.code);
        ByteWriter w;
        w.f64(run.val_runs.at(0));
        w.f64(run.test_runs.at(0));
        w.str(run.bits);
        w.str(run.model);
        w.u32(run.flash);
        w.u32(run.model_flash);
        w.u32(run.code_flash);
        w.u32(run.ram);
        w.str(run.patch);
        w.str(run.patch_op);
        w.u8(run.patch_stream ? 1 : 0);
        w.u32(run.unpatched_ram);
        w.i64(run.macs);
        w.i64(run.patched_macs);
        w.i64(work.evaluations);
        w.i64(work.train_batches);
        w.i64(work.val_images);
        w.f64(timer.seconds());
        return w.bytes();
      },
      [&](int64_t index, const std::string& bytes) {
        const FinalFinetuneJob& j = jobs[static_cast<size_t>(index)];
        ByteReader r(bytes, "a final fine-tune from another rank");
        FinalResult& row = *j.row;
        row.val_runs.push_back(r.f64("validation accuracy"));
        row.test_runs.push_back(r.f64("test accuracy"));
        // The policy's memory is the same for every seed: taken from the first run.
        const std::string bits = r.str("bits"), model = r.str("model");
        const uint32_t flash = r.u32("flash"), model_flash = r.u32("model FLASH"), code_flash = r.u32("code FLASH");
        const uint32_t ram = r.u32("ram");
        const std::string patch = r.str("patch stage"), patch_op = r.str("patch stage's last op");
        const bool patch_stream = r.flag("streamed input");
        const uint32_t unpatched_ram = r.u32("RAM layer by layer");
        const int64_t macs = r.i64("MACs"), patched_macs = r.i64("MACs with the stage");
        if (row.test_runs.size() == 1) {
          row.bits = bits;
          row.model = model;
          row.flash = flash;
          row.model_flash = model_flash;
          row.code_flash = code_flash;
          row.ram = ram;
          row.patch = patch;
          row.patch_op = patch_op;
          row.patch_stream = patch_stream;
          row.unpatched_ram = unpatched_ram;
          row.macs = macs;
          row.patched_macs = patched_macs;
        }
        WorkUnits work;
        work.evaluations = r.i64("evaluations");
        work.train_batches = r.i64("training batches");
        work.val_images = r.i64("validation images");
        const double seconds = r.f64("seconds");
        if (j.stage) {
          j.stage->work += work;
          j.stage->seconds += seconds;
        }
      },
      [&](int64_t first, int64_t last) {
        if (starting)
          for (int64_t i = first; i < last; ++i) starting(static_cast<size_t>(i));
      });
}

}  // namespace mpq
