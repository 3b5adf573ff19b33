// Everything libmpq/runtime offers, for users who want one include: load a blob once
// (load_model), run it on images (run_model), read the output (model_output).
#pragma once

#include "libmpq/runtime/blob_format.hpp"
#include "libmpq/runtime/blob_header.hpp"
#include "libmpq/runtime/buffer_record.hpp"
#include "libmpq/runtime/crc32.hpp"
#include "libmpq/runtime/kernel_table.hpp"
#include "libmpq/runtime/load_model.hpp"
#include "libmpq/runtime/model_output.hpp"
#include "libmpq/runtime/model_view.hpp"
#include "libmpq/runtime/op_record.hpp"
#include "libmpq/runtime/op_requirements.hpp"
#include "libmpq/runtime/plan_arena.hpp"
#include "libmpq/runtime/run_model.hpp"
#include "libmpq/runtime/status.hpp"
