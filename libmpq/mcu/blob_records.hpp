// The fixed-size records of the model blob on the host: the runtime's structs and codecs
// (rt::BlobHeader, rt::OpRecord, buffer records), a header decoder that throws on a foreign
// file, and the header and skeleton blob of a BlobLayout. The exporter adds the
// quantization parameters; docs/blob-format.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libmpq/mcu/blob_layout.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/op_record.hpp"

namespace mpq {

using rt::BlobHeader;
using rt::decode_blob_header;
using rt::decode_buffer_record;
using rt::decode_op_record;
using rt::encode_blob_header;
using rt::encode_buffer_record;
using rt::encode_op_record;
using rt::OpRecord;

// rt::decode_blob_header that throws Error naming `what` on a wrong magic or version.
BlobHeader decode_blob_header(const uint8_t* in, const std::string& what);

// Every header field the layout determines; the output zero point and scale and the CRC
// are left 0 for the exporter.
BlobHeader blob_header(const BlobLayout& layout);

// Header, input LUT, op records, buffer table and data sections of a blob, each encoded
// once; set_blob_crc then writes the CRC over the rest. blob_skeleton is the blob of
// blob_header(layout) and layout.records with a zero input LUT and zero data sections.
void encode_blob_tables(const BlobHeader& header, const std::vector<OpRecord>& records, const BlobLayout& layout,
                        std::vector<uint8_t>& blob);
std::vector<uint8_t> blob_skeleton(const BlobLayout& layout);
void set_blob_crc(std::vector<uint8_t>& blob);

}  // namespace mpq
