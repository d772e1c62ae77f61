# Cross build for ARM boards on an amd64 Debian 12 machine: Debian's cross compiler
# against a sysroot of Debian's own packages (scripts/cross_sysroot.sh). LOAXA_DEB_ARCH
# says which: arm64 (Raspberry Pi 3/4/5 class, 64-bit) or armhf (older and 32-bit
# boards). Usage (`make deb-arm64` and `make deb-armhf` do it):
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/debian-cross.cmake \
#         -DLOAXA_DEB_ARCH=arm64 -DCMAKE_SYSROOT=$(scripts/cross_sysroot.sh arm64)
# Test programs run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so gtest's test
# discovery works as on the build machine.
if(NOT LOAXA_DEB_ARCH)
  set(LOAXA_DEB_ARCH arm64)
endif()
if(LOAXA_DEB_ARCH STREQUAL "arm64")
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  set(loaxa_triplet aarch64-linux-gnu)
  set(loaxa_qemu qemu-aarch64-static)
elseif(LOAXA_DEB_ARCH STREQUAL "armhf")
  set(CMAKE_SYSTEM_PROCESSOR armv7l)
  set(loaxa_triplet arm-linux-gnueabihf)
  set(loaxa_qemu qemu-arm-static)
  # GCC notes on every std::vector iterator passed by value that its ARM ABI changed
  # in GCC 7.1; the whole program and its libraries are built by GCC 12. Files over
  # 2 GiB (a long 1080p clip) open and stat with 64-bit offsets, as Debian builds the
  # libraries. time_t stays 32-bit as in the rest of bookworm's armhf (2038 is past a
  # box's ten years; trixie moves the whole architecture to 64-bit time).
  set(CMAKE_C_FLAGS_INIT "-D_FILE_OFFSET_BITS=64")
  set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi -D_FILE_OFFSET_BITS=64")
else()
  message(FATAL_ERROR "LOAXA_DEB_ARCH=${LOAXA_DEB_ARCH}: the cross builds are arm64 and armhf")
endif()
# Try-compiles see the cache variables that choose the target.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES LOAXA_DEB_ARCH)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${loaxa_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${loaxa_triplet}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${loaxa_triplet})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
if(CMAKE_SYSROOT)
  # pkg-config reads the sysroot's .pc files and prefixes their paths with it.
  set(ENV{PKG_CONFIG_DIR} "")
  set(ENV{PKG_CONFIG_LIBDIR}
      "${CMAKE_SYSROOT}/usr/lib/${loaxa_triplet}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
  set(CMAKE_CROSSCOMPILING_EMULATOR ${loaxa_qemu} -L ${CMAKE_SYSROOT} -E
      LD_LIBRARY_PATH=/lib/${loaxa_triplet}:/usr/lib/${loaxa_triplet})
endif()
# The package's architecture and its shlibs dependencies: dpkg-shlibdeps looks the
# libraries up in the sysroot's dpkg database.
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${LOAXA_DEB_ARCH})
