// Minimal freestanding start-up for the QEMU Cortex-M boards the firmware tests and
// benchmarks run on: the vector table and a Reset_Handler that turns the FPU on (when the
// build uses one) and hands over to newlib's _start (rdimon crt0: zeroes .bss, sets up
// semihosting, calls main, passes main's return value to QEMU as its exit status).
#include <cstdint>

extern "C" {
extern uint32_t __stack_top;  // from the linker script
[[noreturn]] void _start();
[[noreturn]] void _exit(int status);

// An unexpected exception ends the run with exit status 128 + its number (131 for a
// HardFault) instead of hanging QEMU.
void Default_Handler() {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  _exit(128 + static_cast<int>(ipsr & 0x1FFu));
}

// Plain integer code only: the FPU is off until CPACR enables it.
[[noreturn]] void Reset_Handler() {
#if defined(__ARM_FP)
  volatile uint32_t* const cpacr = reinterpret_cast<volatile uint32_t*>(0xE000ED88u);
  *cpacr = *cpacr | (0xFu << 20);  // full access to CP10 and CP11
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  _start();
}

using Vector = void (*)();
// The 16 system exception vectors; the tests use no interrupts.
__attribute__((section(".isr_vector"), used)) const Vector vector_table[16] = {
    reinterpret_cast<Vector>(&__stack_top),
    Reset_Handler,
    Default_Handler,  // NMI
    Default_Handler,  // HardFault
    Default_Handler,  // MemManage
    Default_Handler,  // BusFault
    Default_Handler,  // UsageFault
    Default_Handler,  // SecureFault (Armv8-M)
    nullptr,
    nullptr,
    nullptr,
    Default_Handler,  // SVCall
    Default_Handler,  // DebugMonitor
    nullptr,
    Default_Handler,  // PendSV
    Default_Handler,  // SysTick
};
}
