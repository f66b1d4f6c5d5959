# Warnings are errors: a warning left alone today is a bug report tomorrow.
add_compile_options(-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
                    -Wno-unused-parameter -fno-strict-aliasing)
