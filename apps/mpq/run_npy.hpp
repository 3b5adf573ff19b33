#pragma once

#include "cli.hpp"

namespace mpq::cli {

// mpq run --npy X: prints the logits of every row of X (N x C x H x W, float32 or uint8)
// from --checkpoint (float or fake-quant) or --model (integer, dequantized scores);
// {"logits": [[...], ...]} with --json. Throws Error naming the file for an array that
// does not fit the model.
int run_npy(const po::variables_map& vm);

}  // namespace mpq::cli
