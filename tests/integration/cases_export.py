"""Exports (issue 11): `profile -f collapsed,speedscope`, `attach -f` and
`fixingahole export` write files whose numbers add up to profile.json's,
and speedscope itself, in headless Chromium, opens both files and shows the
hot line with its share. Run once, with Debian's python3, as cases of the
options target."""

import base64
import html.parser
import json
import os
import re
import shutil
import signal
import subprocess

from cases_daemon import _finish, _start_loop
from harness import DEBIAN_PYTHON, Checks, Skip, fixingahole, load_profile, marked_lines

PY = ["--python", DEBIAN_PYTHON]
SCRIPT = "export_hot.py"
# Where cmake/install-deps.sh puts the npm packages the tests load.
NPM_CACHE = os.environ.get("FAH_NPM_CACHE", "/var/cache/fixingahole/npm")
SPEEDSCOPE_HTML = os.path.join(NPM_CACHE, "speedscope-1.25.0", "node_modules", "speedscope",
                               "dist", "release", "index.html")
CHROMIUM_TIMEOUT_S = 60
# A folded line: frames, one space, a whole number.
FOLDED = re.compile(r"^(\S.*) (\d+)$")


def _profile_with_formats(work, c):
    """Profiles the hot workload with both formats: (Profile, its marks)."""
    script = work.copy_workload(SCRIPT)
    run = fixingahole(["profile"] + PY + ["-f", "collapsed", "--format", "speedscope,collapsed",
                                          SCRIPT], cwd=work.path)
    c.expect(run.status == 0, "profile -f exited %s:\n%s" % (run.status, run.describe()))
    return load_profile(work.path, "export_hot"), marked_lines(script), run


def _read_folded(path, c):
    """[(frames, value)] of a collapsed file; malformed lines are failures."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for text in f.read().splitlines():
            m = FOLDED.match(text)
            if c.expect(m is not None, "%s: not a folded line: %r" % (path, text)):
                lines.append((m.group(1).split(";"), int(m.group(2))))
    return lines


def _counted_by(doc, key):
    """profile.json's counted seconds of its stacks, summed by key(stack)."""
    sums = {}
    for st in doc["stacks"]:
        k = key(st)
        sums[k] = sums.get(k, 0.0) + st["seconds"]
    return sums


def _hot_frame(doc, path, line):
    return lambda st: bool(st["frames"]) and st["frames"][0]["file"] == path \
        and st["frames"][0]["qualname"] == "hot" and st["frames"][0]["line"] == line


def _check_collapsed(c, prof, marks):
    doc, path = prof.doc, os.path.join(prof.folder, "profile.collapsed")
    lines = _read_folded(path, c)
    total = doc["totals"]["seconds"]
    got = sum(v for _, v in lines) / 1e6
    # Each line is rounded to a microsecond once.
    c.expect(abs(got - total) <= len(lines) * 0.5e-6 + 1e-9,
             "collapsed values add up to %.6f s, profile.json's total is %.6f s" % (got, total))
    c.expect(len(set(";".join(f) for f, _ in lines)) == len(lines), "a stack has two lines")
    script = doc["script"]
    hot_leaf = "hot (%s:%d)" % (script, marks["hot"])
    hottest = max(lines, key=lambda l: l[1]) if lines else ([""], 0)
    c.expect(hottest[0][-1] == hot_leaf and hottest[0][0].startswith("<module> (%s:" % script),
             "hottest folded stack is %r, expected <module> first and %r last"
             % (hottest[0], hot_leaf))
    truth = _counted_by(doc, _hot_frame(doc, script, marks["hot"])).get(True, 0.0)
    c.expect(abs(hottest[1] / 1e6 - truth) <= 1e-6,
             "hot's line has %.6f s in collapsed, %.6f s in profile.json's stacks"
             % (hottest[1] / 1e6, truth))
    return lines


def _check_speedscope(c, doc, path):
    with open(path, encoding="utf-8") as f:
        ss = json.load(f)
    by_tid = _counted_by(doc, lambda st: st["tid"])
    c.expect(ss.get("$schema") == "https://www.speedscope.app/file-format-schema.json",
             "%s: $schema is %r" % (path, ss.get("$schema")))
    got = {}
    for p in ss.get("profiles", []):
        tid = int(re.search(r"thread (\d+)\)?$", p["name"]).group(1))
        got[tid] = sum(p["weights"])
        c.expect(p["type"] == "sampled" and p["unit"] == "seconds" and
                 len(p["samples"]) == len(p["weights"]) and
                 abs(p["endValue"] - got[tid]) < 1e-6,
                 "%s: profile %r is not a sampled profile in seconds ending at its total"
                 % (path, p["name"]))
    want = {tid: s for tid, s in by_tid.items() if s > 0}
    c.expect(set(got) == set(want) and all(abs(got[t] - want[t]) < 1e-6 for t in want),
             "%s: seconds per thread %r, profile.json's stacks say %r" % (path, got, want))


def _frame_set(path):
    """{(name, file, line)} of a speedscope file's frames."""
    with open(path, encoding="utf-8") as f:
        frames = json.load(f)["shared"]["frames"]
    return {(fr["name"], fr.get("file"), fr.get("line")) for fr in frames}


def export_formats_add_up_to_profile_totals(work):
    c = Checks()
    prof, marks, run = _profile_with_formats(work, c)
    collapsed = os.path.join(prof.folder, "profile.collapsed")
    _check_collapsed(c, prof, marks)
    _check_speedscope(c, prof.doc, os.path.join(prof.folder, "profile.speedscope.json"))
    # An earlier run exported again: the same stacks from profile.json alone,
    # beside the file given (its path printed), or on stdout with -o -.
    earlier = work.file("earlier.json")
    shutil.copyfile(os.path.join(prof.folder, "profile.json"), earlier)
    again = fixingahole(["export", earlier, "--format", "collapsed,speedscope"], cwd=work.path)
    written = [work.file("earlier.collapsed"), work.file("earlier.speedscope.json")]
    c.expect(again.status == 0 and again.stdout.split() == written,
             "export printed %r (exit %s), expected the paths %r\n%s"
             % (again.stdout, again.status, written, again.stderr))
    for path in written:
        c.expect(os.path.isfile(path), "export wrote no %s" % path)
    if os.path.isfile(written[0]):
        with open(written[0]) as a, open(collapsed) as b:
            c.expect(a.read() == b.read(), "exported collapsed differs from -f's")
    if os.path.isfile(written[1]):
        _check_speedscope(c, prof.doc, written[1])
        frames = [_frame_set(p) for p in (written[1], os.path.join(prof.folder,
                                                                   "profile.speedscope.json"))]
        c.expect(frames[0] == frames[1], "export and -f name other speedscope frames: %r"
                 % sorted(frames[0] ^ frames[1])[:6])
    piped = fixingahole(["export", earlier, "-f", "collapsed", "-o", "-"], cwd=work.path)
    with open(collapsed) as b:
        c.expect(piped.status == 0 and piped.stdout == b.read(),
                 "export -o - printed other lines than profile.collapsed holds")
    c.finish(lambda: run.describe() + "\n" + prof.describe(SCRIPT))


def attach_format_writes_beside_profile_json(work):
    """attach -f: the running loop's collapsed stacks beside its
    profile.json, adding up to its total and naming its spin function."""
    work.copy_workload("daemon_loop.py")
    stop_file = work.file("stop")
    loop, _ = _start_loop(work, "loop", stop_file, "60")
    c = Checks()
    try:
        run = fixingahole(["attach", str(loop.pid), "--duration", "1", "-f", "collapsed"],
                          cwd=work.path)
        c.expect(run.status == 0, "attach -f collapsed exited %s" % run.status)
        prof = load_profile(work.path, "daemon_loop")
        lines = _read_folded(os.path.join(prof.folder, "profile.collapsed"), c)
        got, total = sum(v for _, v in lines) / 1e6, prof.doc["totals"]["seconds"]
        c.expect(abs(got - total) <= len(lines) * 0.5e-6 + 1e-9,
                 "collapsed adds up to %.6f s, profile.json's total is %.6f s" % (got, total))
        c.expect(any(f[-1].startswith("spin (") for f, _ in lines),
                 "no folded stack ends in the loop's spin: %r" % lines[:5])
    finally:
        open(stop_file, "w").close()
        _finish(loop)
    c.finish(run.describe)


# --- speedscope in a browser ----------------------------------------------

class _TableRows(html.parser.HTMLParser):
    """The text of every table row's cells, in document order."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _speedscope_dom(work, export_path, view):
    """The DOM speedscope's page shows after loading export_path, loaded as
    its `speedscope FILE` command does: a script that hands the file over in
    base64, named in the page's #localProfilePath."""
    with open(export_path, "rb") as f:
        encoded = base64.b64encode(f.read()).decode("ascii")
    loader = work.file("load-profile.js")
    with open(loader, "w") as f:
        f.write("speedscope.loadFileFromBase64(%s, %s)"
                % (json.dumps(os.path.basename(export_path)), json.dumps(encoded)))
    url = "file://%s#localProfilePath=%s&view=%s" % (SPEEDSCOPE_HTML, loader, view)
    # Root needs --no-sandbox; virtual time lets the page's script load and
    # render before the DOM is dumped, without a sleep.
    argv = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + work.file("chromium-profile"), "--virtual-time-budget=10000",
            "--dump-dom", url]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=CHROMIUM_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, "chromium did not finish within %d s" % CHROMIUM_TIMEOUT_S
    return out, "chromium exited %d; stderr:\n%s" % (proc.returncode, err[-3000:])


def _percent(cell):
    m = re.search(r"\((<?[\d.]+)%\)", cell)
    return float(m.group(1).lstrip("<")) if m else None


def _sandwich_top_row(c, work, path, name):
    """speedscope's sandwich table for the file at path, by self time: its
    top row as [total, self, name], once the page shows speedscope read
    the file (titled with the profile's name, no error)."""
    dom, how = _speedscope_dom(work, path, "sandwich")
    dom = dom or ""
    title = "<title>%s - speedscope</title>" % name
    c.expect(title in dom, "speedscope's page has no %r: it did not import %s (%s)"
             % (title, path, how))
    c.expect("Something went wrong" not in dom, "speedscope reported an import error")
    parser = _TableRows()
    parser.feed(dom)
    rows = [r for r in parser.rows if len(r) == 3 and r[2] != "Symbol Name"]
    c.note("speedscope's top rows for %s: %r" % (os.path.basename(path), rows[:3]))
    return rows[0] if rows else ["", "", ""]


def _check_top_row(c, row, name, seconds, total, label):
    """row names `name` with the share seconds / total (as speedscope
    rounds it: to a percent)."""
    want, shown = 100 * seconds / total if total else 0, _percent(row[1])
    c.expect(row[2] == name and shown is not None and abs(shown - want) <= 1.0,
             "%s: speedscope's top row is %r with self %r%%, expected %r with %.2f%% "
             "(from profile.json)" % (label, row[2], shown, name, want))


def speedscope_opens_both_exports_and_shows_the_hot_line(work):
    if not _chromium():
        raise Skip("chromium is not installed (cmake/install-deps.sh installs it)")
    if not os.path.isfile(SPEEDSCOPE_HTML):
        raise Skip("the npm package speedscope is not in %s (cmake/install-deps.sh installs it)"
                   % NPM_CACHE)
    c = Checks()
    prof, marks, run = _profile_with_formats(work, c)
    doc, is_hot = prof.doc, _hot_frame(prof.doc, prof.doc["script"], marks["hot"])
    hot = _counted_by(doc, is_hot).get(True, 0.0)
    tids = {st["tid"] for st in doc["stacks"] if is_hot(st)}
    thread = sum(s for t, s in _counted_by(doc, lambda st: st["tid"]).items() if t in tids)
    c.expect(len(tids) == 1, "hot ran on threads %r, expected one" % tids)
    # speedscope's file: one profile per thread, opened on hot's thread.
    # speedscope's file names itself after the script; other formats are
    # named after their file.
    row = _sandwich_top_row(c, work, os.path.join(prof.folder, "profile.speedscope.json"), SCRIPT)
    _check_top_row(c, row, "hot (%s:%d)" % (SCRIPT, marks["hot"]), hot, thread, "speedscope")
    # The collapsed file, read by speedscope's importer of folded stacks:
    # threads merged, so the share is of the whole total.
    row = _sandwich_top_row(c, work, os.path.join(prof.folder, "profile.collapsed"),
                            "profile.collapsed")
    _check_top_row(c, row, "hot (%s:%d)" % (doc["script"], marks["hot"]), hot,
                   doc["totals"]["seconds"], "collapsed")
    c.finish(lambda: run.describe() + "\n" + prof.describe(SCRIPT))


# --- errors ---------------------------------------------------------------

def export_errors_are_one_line(work):
    c = Checks()
    garbled, other = work.file("garbled.json"), work.file("other.json")
    with open(garbled, "w") as f:
        f.write('{"schema": "fixingahole.profile/1", "stacks": [')
    with open(other, "w") as f:
        f.write('{"schema": "someone.else/2", "stacks": []}')
    cases = [
        (["export", work.file("missing.json"), "-f", "collapsed"], 66, "missing.json"),
        (["export", garbled, "-f", "speedscope"], 66, "garbled.json"),
        (["export", other, "-f", "collapsed"], 66, "schema"),
        (["export", other, "-f", "flame"], 64, "unknown format 'flame' (known: collapsed, "),
        (["export", other], 64, "no --format"),
        (["export", other, "-f", "collapsed,speedscope", "-o", "x"], 64, "one format"),
        (["profile"] + PY + ["-f", "pdf", SCRIPT], 64, "unknown format 'pdf'"),
    ]
    work.copy_workload(SCRIPT)
    for args, status, needle in cases:
        run = fixingahole(args, cwd=work.path)
        lines = [l for l in run.stderr.splitlines() if l.strip()]
        c.expect(run.status == status and len(lines) == 1 and
                 lines[0].startswith("fixingahole: ") and needle in lines[0],
                 "%s: exit %s and stderr %r, expected %d and one line with %r"
                 % (" ".join(args), run.status, lines, status, needle))
    c.expect(not os.path.exists(work.file("performance")), "profile -f pdf still ran the script")
    c.finish(lambda: "")


CASES = {
    "export_formats_add_up_to_profile_totals": export_formats_add_up_to_profile_totals,
    "speedscope_opens_both_exports_and_shows_the_hot_line":
        speedscope_opens_both_exports_and_shows_the_hot_line,
    "export_errors_are_one_line": export_errors_are_one_line,
    "attach_format_writes_beside_profile_json": attach_format_writes_beside_profile_json,
}
