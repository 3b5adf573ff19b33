# CMake toolchain file: bare-metal Cortex-M4F with the GNU Arm Embedded toolchain and
# newlib-nano (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi), the same flags as
# libmpq's cross/arm-none-eabi.ini + cross/cortex-m4f.ini. For another core, copy it and
# change CMAKE_SYSTEM_PROCESSOR and the CPU flags: they must equal those libmpq_fw was
# built with (its .pc says them: `pkg-config --variable=target_flags libmpq_fw`).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
# CMake's compiler checks cannot link without the board's linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(cpu_flags "-mthumb -mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16")
set(CMAKE_C_FLAGS_INIT "${cpu_flags} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${cpu_flags} -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti")
# newlib-nano with semihosting (printf and the exit status through QEMU or a debugger).
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs --specs=rdimon.specs -Wl,--gc-sections")

# Programs (pkg-config, qemu) come from the build machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
