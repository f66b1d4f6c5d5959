# `cmake --install BUILD --prefix P` lays fixingahole out as the client
# expects to find it from any prefix (common/install_paths.h):
#   P/bin/fixingahole, P/bin/fixingaholed
#   P/lib/fixingahole/libfixingahole_alloc.so   (preloaded by --memory only)
#   P/share/fixingahole/fixingahole_bootstrap.py, fixingahole_bootstrap_main.py
#   P/share/man/man1/fixingahole.1, P/share/man/man8/fixingaholed.8
# `cpack -G DEB` (in BUILD) packages the same tree under /usr, with the
# shared-library dependencies computed by dpkg-shlibdeps.
install(TARGETS fixingahole fixingaholed RUNTIME DESTINATION bin)
install(TARGETS fixingahole_alloc LIBRARY DESTINATION lib/fixingahole)
install(FILES ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/fixingahole_bootstrap.py
              ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/fixingahole_bootstrap_main.py
        DESTINATION share/fixingahole)
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/fixingahole.1 DESTINATION share/man/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/man/fixingaholed.8 DESTINATION share/man/man8)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/fixingahole)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fixingahole)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "fixingahole developers <fixingahole@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "line-level Python profiler that samples from outside the process")
set(CPACK_PACKAGE_DESCRIPTION
    "fixingahole profiles Python scripts, notebooks and running processes with a\nptrace-based sampling daemon: per-line CPU and memory blame, no changes to\nthe profiled program.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not a library dependency, but what every profile runs.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "python3")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-dbg")
# The bootstrap's bytecode: compiled at install, removed at removal.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/cmake/deb/postinst;${CMAKE_SOURCE_DIR}/cmake/deb/prerm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
