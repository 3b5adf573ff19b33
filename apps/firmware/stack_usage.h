/* How much stack a call needs, measured on the target by painting: fill a window below
 * the current stack pointer with a pattern, make the call, then find the deepest word that
 * no longer holds it. Interrupts that run in between count too (the examples use none). */
#ifndef APPS_FIRMWARE_STACK_USAGE_H
#define APPS_FIRMWARE_STACK_USAGE_H

#include <stdint.h>

/* Paints `window_bytes` (a multiple of 4) below the stack pointer. Call it right before
 * the call to measure, from the same function. */
void mpq_paint_stack(uint32_t window_bytes);

/* Bytes between the stack pointer mpq_paint_stack() saw and the deepest overwritten word:
 * the peak stack of what ran since, to within mpq_paint_stack's own small frame. Equal to
 * window_bytes when the whole window was used (then the peak is at least that). */
uint32_t mpq_painted_stack_used(void);

#endif
