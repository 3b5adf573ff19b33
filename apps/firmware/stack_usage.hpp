// How much stack a call needs, measured on the target by painting: fill a window below
// the current stack pointer with a pattern, make the call, then find the deepest word that
// no longer holds it. Interrupts that run in between count too (the examples use none).
#pragma once

#include <cstdint>

namespace mpq::firmware {

// Paints `window_bytes` (a multiple of 4) below the stack pointer. Call it right before
// the call to measure, from the same function.
void paint_stack(uint32_t window_bytes);

// Bytes between the stack pointer paint_stack() saw and the deepest overwritten word:
// the peak stack of what ran since, to within paint_stack's own small frame. Equal to
// window_bytes when the whole window was used (then the peak is at least that).
uint32_t painted_stack_used();

}  // namespace mpq::firmware
