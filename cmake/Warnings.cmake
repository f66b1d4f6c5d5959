# Warnings everywhere; errors only where asked for (the test command and CI
# turn FIXINGAHOLE_WERROR on). A user's or a packager's newer compiler may
# warn about things ours does not: that must not break their build.
option(FIXINGAHOLE_WERROR "Treat compiler warnings as errors" OFF)
set(FAH_WARNING_FLAGS -Wall -Wextra -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter)
if(FIXINGAHOLE_WERROR)
  list(APPEND FAH_WARNING_FLAGS -Werror)
endif()
add_compile_options(${FAH_WARNING_FLAGS} -fno-strict-aliasing)
