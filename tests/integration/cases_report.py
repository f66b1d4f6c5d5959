"""report.html and the SVG flame graph, opened by real clients: the page in
headless Chromium (browser_report.js, through the DevTools protocol), the
SVG by an XML parser. The workload's hot function and its measured CPU time
are the ground truth. Run once, with Debian's python3."""

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

from harness import (DEBIAN_PYTHON, HERE, Checks, Failure, Skip, fixingahole, load_profile,
                     load_truth)

PY = ["--python", DEBIAN_PYTHON]
HOT = "hot_loop"
# How far the hot function's share of the two loops' time may stray from
# the share of CPU time the loops measured for themselves (percentage points).
SHARE_TOLERANCE_PP = 5.0


def _profile_hot(work):
    """Profiles report_hot.py; returns (run, profile, truth)."""
    work.copy_workload("report_hot.py")
    truth_path = work.file("truth.json")
    run = fixingahole(["profile"] + PY + ["report_hot.py", truth_path], cwd=work.path)
    if run.status != 0:
        raise Failure("profile exited %s\n%s" % (run.status, run.describe()))
    return run, load_profile(work.path, "report_hot"), load_truth(truth_path)


def _function(doc, name):
    found = [f for f in doc["functions"] if f["name"] == name]
    return found[0] if found else None


def _check_hot_share(c, doc, truth):
    """hot_loop's share of the two loops, profiled against measured."""
    hot, warm = _function(doc, HOT), _function(doc, "warm_loop")
    if not c.expect(hot and warm, "profile.json lacks hot_loop or warm_loop"):
        return
    got = 100 * hot["seconds"] / (hot["seconds"] + warm["seconds"])
    want = 100 * truth["hot_loop"] / (truth["hot_loop"] + truth["warm_loop"])
    c.expect(abs(got - want) <= SHARE_TOLERANCE_PP, "hot_loop has %.1f%% of the loops' time in "
             "the profile, %.1f%% measured" % (got, want))
    c.note("hot_loop: %.1f%% of the loops profiled, %.1f%% measured" % (got, want))


def _chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise Skip("no chromium (Debian package chromium, cmake/install-deps.sh)")
    if not shutil.which("node"):
        raise Skip("no node (Debian package nodejs, cmake/install-deps.sh)")
    return path


def _open_in_chromium(chromium, html):
    proc = subprocess.run(["node", os.path.join(HERE, "browser_report.js"), chromium, html, HOT],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    if proc.returncode == 3:
        raise Skip("chromium cannot run here: %s" % proc.stderr.strip()[-400:])
    if proc.returncode != 0:
        raise Failure("browser_report.js exited %d: %s" % (proc.returncode, proc.stderr[-2000:]))
    return json.loads(proc.stdout)


def _check_page(c, page, hot):
    top = page.get("top") or {}
    c.expect(top.get("name") == HOT, "the page's hottest function is %r, not %s"
             % (top.get("name"), HOT))
    # Both round the same share: profile.json to 3 decimals, the page to 1.
    c.expect(abs(float(top.get("share") or "nan") - hot["percent"]) <= 0.05 + 1e-9,
             "the page gives %s %s%%, profile.json %.3f%%" % (HOT, top.get("share"),
                                                              hot["percent"]))
    c.expect(page["frames"] > 3, "the flame graph drew %d frames" % page["frames"])
    c.expect(page["lineTables"] >= 1 and page["lineBars"] >= 2, "line tables %d with %d bar "
             "segments" % (page["lineTables"], page["lineBars"]))
    c.expect(page["threadRows"] == 2, "the thread table has %d rows" % page["threadRows"])
    c.expect(page["external"] == [], "the page loads external resources: %r" % page["external"])
    tip = page.get("tooltip") or ""
    c.expect(HOT in tip and "% of the run" in tip and "python" in tip and "native" in tip
             and "system" in tip, "the tooltip says %r" % tip)


def _check_zoom(c, page):
    before, zoom = page.get("before") or {}, page.get("zoom") or {}
    c.expect(zoom.get("name") == HOT, "after the click the graph zooms on %r" % zoom.get("name"))
    width, full = zoom.get("width") or 0, zoom.get("graphWidth") or 1
    c.expect(before.get("width", full) < 0.95 * full <= width,
             "the clicked frame went from %s to %s px of %s" % (before.get("width"), width, full))
    c.expect(zoom.get("share", "") in (page.get("tooltip") or ""), "the zoomed share %r is not "
             "the tooltip's" % zoom.get("share"))
    search = page.get("search") or {}
    c.expect(search.get("highlighted", 0) >= 1 and search.get("matched") == "Matched: " +
             zoom.get("share", "?"), "searching %s: %r" % (HOT, search))


def report_html_in_chromium_shows_hot_function_and_zooms(work):
    chromium = _chromium()
    c = Checks()
    run, prof, truth = _profile_hot(work)
    html = os.path.join(prof.folder, "report.html")
    last = run.stdout.rstrip().splitlines()[-1]
    c.expect(last == "Report: " + html, "the summary ends with %r, not the report's path" % last)
    c.expect(os.path.isfile(html), "no report.html in %s" % prof.folder)
    _check_hot_share(c, prof.doc, truth)
    hot = _function(prof.doc, HOT)
    if os.path.isfile(html) and hot:
        page = _open_in_chromium(chromium, html)
        _check_page(c, page, hot)
        _check_zoom(c, page)
        c.note("page: %s" % json.dumps(page)[:600])
    c.finish(run.describe)


def svg_flame_graph_is_xml_with_hot_function(work):
    c = Checks()
    run, prof, truth = _profile_hot(work)
    svg = work.file("flame.svg")
    made = fixingahole(["export", os.path.join(prof.folder, "profile.json"), "--format", "svg",
                        "-o", svg], cwd=work.path)
    if made.status != 0:
        raise Failure("export to SVG failed\n%s" % made.describe())
    try:
        root = ET.parse(svg).getroot()
    except ET.ParseError as e:
        raise Failure("the SVG is not valid XML: %s" % e)
    ns = "{http://www.w3.org/2000/svg}"
    c.expect(root.tag == ns + "svg", "the document's root is %s" % root.tag)
    frames = [g for g in root.iter(ns + "g") if g.get("class") == "f"]
    hot = [g for g in frames if g.get("data-name") == HOT]
    c.expect(hot, "no frame of %s among %d frames" % (HOT, len(frames)))
    full = float(root.get("data-width") or 0)
    widest = max((float(g.get("data-w")) for g in hot), default=0)
    share = _function(prof.doc, HOT)
    title = hot[0].find(ns + "title").text if hot else ""
    c.expect(HOT in title and "python" in title, "the hot frame's tooltip is %r" % title)
    # The widest hot_loop frame holds its inclusive time: at least its own share.
    c.expect(share and widest >= full * share["percent"] / 100 - 1,
             "hot_loop is %.0f of %.0f px, its share is %s%%" % (widest, full, share and
                                                                 share["percent"]))
    c.expect(any(g.get("data-name") == "<module>" for g in frames),
             "no <module> frame: markup in names did not survive as text")
    _check_hot_share(c, prof.doc, truth)
    c.finish(run.describe)


CASES = {
    "report_html_in_chromium_shows_hot_function_and_zooms":
        report_html_in_chromium_shows_hot_function_and_zooms,
    "svg_flame_graph_is_xml_with_hot_function": svg_flame_graph_is_xml_with_hot_function,
}
