#pragma once

#include <cstdint>

#include "libmpq/mcu/memory_model.hpp"

namespace mpq {

// FLASH of a model whose weights are k-means codebooks (libmpq/quant's
// KmeansWeightQuantized, HAQ's non-uniform reference), for comparing it with uniform
// policies at the same FLASH. Such a model has no blob; it is counted as the blob of the
// same bits (b-bit indices packed exactly like b-bit uniform weights, the per-channel
// bias, multiplier and shift, records, header and input table: what a device would still
// need) plus one codebook per weighted layer of 2^b centroids stored as 32-bit floats. Float
// centroids are what the fine-tune trains and what Deep Compression and HAQ count; int8
// centroids would be a second quantization the fine-tune does not model, and at 2 and 4
// bits the codebook (16 or 64 bytes) is small either way. At 8 bits it is 1 KiB per layer.
constexpr uint32_t kKmeansCentroidBytes = 4;

// 2^bits * kKmeansCentroidBytes (bits 2, 4 or 8; else Error).
uint32_t kmeans_codebook_bytes(int bits);

// uniform.flash_bytes plus the codebook of every op with weights (OpMemory::weight_bits),
// where `uniform` is the memory report of the same policy (policy_memory).
uint32_t kmeans_flash_bytes(const MemoryReport& uniform);

}  // namespace mpq
