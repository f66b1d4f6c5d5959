"""Shared plumbing for the integration cases: finding interpreters, running
`fixingahole profile` in a private folder, loading its results, and
failing with enough printed context to diagnose the profiler.

Run by /usr/bin/python3 (3.11); workloads run under the interpreter being
tested and must stay compatible with 3.8.
"""

import ast
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads")
DEBIAN_PYTHON = "/usr/bin/python3"
RUN_TIMEOUT_S = 100


class Failure(Exception):
    """A broken expectation; the message says what was expected and seen."""


class Skip(Exception):
    """The case cannot run on this machine (exit 77, reported loudly)."""


def client_path():
    path = os.environ.get("FAH_CLIENT")
    if not path or not os.access(path, os.X_OK):
        raise Failure("FAH_CLIENT does not name the fixingahole binary: %r" % path)
    return path


def prepare_socket_dir():
    """FIXINGAHOLE_SOCKET must sit in a private (0700) folder of ours."""
    sock = os.environ.get("FIXINGAHOLE_SOCKET")
    if not sock:
        raise Failure("FIXINGAHOLE_SOCKET is not set: the tests would share "
                      "another build's daemon")
    folder = os.path.dirname(sock)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)


# --- sanitizer reports ----------------------------------------------------
# In an ASan/UBSan build, a report of the daemon (detached, its stderr in a
# log file) or of a client would otherwise go unread. Every process the
# tests start inherits log_path, so reports land as files in one folder per
# build tree, which the driver checks after every case and the teardown
# test after the last daemon has exited. Binaries built without sanitizers
# ignore the variables.

SANITIZER_VARS = ("ASAN_OPTIONS", "UBSAN_OPTIONS")


def sanitizer_dir():
    """Beside the socket's private folder, and open to every user (sticky,
    like /tmp): the users case runs a client as a throwaway user, and a
    sanitized process that cannot open its log_path dies."""
    return os.path.dirname(os.environ["FIXINGAHOLE_SOCKET"]) + "-sanitizer"


def sanitizer_setup():
    """Points the sanitizers' log_path into sanitizer_dir() for every
    process started from here on (appended: the last setting wins). Returns
    the reports already there, for sanitizer_check."""
    folder = sanitizer_dir()
    os.makedirs(folder, exist_ok=True)
    os.chmod(folder, 0o1777)
    prefix = os.path.join(folder, "report")
    for var in SANITIZER_VARS:
        old = os.environ.get(var, "")
        os.environ[var] = (old + ":" if old else "") + "log_path=" + prefix
    return set(os.listdir(folder))


def sanitizer_reports(before=()):
    """The text of every report written since `before` (file names)."""
    folder = sanitizer_dir()
    if not os.path.isdir(folder):
        return []
    texts = []
    for name in sorted(set(os.listdir(folder)) - set(before)):
        with open(os.path.join(folder, name), errors="replace") as f:
            texts.append("--- %s\n%s" % (name, _tail(f.read())))
    return texts


def sanitizer_check(before=()):
    """Fails when a sanitized process wrote a report since `before`."""
    texts = sanitizer_reports(before)
    if texts:
        raise Failure("sanitizer reports (%d) from processes of this test, in %s:\n%s"
                      % (len(texts), sanitizer_dir(), "\n".join(texts)))


def sanitizer_clear():
    folder = sanitizer_dir()
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        os.unlink(os.path.join(folder, name))


# --- interpreters ---------------------------------------------------------

def _pyenv_roots():
    roots = [os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv"), "/root/.pyenv"]
    seen = []
    for root in roots:
        if root and os.path.isdir(root) and root not in seen:
            seen.append(root)
    return seen


def find_cpython(minor):
    """A real (non-shim) python3.<minor> binary, or None. pyenv builds
    first, then the usual prefixes; Debian's /usr/bin is covered by the
    debian-* interpreter ids."""
    name = "python3.%d" % minor
    candidates = []
    for root in _pyenv_roots():
        candidates += sorted(glob.glob(os.path.join(root, "versions", "3.%d.*" % minor, "bin", name)),
                             reverse=True)
    candidates += [os.path.join(prefix, "bin", name) for prefix in ("/usr/local", "/opt/python")]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


class Interpreter:
    def __init__(self, ident, path, offsets):
        self.ident = ident          # py3.10, debian-dbg, ...
        self.path = path
        self.offsets = offsets      # value for --offsets, or None for the default
        self.version = None         # "3.10.13"
        self.has_numpy = False

    def probe(self):
        code = ("import sys\n"
                "try:\n import numpy; n = 1\nexcept Exception:\n n = 0\n"
                "print('%d.%d.%d %d' % (sys.version_info[:3] + (n,)))\n")
        out = subprocess.run([self.path, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        if out.returncode != 0:
            raise Failure("%s does not run: %s" % (self.path, out.stderr.strip()))
        version, numpy = out.stdout.split()
        self.version, self.has_numpy = version, numpy == "1"
        return self

    def profile_options(self):
        opts = ["--python", self.path]
        if self.offsets:
            opts += ["--offsets", self.offsets]
        return opts

    def native_options(self):
        """What --native needs besides profile_options: a sid interpreter
        is stripped, and its evaluation loop is named only by the debug
        files prepare.sh unpacks from sid's python3.X-dbg (Skip without)."""
        if not self.ident.endswith("-sid"):
            return []
        debug = os.path.join(SID_INTERPRETERS, "root", "usr", "lib", "debug")
        if not os.path.isdir(os.path.join(debug, ".build-id")):
            raise Skip("%s: no debug files under %s (tests/interpreters/prepare.sh unpacks "
                       "them from sid's python3.X-dbg): --native cannot tell its evaluation "
                       "loop" % (self.ident, debug))
        return ["--debug-dirs", debug]

    def __str__(self):
        return "%s (%s %s%s)" % (self.ident, self.path, self.version or "?",
                                 ", --offsets " + self.offsets if self.offsets else "")


SID_INTERPRETERS = os.environ.get("FAH_INTERPRETERS") or "/var/cache/fixingahole/interpreters"


def sid_python(minor):
    """Debian sid's python3.<minor> prepared by tests/interpreters/prepare.sh
    (run by the test command), or Skip with the reason it recorded."""
    status_path = os.path.join(SID_INTERPRETERS, "status")
    try:
        with open(status_path) as f:
            status = f.read().strip()
    except OSError:
        raise Skip("sid interpreters not prepared (%s missing): run "
                   "tests/interpreters/prepare.sh as root" % status_path)
    if status != "ok":
        raise Skip("sid interpreters %s" % status)
    path = os.path.join(SID_INTERPRETERS, "bin", "python3.%d" % minor)
    if not os.access(path, os.X_OK):
        raise Failure("%s says ok but %s is missing" % (status_path, path))
    return path


def interpreter(ident):
    """Resolves an interpreter id. pyenv ones may be absent (Skip); the
    Debian ones never skip: /usr/bin/python3 is part of the contract; the
    sid ones (py3.14-sid, py3.13-sid) skip with the reason prepare.sh
    recorded."""
    if ident.startswith("py3.") and ident.endswith("-sid"):
        return Interpreter(ident, sid_python(int(ident[len("py3."):-len("-sid")])), None).probe()
    if ident.startswith("py3."):
        minor = int(ident[len("py3."):])
        path = find_cpython(minor)
        if not path:
            raise Skip("no python3.%d on this machine" % minor)
        return Interpreter(ident, path, None).probe()
    if ident in ("debian-dbg", "debian-nodbg"):
        if not os.access(DEBIAN_PYTHON, os.X_OK):
            raise Failure("%s is missing: the Debian interpreter cases cannot be skipped"
                          % DEBIAN_PYTHON)
        # debian-dbg lets the profiler pick (it must find python3.11-dbg's
        # DWARF); debian-nodbg behaves as if there were no debug info.
        return Interpreter(ident, DEBIAN_PYTHON, None if ident == "debian-dbg" else "table").probe()
    raise Failure("unknown interpreter id %r" % ident)


# --- running the profiler -------------------------------------------------

class Workdir:
    """A fresh temporary folder used as cwd (the profiler's search root and
    output folder). Kept on failure so the results can be inspected."""

    def __init__(self, label):
        self.path = tempfile.mkdtemp(prefix="fah-int-%s-" % label)
        self.keep = False

    def copy_workload(self, name, dest=None):
        target = os.path.join(self.path, dest or name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(WORKLOADS, name), target)
        return target

    def file(self, name):
        return os.path.join(self.path, name)

    def cleanup(self):
        if self.keep:
            print("kept the work folder for inspection: %s" % self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


class Run:
    def __init__(self, argv, proc, cwd):
        self.argv = argv
        self.status = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.cwd = cwd

    def describe(self):
        return ("command: %s\n(cwd %s)\nexit status: %s\n--- stdout ---\n%s\n--- stderr ---\n%s"
                % (" ".join(_quote(a) for a in self.argv), self.cwd, self.status,
                   _tail(self.stdout), _tail(self.stderr)))

    def error_lines(self):
        return [l for l in self.stderr.splitlines() if l.startswith("fixingahole: ")]


def _quote(arg):
    return arg if arg and all(c.isalnum() or c in "-_./=:@," for c in arg) else repr(arg)


def _tail(text, limit=6000):
    return text if len(text) <= limit else "...\n" + text[-limit:]


def fixingahole(args, cwd, stdin_text=None, env=None, timeout=RUN_TIMEOUT_S):
    """Runs `fixingahole <args>` in cwd and returns a Run."""
    argv = [client_path()] + list(args)
    try:
        proc = subprocess.run(argv, cwd=cwd, input=stdin_text if stdin_text is not None else "",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Failure("fixingahole did not finish within %d s: %s\nstdout so far:\n%s\nstderr so far:\n%s"
                      % (timeout, " ".join(argv), e.stdout, e.stderr))
    return Run(argv, proc, cwd)


def result_folder(cwd, stem, output="performance"):
    found = sorted(glob.glob(os.path.join(cwd, output, stem, "*")))
    found = [f for f in found if os.path.isdir(f)]
    if len(found) != 1:
        raise Failure("expected one result folder under %s/%s/%s/, found %r"
                      % (cwd, output, stem, found))
    return found[0]


def load_profile(cwd, stem):
    folder = result_folder(cwd, stem)
    path = os.path.join(folder, "profile.json")
    if not os.path.isfile(path):
        raise Failure("no profile.json in %s (has %r)" % (folder, os.listdir(folder)))
    with open(path) as f:
        doc = json.load(f)
    if doc.get("schema") != "fixingahole.profile/1":
        raise Failure("profile.json schema is %r, expected fixingahole.profile/1" % doc.get("schema"))
    return Profile(doc, folder)


def load_truth(path):
    if not os.path.isfile(path):
        raise Failure("the workload did not write its ground truth to %s "
                      "(did its arguments reach it?)" % path)
    with open(path) as f:
        return json.load(f)


class Profile:
    def __init__(self, doc, folder):
        self.doc = doc
        self.folder = folder

    def function(self, name, script):
        """The functions[] entry for `name` in the file `script` (a basename)."""
        hits = [f for f in self.doc.get("functions", [])
                if (f.get("name") == name or f.get("qualname") == name)
                and same_file(f.get("file"), script)]
        return hits[0] if hits else None

    def lines(self, script):
        """{line: entry} for the workload file's files[].lines."""
        for f in self.doc.get("files", []):
            if same_file(f.get("file"), script):
                return {l["line"]: l for l in f.get("lines", [])}
        return {}

    def function_table(self, limit=15):
        rows = ["  %-28s %7s %7s %7s %7s  %s" % ("function", "%", "py%", "nat%", "sys%", "where")]
        for f in self.doc.get("functions", [])[:limit]:
            rows.append("  %-28s %7.2f %7.2f %7.2f %7.2f  %s:%s" % (
                f.get("qualname") or f.get("name"), f.get("percent", 0), f.get("python_percent", 0),
                f.get("native_percent", 0), f.get("system_percent", 0), f.get("file"), f.get("line")))
        return "\n".join(rows)

    def line_table(self, script, limit=15):
        lines = sorted(self.lines(script).values(), key=lambda l: -l.get("percent", 0))[:limit]
        rows = ["  %6s %7s %7s %7s %7s" % ("line", "%", "py%", "nat%", "sys%")]
        for l in lines:
            rows.append("  %6d %7.2f %7.2f %7.2f %7.2f" % (
                l["line"], l.get("percent", 0), l.get("python_percent", 0),
                l.get("native_percent", 0), l.get("system_percent", 0)))
        return "\n".join(rows)

    def header(self):
        d = self.doc
        return ("python %s (offsets %s), mode %s, rate %s Hz, wall %.2f s, samples %s, errors %s, "
                "exit %s, idle_included %s\ntotals %s"
                % ((d.get("python") or {}).get("version"), (d.get("python") or {}).get("offsets"),
                   d.get("mode"), d.get("rate_hz"), d.get("wall_seconds") or 0, d.get("samples"),
                   d.get("errors"), d.get("exit_status"), d.get("idle_included"),
                   json.dumps(d.get("totals"))))

    def describe(self, script):
        return ("profile %s\n%s\nfunctions:\n%s\nlines of %s (hottest first):\n%s"
                % (self.folder, self.header(), self.function_table(), script,
                   self.line_table(script)))


def same_file(reported, script):
    """Reports name files by path (absolute, or relative to the root); the
    workloads have unique basenames, and the copy under performance/ is never
    the one that ran."""
    return bool(reported) and os.path.basename(reported) == os.path.basename(script) \
        and "performance/" not in reported


# --- reading the workloads ------------------------------------------------

def marked_lines(path):
    """{marker: line number} for lines ending in `# @marker`."""
    marks = {}
    with open(path) as f:
        for number, text in enumerate(f, 1):
            if "# @" in text:
                marks[text.rsplit("# @", 1)[1].strip()] = number
    return marks


def function_spans(path):
    """{name: (def line, last line)} of the module's top-level functions."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    spans = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


# --- checks -------------------------------------------------------------

class Checks:
    """Collects every broken expectation of a case before failing, so one
    run shows the whole picture."""

    def __init__(self):
        self.problems = []
        self.notes = []

    def expect(self, ok, message):
        if not ok:
            self.problems.append(message)
        return ok

    def note(self, message):
        self.notes.append(message)

    def finish(self, context):
        for n in self.notes:
            print(n)
        if self.problems:
            raise Failure("\n".join("FAILED: " + p for p in self.problems) + "\n\n" + context())


def profile_at_rates(interp, work, script, seconds, rates, check):
    """Profiles script (its arguments: a truth file, then seconds, or
    seconds[rate] when it is a dict) at each rate; check(checks, profile,
    truth, rate) holds each run to its truth. Each run's results stay in
    performance-RATE."""
    work.copy_workload(script)
    c = Checks()
    contexts = []
    for rate in rates:
        truth_path = work.file("truth-%d.json" % rate)
        run = fixingahole(["profile", "--rate", str(rate)] + interp.profile_options() +
                          [script, truth_path,
                           seconds[rate] if isinstance(seconds, dict) else seconds],
                          cwd=work.path)
        if run.status != 0:
            raise Failure("profile --rate %d exited %s\n%s" % (rate, run.status, run.describe()))
        prof = load_profile(work.path, os.path.splitext(script)[0])
        check(c, prof, load_truth(truth_path), rate)
        contexts.append("=== %d Hz ===\n%s\n%s" % (rate, run.describe(), prof.describe(script)))
        os.rename(work.file("performance"), work.file("performance-%d" % rate))
    c.finish(lambda: "\n\n".join(contexts))
