// Constants of the integer model blob (.mpqm) layout, docs/blob-format.md. Only <cstdint>:
// the record codecs beside it (op_record.hpp, blob_header.hpp, buffer_record.hpp) read and
// write the fields at these offsets, on the device and on the host alike.
#pragma once

#include <cstdint>

namespace mpq::blob {

constexpr uint8_t kMagic[4] = {'M', 'P', 'Q', 'M'};
// 2: a b-bit weight code counts as code * 2^(8 - b) in the accumulator, so the bias and
// multiplier of sub-byte weights are in s_in * s_w / 2^(8 - b) (version 1: s_in * s_w).
// Version 1 blobs of sub-byte weights would be misread, so they are refused (bad_version).
// 3: adds the op kinds maxpool and avgpool2d, nothing else. A writer stamps the oldest
// version that holds its ops (version_needed), so that blobs without them keep their
// version 2 bytes; readers read both.
// 4: a window per axis and side (non-square kernels, a stride per axis, a padding per
// side) in the long form of the op record's window fields, nothing else. A square window
// keeps the short form (kernel, stride, padding; the long form's fields 0), so blobs of
// square windows keep their version 2 or 3 bytes.
constexpr uint16_t kVersion = 4;        // the newest version, the one this build reads up to
constexpr uint16_t kOldestVersion = 2;  // the oldest version this build reads
constexpr uint32_t kSectionAlignment = 4;  // every section starts on a multiple of 4
constexpr uint32_t kHeaderBytes = 64;
constexpr uint32_t kInputLutBytesPerChannel = 256;  // raw pixel 0..255 -> 8-bit input code
constexpr uint32_t kOpRecordBytes = 96;
constexpr uint32_t kBufferRecordBytes = 12;
constexpr uint32_t kChannelParamBytes = 12;  // int32 bias, multiplier and shift per channel
constexpr uint16_t kNoBuffer = 0xFFFF;        // buffer id field of an absent buffer

// Op record `kind` values (QOpKind on the host; a new kind needs a new blob version).
namespace op_kind {
constexpr uint8_t conv = 0;
constexpr uint8_t depthwise = 1;
constexpr uint8_t fc = 2;
constexpr uint8_t add = 3;
constexpr uint8_t avgpool = 4;    // global average pooling
constexpr uint8_t maxpool = 5;    // version 3
constexpr uint8_t avgpool2d = 6;  // average pooling over a window, version 3
constexpr uint8_t count = 7;
}  // namespace op_kind

// The oldest blob version with op kind `kind` (< op_kind::count).
constexpr uint16_t version_needed(uint8_t kind) { return kind >= op_kind::maxpool ? 3 : 2; }
static_assert(version_needed(op_kind::count - 1) <= kVersion, "every kind is readable");
// The oldest blob version with a long-form window (op::kernel_w != 0).
constexpr uint16_t kLongWindowVersion = 4;
static_assert(kLongWindowVersion <= kVersion, "the long form is readable");

// Op record `flags` bits; every other bit is 0.
constexpr uint8_t kOpFlagReluOutput = 1;       // conv, depthwise, fc
constexpr uint8_t kOpFlagCountIncludePad = 2;  // avgpool2d: padding counts in the divisor
// depthwise, and conv when the pointwise kernel runs it (1x1, stride 1, no padding): runs
// in place, its output over its input (libmpq/runtime/inplace_pairs.hpp; load_model
// refuses it on an op that is not eligible). Loaders before it refuse it (bad_op_field; on
// a conv, loaders before in-place pointwise), so no version bump was needed.
constexpr uint8_t kOpFlagInPlace = 4;
// depthwise outside a patch stage: its scratch buffer is the fast kernel's one-chunk size
// (kernels::depthwise_convolve_fast_get_one_chunk_buffer_size), so a layer that could go
// in chunks expands its weights once per call, not once per output row. The planner sets
// it where the arena does not grow (docs/memory-model.md, "Scratch"). Loaders before it
// refuse it (bad_op_field), so no version bump was needed.
constexpr uint8_t kOpFlagOneChunk = 8;

// Header fields: byte offsets.
namespace header {
constexpr uint32_t magic = 0;               // 4 x u8 "MPQM"
constexpr uint32_t version = 4;             // u16
constexpr uint32_t op_count = 6;            // u16
constexpr uint32_t total_bytes = 8;         // u32, the whole blob
constexpr uint32_t crc32 = 12;              // u32, CRC-32 of bytes [kHeaderBytes, total_bytes)
constexpr uint32_t arena_bytes = 16;        // u32
constexpr uint32_t buffer_count = 20;       // u16
constexpr uint32_t arena_alignment = 22;    // u16
constexpr uint32_t input_h = 24;            // u16
constexpr uint32_t input_w = 26;            // u16
constexpr uint32_t input_c = 28;            // u16
constexpr uint32_t classes = 30;            // u16
constexpr uint32_t output_zero_point = 32;  // i32
constexpr uint32_t output_scale = 36;       // f32 (host-side display only)
constexpr uint32_t input_lut_offset = 40;   // u32
constexpr uint32_t ops_offset = 44;         // u32
constexpr uint32_t buffers_offset = 48;     // u32
constexpr uint32_t data_offset = 52;        // u32, first weight section
constexpr uint32_t output_buffer = 56;      // u16
constexpr uint32_t output_bits = 58;        // u8
constexpr uint32_t flags = 59;              // u8, 0
// The patch stage (runtime/patch_stage.hpp), all 0 without one. These were reserved
// bytes that a reader must find 0, so a runtime that predates them refuses a patched
// blob (bad_header_field) instead of running it layer by layer against a tile-sized plan.
constexpr uint32_t patch_first_op = 60;     // u16
constexpr uint32_t patch_op_count = 62;     // u8, 0: no stage
constexpr uint32_t patch_grid = 63;         // u8, tiles per side
static_assert(patch_grid + 1 == kHeaderBytes, "header fields fill the header");
}  // namespace header

// Op record fields: byte offsets from the record's start.
namespace op {
constexpr uint32_t kind = 0;                // u8: 0 conv, 1 depthwise, 2 fc, 3 add, 4 avgpool,
                                            //     5 maxpool, 6 avgpool2d
constexpr uint32_t flags = 1;               // u8: bit 0 output after ReLU/ReLU6, bit 1 count_include_pad
constexpr uint32_t input_bits = 2;          // u8
constexpr uint32_t input2_bits = 3;         // u8 (add; else 0)
constexpr uint32_t weight_bits = 4;         // u8 (0 without weights)
constexpr uint32_t output_bits = 5;         // u8
// The window: short form (kernel_w 0) a square kernel, one stride and one padding on all
// four sides (kernel 1, stride 1, padding 0 for fc/add/avgpool); long form (version 4,
// conv/depthwise/maxpool/avgpool2d whose window is not square) kernel, stride and
// padding are the H axis's and the top's, the other axis and sides in kernel_w ...
// pad_right. A square window is always in the short form.
constexpr uint32_t kernel = 6;              // u8, kernel height (short form: both axes)
constexpr uint32_t stride = 7;              // u8, stride along H (short form: both axes)
constexpr uint32_t padding = 8;             // u8, top padding (short form: all four sides)
constexpr uint32_t kernel_w = 9;            // u8, long form: kernel width; short form: 0
constexpr uint32_t stride_w = 10;           // u8, long form: stride along W; short form: 0
constexpr uint32_t pad_bottom = 11;         // u8, long form; short form: 0
constexpr uint32_t in_h = 12;               // u16 (fc: 1)
constexpr uint32_t in_w = 14;               // u16 (fc: 1)
constexpr uint32_t in_c = 16;               // u16
constexpr uint32_t out_h = 18;              // u16
constexpr uint32_t out_w = 20;              // u16
constexpr uint32_t out_c = 22;              // u16
constexpr uint32_t input_buffer = 24;       // u16
constexpr uint32_t input2_buffer = 26;      // u16 (add; else 0xFFFF)
constexpr uint32_t output_buffer = 28;      // u16
constexpr uint32_t scratch_buffer = 30;     // u16 (0xFFFF: none)
constexpr uint32_t input_zero_point = 32;   // i32
constexpr uint32_t input2_zero_point = 36;  // i32
constexpr uint32_t output_zero_point = 40;  // i32
constexpr uint32_t output_min = 44;         // i32
constexpr uint32_t output_max = 48;         // i32
constexpr uint32_t input_multiplier = 52;   // i32 (add: input 1; avgpool: the pool's)
constexpr uint32_t input_shift = 56;        // i32
constexpr uint32_t input2_multiplier = 60;  // i32 (add)
constexpr uint32_t input2_shift = 64;       // i32 (add)
constexpr uint32_t output_multiplier = 68;  // i32 (add)
constexpr uint32_t output_shift = 72;       // i32 (add)
constexpr uint32_t left_shift = 76;         // i32 (add)
constexpr uint32_t weights_offset = 80;     // u32 from the blob's start (0: none)
constexpr uint32_t weights_bytes = 84;      // u32 packed bytes, before padding
constexpr uint32_t channel_params_offset = 88;  // u32: bias[C], multiplier[C], shift[C] (0: none)
constexpr uint32_t pad_left = 92;           // u8, long form; short form: 0
constexpr uint32_t pad_right = 93;          // u8, long form; short form: 0
constexpr uint32_t reserved1 = 94;          // 2 x u8, 0
static_assert(reserved1 + 2 == kOpRecordBytes, "op fields fill the record");
}  // namespace op

// Buffer record fields (the planned arena): byte offsets.
namespace buffer {
constexpr uint32_t size = 0;        // u32 exact bytes
constexpr uint32_t first_step = 4;  // u16
constexpr uint32_t last_step = 6;   // u16
constexpr uint32_t offset = 8;      // u32 in the arena
static_assert(offset + 4 == kBufferRecordBytes, "buffer fields fill the record");
}  // namespace buffer

}  // namespace mpq::blob
