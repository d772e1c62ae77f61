# Cross build for arm64 boards (Raspberry Pi class) on an amd64 Debian 12 machine:
# Debian's cross compiler (g++-aarch64-linux-gnu) against an arm64 sysroot of Debian's
# own packages (scripts/arm64_sysroot.sh). Usage (`make deb-arm64` does it):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DCMAKE_SYSROOT=$(scripts/arm64_sysroot.sh)
# Test programs run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so gtest's test
# discovery works as on the build machine.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(CMAKE_SYSROOT)
  # pkg-config reads the sysroot's .pc files and prefixes their paths with it.
  set(ENV{PKG_CONFIG_DIR} "")
  set(ENV{PKG_CONFIG_LIBDIR}
      "${CMAKE_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
  set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static -L ${CMAKE_SYSROOT} -E
      LD_LIBRARY_PATH=/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu)
endif()
# The package's architecture and its shlibs dependencies: dpkg-shlibdeps looks the
# libraries up in the sysroot's dpkg database.
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
