"""fixingahole's bootstrap, imported by fixingahole_bootstrap.py (the file
the interpreter runs): main() runs the user's script (or notebook) as
__main__ with the script's own sys.argv and sys.path[0], after arranging
what has to happen inside the process:
warnings and logging records copied to logs.log, plotting windows disabled
(--no-plots), notebook cells executed in order.

    python3 fixingahole_bootstrap.py [--log FILE --level LEVEL] [--end-mark FILE]
        [--no-plots matplotlib,plotly] [--notebook CELLS.json] -- SCRIPT ARGS...
    python3 fixingahole_bootstrap.py [options] --module NAME -- ARGS...

--end-mark: when the script's own code has ended (returned, raised or
called sys.exit) and its non-daemon threads have finished, the time
(CLOCK_MONOTONIC, ns) is written to FILE, before the interpreter's teardown
frees everything: the client ends the memory timelines there
(docs/memory.md).

The user's code is never rewritten: a script runs as runpy.run_path runs
it, so line numbers, `if __name__ == "__main__":`, pickling of __main__
classes and multiprocessing's spawn start method behave as under
`python3 SCRIPT`. A source file, the common case, is executed by main()
itself, so that the script's frames stand on two of ours (the stub's
module and main), not six: the daemon reads every frame of the stack at
every sample.
Modules run through runpy.run_module as `python3 -m NAME` runs them:
sys.argv[0] the module's file, sys.path[0] the current folder, a
package's __main__ for a package. The
client strips the bootstrap's and runpy's frames from the profile; the
traceback of an uncaught exception is trimmed of them too. Nothing here
touches os.environ or the standard streams. Runs on Python 3.8+.
"""

import sys

# The bootstrap's files: the stub the interpreter runs (set by main) and
# this one. Their frames are left out of tracebacks.
_OURS = {__file__}


def _options(argv):
    opts = {}
    while argv and argv[0] != "--":
        if len(argv) < 2:
            raise SystemExit("fixingahole bootstrap: bad arguments %r" % (argv,))
        opts[argv[0]] = argv[1]
        argv = argv[2:]
    return opts, argv[1:]


def _trim_excepthook():
    """Uncaught exceptions print as they would under `python3 SCRIPT`: the
    leading frames of this file and of runpy are dropped. runpy is looked up
    when one is raised, not imported: a source script runs without it, and
    importing it costs an empty script ~8 ms (3.10: importlib.util,
    contextlib, collections)."""
    original = sys.excepthook

    def hook(kind, value, tb):
        ours = set(_OURS)
        runpy = sys.modules.get("runpy")
        if runpy is not None:
            ours.add(runpy._run_code.__code__.co_filename)
        while tb is not None and tb.tb_frame.f_code.co_filename in ours:
            tb = tb.tb_next
        if value is not None and tb is not None:
            value = value.with_traceback(tb)
        return original(kind, value, tb)

    sys.excepthook = hook


# The levels --log-level accepts (client/cli/cli.c), as logging numbers them:
# known here so that logging need not be imported to read them.
_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def _log_writer(path):
    """A function writing one record to path, which is opened on the first
    record: a run that logs nothing opens nothing."""
    out = []

    def write(levelname, where, text):
        if not out:
            out.append(open(path, "a", encoding="utf-8", errors="backslashreplace"))
        # One record: a first line at column 0, continuation lines indented,
        # so the client counts records by unindented lines.
        lines = str(text).splitlines() or [""]
        out[0].write("%s %s: %s\n" % (levelname, where, lines[0]))
        for line in lines[1:]:
            out[0].write("    %s\n" % line)
        out[0].flush()

    return write


def _copy_logging_records(logging, levelno, write):
    """Patches the logging module, when it is first imported: records at
    levelno and above are copied on their way to the handlers."""
    call_handlers = logging.Logger.callHandlers

    def copy_record(self, record):
        if record.levelno >= levelno:
            try:
                text = record.getMessage()
                if record.exc_info:
                    text += "\n" + logging.Formatter().formatException(record.exc_info)
                write(record.levelname, "%s %s:%d" % (record.name, record.pathname,
                                                      record.lineno), text)
            except Exception:
                pass
        return call_handlers(self, record)

    logging.Logger.callHandlers = copy_record
    # Records below WARNING are never created while the root logger stays
    # at its default level, so DEBUG and INFO lower it (docs/configuration.md).
    if levelno < logging.getLogger().level:
        logging.getLogger().setLevel(levelno)


def _capture_logs(path, level, patches):
    """Copies warnings and logging records at `level` and above to path.
    The script's own handlers, basicConfig() and stderr output are left as
    they are: records are copied on their way to the handlers. logging is
    patched when something imports it (patches, for _PatchFinder): no
    record exists before, and a script that never logs does not pay its
    import (~10 ms). warnings is imported now: a warning raised before the
    module is loaded would be printed by the interpreter's C fallback,
    past showwarning."""
    import warnings

    levelno = _LEVELS.get(level)
    if levelno is None:
        raise SystemExit("fixingahole bootstrap: bad log level %r" % (level,))
    write = _log_writer(path)
    patches["logging"] = lambda logging: _copy_logging_records(logging, levelno, write)

    if levelno <= _LEVELS["WARNING"]:
        show = warnings.showwarning

        def showwarning(message, category, filename, lineno, file=None, line=None):
            try:
                write("WARNING", "py.warnings %s:%d" % (filename, lineno),
                      "%s: %s" % (category.__name__, message))
            except Exception:
                pass
            return show(message, category, filename, lineno, file, line)

        warnings.showwarning = showwarning


def _noop(*args, **kwargs):
    return None


def _patch_matplotlib(module):
    module.use("agg", force=True)
    module.use = _noop  # later backend switches would open windows


def _patch_pyplot(module):
    module.show = _noop


def _patch_plotly_io(module):
    module.show = _noop


def _patch_plotly_figures(module):
    module.BaseFigure.show = _noop


class _PatchingLoader:
    """Runs the real loader, then patches the fresh module."""

    def __init__(self, loader, patch):
        self._loader, self._patch = loader, patch

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._patch(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _PatchFinder:
    """Catches the first import of each module to patch (nothing is
    imported ahead of the script, so an unused library costs nothing), and
    leaves sys.meta_path once every one is patched."""

    def __init__(self, patches):
        self._patches = patches

    def _patched(self, name, patch):
        def done(module):
            patch(module)
            self._patches.pop(name, None)
            if not self._patches:
                try:
                    sys.meta_path.remove(self)
                except ValueError:  # gone already (another thread's import)
                    pass
        return done

    def find_spec(self, name, path=None, target=None):
        patch = self._patches.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, self._patched(name, patch))
                return spec
        return None


def _install_patches(patches):
    """Patches the modules already imported (by site, say) at once, and the
    others when they are imported."""
    for name in [name for name in patches if name in sys.modules]:
        patches.pop(name)(sys.modules[name])
    if patches:
        sys.meta_path.insert(0, _PatchFinder(patches))


def _no_plots(which, patches):
    if "matplotlib" in which:
        patches["matplotlib"] = _patch_matplotlib
        patches["matplotlib.pyplot"] = _patch_pyplot
    if "plotly" in which:
        patches["plotly.io"] = _patch_plotly_io
        patches["plotly.basedatatypes"] = _patch_plotly_figures


class _Magics:
    """IPython magics and !shell lines of a notebook: run through IPython
    when it is importable, else skipped with a warning."""

    def __init__(self, notebook, main):
        self._notebook, self._main = notebook, main
        self._tried, self._shell_ = False, None

    @property
    def _shell(self):
        # Made on the first magic, so notebooks without any never import
        # IPython; it shares the notebook's __main__ namespace.
        if not self._tried:
            self._tried = True
            try:
                from IPython.core.interactiveshell import InteractiveShell

                self._shell_ = InteractiveShell.instance(user_module=self._main,
                                                         user_ns=self._main.__dict__)
            except Exception:
                self._shell_ = None
        return self._shell_

    def _skip(self, where, line, text, missing=True):
        import warnings

        why = " (IPython is not installed)" if missing else ""
        warnings.warn_explicit("skipped %s%s" % (text, why), RuntimeWarning, where, line)

    def line(self, cell, line, text, assign=False):
        where = "%s [cell %d]" % (self._notebook, cell)
        if self._shell is None:
            return self._skip(where, line, text)
        try:
            if text.startswith("!"):
                if assign:  # files = !ls
                    return self._shell.getoutput(text[1:])
                return self._shell.system(text[1:])
            name, _, arg = text.lstrip("%").partition(" ")
            # Magics that assign (%time y = f()) use the locals of the
            # frame _stack_depth above run_line_magic's caller: the cell's.
            return self._shell.run_line_magic(name, arg, _stack_depth=2)
        except Exception as e:
            # Some magics need a kernel or a GUI (%matplotlib inline).
            return self._skip(where, line, "%s (%s: %s)" % (text, type(e).__name__, e), False)

    def cell(self, where, text, body):
        if self._shell is None:
            return self._skip(where, 1, "the cell magic %s and its cell" % text.split()[0])
        name, _, arg = text[2:].partition(" ")
        return self._shell.run_cell_magic(name, arg, body)


def _run_notebook(cells_path, notebook):
    """Executes the code cells in order in one __main__ module."""
    import json
    import linecache
    import types

    with open(cells_path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    main = types.ModuleType("__main__")
    main.__file__ = notebook
    main.__builtins__ = __builtins__
    magics = _Magics(notebook, main)
    main.__dict__["__fah_magic__"] = magics.line
    sys.modules["__main__"] = main
    for cell in cells:
        where = "%s [cell %d]" % (notebook, cell["cell"])
        if "cell_magic" in cell:
            magics.cell(where, cell["cell_magic"], cell["body"])
            continue
        source, original = cell["source"], cell.get("original", cell["source"])
        # Tracebacks and warnings show the cell's lines as written.
        linecache.cache[where] = (len(original), None, original.splitlines(True), where)
        exec(compile(source, where, "exec"), main.__dict__)


def _mark_start(path):
    """Writes when the script's own code starts (CLOCK_MONOTONIC, ns): the
    interpreter's start-up before it is not the script's memory growth.
    Returns the mark, which _mark_end writes again beside the end."""
    import time

    start = time.monotonic_ns()
    with open(path, "w") as f:
        f.write("%d\n" % start)
    return start


def _mark_end(path, start):
    """Writes when the script's code ended. Non-daemon threads are part of
    the script: the interpreter would join them first thing at exit, so
    joining them here changes nothing but the moment of the mark."""
    threading = sys.modules.get("threading")
    if threading is not None:
        current = threading.current_thread()
        for thread in threading.enumerate():
            if thread is not current and not thread.daemon and thread.is_alive():
                try:
                    thread.join()
                except BaseException:
                    break
    import time

    with open(path, "w") as f:
        f.write("%d %d\n" % (start, time.monotonic_ns()))


def _run_module(name, args):
    """As `python3 -m NAME ARGS`: the current folder first on sys.path, and
    run_module's alter_sys sets sys.argv[0] to the module's file while it
    runs, as the -m switch does."""
    import importlib.util
    import os
    import runpy

    sys.argv[:] = [name] + args
    _set_path0(os.getcwd())
    try:
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:  # python3 -m's own message and status
        sys.stderr.write("%s: No module named %s\n" % (sys.executable, name))
        raise SystemExit(1)
    return runpy.run_module(name, run_name="__main__", alter_sys=True)


def _run(opts, argv):
    """Runs the module, the notebook or a script main() does not run
    itself (see _script_code), as asked. Returns the script's globals
    (runpy hands back a copy of them), which the caller keeps until it has
    marked the end: what the script still holds when its code ends is
    still held at the mark, not released just before it."""
    if "--module" in opts:
        return _run_module(opts["--module"], argv)
    if "--notebook" in opts:
        _run_notebook(opts["--notebook"], argv[0])  # its __main__ stays in sys.modules
        return None
    import runpy

    return runpy.run_path(argv[0], run_name="__main__")


def _path_importer(path):
    """pkgutil.get_importer(path) without pkgutil, whose import costs an
    empty script ~8 ms on 3.11 (typing, re): None for a plain file."""
    try:
        return sys.path_importer_cache[path]
    except KeyError:
        pass
    for hook in sys.path_hooks:
        try:
            importer = hook(path)
        except ImportError:
            continue
        sys.path_importer_cache.setdefault(path, importer)
        return importer
    return None


def _as_script(argv):
    """sys.argv and sys.path[0] as `python3 SCRIPT ARGS` sets them."""
    import os

    sys.argv[:] = argv
    _set_path0(os.path.dirname(os.path.realpath(argv[0])))


def _set_path0(folder):
    """sys.path[0], where the interpreter put the bootstrap's folder, as
    the script's run would have it; left alone under -P or PYTHONSAFEPATH
    (3.11+), which put no folder there: sys.path[0] is the standard
    library's then."""
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = folder


def _script_code(script):
    """A source file's code, compiled under the script's name, for main()
    to run as runpy.run_path would (see _AsMain); None for a folder, a zip
    file or a compiled file, and on an interpreter without io.open_code
    (before 3.8, which the daemon refuses): _run runs those."""
    import io
    import os

    if not hasattr(io, "open_code") or _path_importer(script) is not None:
        return None
    with io.open_code(os.path.abspath(script)) as f:
        source = f.read()
    magic = _magic_number()
    if source[:len(magic)] == magic:
        return None
    return compile(source, script, "exec")


def _magic_number():
    """The interpreter's .pyc magic number, from the import system it
    already runs: importing importlib.util for it would cost more than the
    rest of the bootstrap (see _trim_excepthook)."""
    external = sys.modules.get("_frozen_importlib_external")
    if external is None:
        from importlib.util import MAGIC_NUMBER as magic
        return magic
    return external.MAGIC_NUMBER


class _AsMain:
    """What runpy.run_path does around a source file's code: a fresh
    __main__ module in sys.modules while the code runs (the bootstrap's own
    module back after it), with the globals run_path gives the script.
    `namespace` is a copy of the script's globals once it has ended, as
    run_path returns."""

    def __init__(self, script):
        self.module = type(sys)("__main__")  # types.ModuleType, without importing types
        self.globals = self.module.__dict__
        self.globals.update(__file__=script, __cached__=None, __doc__=None, __loader__=None,
                            __package__="", __spec__=None)
        self.namespace = None

    def __enter__(self):
        self._saved = sys.modules.get("__main__")
        sys.modules["__main__"] = self.module
        return self

    def __exit__(self, *exc):
        self.namespace = self.globals.copy()
        if self._saved is None:
            sys.modules.pop("__main__", None)
        else:
            sys.modules["__main__"] = self._saved
        return False


def main(stub):
    """stub: the path of fixingahole_bootstrap.py, as the interpreter ran it."""
    _OURS.add(stub)
    opts, argv = _options(sys.argv[1:])
    if not argv and "--module" not in opts:
        raise SystemExit("fixingahole bootstrap: no script")
    _trim_excepthook()
    patches = {}  # module name: function patching it once imported
    if "--log" in opts:
        _capture_logs(opts["--log"], opts.get("--level", "WARNING"), patches)
    if "--no-plots" in opts:
        _no_plots(opts["--no-plots"].split(","), patches)
    _install_patches(patches)
    marks = opts.get("--end-mark")
    start = None
    if marks:
        try:
            start = _mark_start(marks)
        except Exception:
            marks = None
    namespace = None
    try:
        code = None
        if "--module" not in opts:
            _as_script(argv)
            code = None if "--notebook" in opts else _script_code(argv[0])
        if code is None:
            namespace = _run(opts, argv)
        else:
            # Executed here, not in a helper: one frame fewer under the
            # script's (the client strips main's frames as it strips
            # runpy's _run_code).
            with _AsMain(argv[0]) as script:
                exec(code, script.globals)
            namespace = script.namespace
    finally:
        if marks:
            try:
                _mark_end(marks, start)
            except Exception:
                pass
    return namespace  # the script's globals, released only after the mark

