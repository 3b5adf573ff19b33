// The blob layout constants moved to libmpq/runtime (the device parser needs them and
// runtime includes nothing from host folders); this keeps mcu's includes working.
#pragma once

#include "libmpq/runtime/blob_format.hpp"
