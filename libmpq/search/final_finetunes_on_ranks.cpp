#include "libmpq/search/final_finetunes_on_ranks.hpp"

#include "libmpq/core/byte_io.hpp"
#include "libmpq/core/work_units_io.hpp"
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
        write_final_run(w, run);
        write_work_units(w, work);
        w.f64(timer.seconds());
        return w.bytes();
      },
      [&](int64_t index, const std::string& bytes) {
        const FinalFinetuneJob& j = jobs[static_cast<size_t>(index)];
        ByteReader r(bytes, "a final fine-tune from another rank");
        read_final_run(r, *j.row);
        const WorkUnits work = read_work_units(r);
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
