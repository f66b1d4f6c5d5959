"""fixingahole's bootstrap: the file the interpreter runs,

    python3 fixingahole_bootstrap.py [options] -- SCRIPT ARGS...

which runs the user's script as __main__. The work is done by
fixingahole_bootstrap_main.py beside it (its docstring says what and why),
imported rather than run: a file run as the main script is compiled at
every start, about 3-5 ms for its 500 lines, while an imported one is
compiled once and read from __pycache__ after. Its folder is put first on
sys.path only for that import, and the module is taken out of
sys.modules again, so the script sees the sys.path and sys.modules plain
python gives it.
"""

import sys

sys.path.insert(0, __file__.rpartition("/")[0] or ".")
try:
    import fixingahole_bootstrap_main as _body
finally:
    del sys.path[0]
    sys.modules.pop("fixingahole_bootstrap_main", None)

_body.main(__file__)
