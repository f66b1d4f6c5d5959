# Every dependency is a Debian package found through pkg-config:
# libelf-dev, libdw-dev, libunwind-dev, libcjson-dev, libinih-dev.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(LIBDW REQUIRED IMPORTED_TARGET libdw)
pkg_check_modules(LIBUNWIND_PTRACE REQUIRED IMPORTED_TARGET libunwind-ptrace)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
# The pprof export (client/export/pprof.c): protobuf-c's runtime and its
# code generator protoc-c (libprotobuf-c-dev, protobuf-c-compiler), and
# zlib (zlib1g-dev) to gzip the result as pprof files are stored.
pkg_check_modules(PROTOBUF_C REQUIRED IMPORTED_TARGET libprotobuf-c)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
find_program(PROTOC_C protoc-c REQUIRED)
