"""A package run with `fixingahole profile --module opt_modpkg`: its
__main__ (opt_modpkg/__main__.py) does the work."""
