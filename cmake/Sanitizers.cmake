# FIXINGAHOLE_SANITIZE=ON builds everything with ASan and UBSan; the test
# command runs the whole suite in such a build too.
if(FIXINGAHOLE_SANITIZE)
  set(sanitize_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                     -fno-omit-frame-pointer)
  add_compile_options(${sanitize_flags})
  add_link_options(${sanitize_flags})
endif()
