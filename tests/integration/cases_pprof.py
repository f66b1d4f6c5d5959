"""The pprof export (issue 11), read back by decoders that are not ours:
protoc (protobuf-compiler) against client/export/pprof.proto, and the npm
package pprof-format, which follows google/pprof's own schema. A --memory
run of a workload with a known hot line is exported from its profile.json
with `fixingahole export --format pprof`; each decoder must find every sample type's total equal to
profile.json's within rounding, the hot line as a location of its function
with the time profile.json charged to it, and the thread labels."""

import ast
import gzip
import json
import os
import shutil
import subprocess

from harness import (DEBIAN_PYTHON, Checks, Failure, Skip, fixingahole, load_profile,
                     marked_lines, same_file)

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "client", "export")
# Where cmake/install-deps.sh puts the npm packages the tests load.
NPM_CACHE = os.environ.get("FAH_NPM_CACHE", "/var/cache/fixingahole/npm")
PPROF_FORMAT = os.path.join(NPM_CACHE, "pprof-format-2.3.2", "node_modules", "pprof-format")
NS = 1e9
# Each stack's seconds are rounded to whole nanoseconds (and profile.json
# prints doubles to 15-17 digits): one nanosecond per stack bounds both.
ROUNDING_NS_PER_STACK = 1.0


def _parse_text_format(text):
    """protoc's text format as nested dicts of lists: {field: [value]},
    a message value being a dict again, strings decoded from UTF-8."""
    root, stack = {}, []
    node = root
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.endswith("{"):
            child = {}
            node.setdefault(line[:-1].strip(), []).append(child)
            stack.append(node)
            node = child
        elif line == "}":
            node = stack.pop()
        else:
            key, value = line.split(":", 1)
            value = value.strip()
            if value.startswith('"'):
                value = ast.literal_eval("b" + value).decode("utf-8")
            else:
                value = int(value)
            node.setdefault(key, []).append(value)
    return root


def _one(msg, key, default=0):
    return msg.get(key, [default])[0]


def _normalise_protoc(m):
    """The decoded message in pprof_decode.cjs's shape, names resolved."""
    strings = m.get("string_table", [])
    s = lambda i: strings[i]  # noqa: E731
    labels = lambda ls: {s(_one(l, "key")): (s(_one(l, "str")) if _one(l, "str")  # noqa: E731
                                             else _one(l, "num")) for l in ls}
    return {
        "sample_type": [[s(_one(t, "type")), s(_one(t, "unit"))] for t in m.get("sample_type", [])],
        "samples": [{"locations": x.get("location_id", []), "values": x.get("value", []),
                     "labels": labels(x.get("label", []))} for x in m.get("sample", [])],
        "locations": {_one(l, "id"): [[_one(x, "function_id"), _one(x, "line")]
                                      for x in l.get("line", [])] for l in m.get("location", [])},
        "functions": {_one(f, "id"): [s(_one(f, "name")), s(_one(f, "filename")),
                                      _one(f, "start_line")] for f in m.get("function", [])},
        "period": _one(m, "period"), "duration": _one(m, "duration_nanos"),
        "default_type": s(_one(m, "default_sample_type")),
    }


def _normalise_node(d):
    """pprof_decode.cjs's output with its decimal strings made numbers."""
    num = lambda v: int(v) if isinstance(v, str) and v.lstrip("-").isdigit() else v  # noqa: E731
    return {
        "sample_type": d["sample_type"],
        "samples": [{"locations": [int(i) for i in x["locations"]],
                     "values": [int(v) for v in x["values"]],
                     "labels": {k: num(v) for k, v in x["labels"].items()}} for x in d["samples"]],
        "locations": {int(k): [[int(f), int(l)] for f, l in v] for k, v in d["locations"].items()},
        "functions": {int(k): [v[0], v[1], int(v[2])] for k, v in d["functions"].items()},
        "period": int(d["period"]), "duration": int(d["duration"]),
        "default_type": d["default_type"],
    }


def _decode_protoc(raw_path):
    if not shutil.which("protoc"):
        raise Skip("protoc is not installed (cmake/install-deps.sh installs protobuf-compiler)")
    with open(raw_path, "rb") as f:
        r = subprocess.run(["protoc", "--decode", "perftools.profiles.Profile", "-I", PROTO_DIR,
                            "pprof.proto"], stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise Failure("protoc --decode failed (%d): %s" % (r.returncode, r.stderr.decode()))
    return _normalise_protoc(_parse_text_format(r.stdout.decode("utf-8")))


def _decode_node(raw_path):
    """pprof-format's reading, or None (said as skipped) without it."""
    if not shutil.which("node") or not os.path.isdir(PPROF_FORMAT):
        print("pprof-format decoder skipped: node or %s missing "
              "(cmake/install-deps.sh installs them)" % PPROF_FORMAT)
        return None
    r = subprocess.run(["node", os.path.join(HERE, "pprof_decode.cjs"), PPROF_FORMAT, raw_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise Failure("pprof-format could not decode the export (%d): %s"
                      % (r.returncode, r.stderr.decode()))
    return _normalise_node(json.loads(r.stdout))


def _expected_totals(doc):
    """profile.json's total per pprof sample type, in pprof's units."""
    t = doc["totals"]
    want = {"samples": sum(s["samples"] for s in doc["stacks"]),
            "time": t["seconds"] * NS, "python": t["python_seconds"] * NS,
            "native": t["native_seconds"] * NS, "system": t["system_seconds"] * NS}
    if doc.get("idle_included"):
        want["idle"] = t["idle_seconds"] * NS
    if doc.get("heap_sampling"):
        want["alloc_space"] = doc["heap_sampling"]["total_alloc_bytes"]
    return want


def _check_totals(c, who, pp, doc):
    want = _expected_totals(doc)
    types = [t for t, _ in pp["sample_type"]]
    c.expect(sorted(types) == sorted(want), "%s: sample types %r, expected %r"
             % (who, types, sorted(want)))
    slack = ROUNDING_NS_PER_STACK * len(doc["stacks"])
    for k, name in enumerate(types):
        got = sum(s["values"][k] for s in pp["samples"])
        if name in want:
            c.expect(abs(got - want[name]) <= slack, "%s: total %s %d, profile.json says %.1f"
                     " (allowed %.0f for rounding)" % (who, name, got, want[name], slack))
    c.expect(pp["default_type"] == "time", "%s: default sample type %r" % (who, pp["default_type"]))
    c.expect(pp["period"] == round(NS / doc["rate_hz"]), "%s: period %d at %d Hz"
             % (who, pp["period"], doc["rate_hz"]))
    c.expect(abs(pp["duration"] - doc["wall_seconds"] * NS) <= 1, "%s: duration %d ns, wall %s s"
             % (who, pp["duration"], doc["wall_seconds"]))


def _location_at(pp, function, script, line):
    """Ids of the locations of function (in script) at line."""
    return [i for i, lines in pp["locations"].items() if len(lines) == 1 and
            lines[0][1] == line and pp["functions"][lines[0][0]][0] == function and
            same_file(pp["functions"][lines[0][0]][1], script)]


def _line_seconds(doc, script, line):
    for f in doc["files"]:
        if same_file(f["file"], script):
            return sum(l["seconds"] for l in f["lines"] if l["line"] == line)
    return 0.0


def _check_lines(c, who, pp, doc, script, marks):
    spin = _location_at(pp, "python_work", script, marks["spin"])
    dumps = _location_at(pp, "library_work", script, marks["dumps"])
    c.expect(len(spin) == 1, "%s: python_work's line %d is %d locations, expected 1"
             % (who, marks["spin"], len(spin)))
    c.expect(len(dumps) == 1, "%s: library_work's line %d is %d locations, expected 1"
             % (who, marks["dumps"], len(dumps)))
    if len(spin) != 1:
        return
    # python_work's loop calls only builtins: every sample on that line has
    # it as its leaf, so the leaf's time is the time profile.json charged.
    k = [t for t, _ in pp["sample_type"]].index("time")
    got = sum(s["values"][k] for s in pp["samples"] if s["locations"][:1] == spin)
    want = _line_seconds(doc, script, marks["spin"]) * NS
    slack = ROUNDING_NS_PER_STACK * len(doc["stacks"])
    c.expect(want > 0 and abs(got - want) <= slack, "%s: %d ns at line %d, profile.json charged"
             " %.0f ns" % (who, got, marks["spin"], want))


def _check_labels(c, who, pp, doc):
    names = {t["tid"]: t["name"] for t in doc["threads"] if t.get("name")}
    tids = {s["tid"] for s in doc["stacks"]}
    seen = {s["labels"].get("thread_id") for s in pp["samples"]}
    c.expect(seen == tids, "%s: thread_id labels %r, profile.json's stacks have %r"
             % (who, sorted(seen, key=str), sorted(tids)))
    wrong = [s["labels"] for s in pp["samples"]
             if s["labels"].get("thread") != names.get(s["labels"].get("thread_id"))]
    c.expect(not wrong, "%s: thread labels do not name the threads %r: %r"
             % (who, names, wrong[:3]))
    # Each sample's process: the pid profile.json gives its thread.
    pids = {t["tid"]: t.get("pid") for t in doc["threads"]}
    wrong = [s["labels"] for s in pp["samples"]
             if s["labels"].get("pid") != pids.get(s["labels"].get("thread_id"))]
    c.expect(not wrong and any(pids.values()), "%s: pid labels are not the threads' processes "
             "%r: %r" % (who, pids, wrong[:3]))


def pprof_export_totals_and_lines_match_profile_json(work):
    script = "opt_busy.py"
    work.copy_workload(script)
    run = fixingahole(["profile", "--python", DEBIAN_PYTHON, "--memory", script], cwd=work.path)
    if run.status != 0:
        raise Failure("fixingahole exited %s\n%s" % (run.status, run.describe()))
    prof = load_profile(work.path, "opt_busy")
    doc = prof.doc
    out = work.file("profile.pb.gz")
    r = fixingahole(["export", os.path.join(prof.folder, "profile.json"), "--format", "pprof",
                     "-o", out], cwd=work.path)
    if r.status != 0:
        raise Failure("the pprof export failed\n%s" % r.describe())
    raw = work.file("profile.pb")
    with gzip.open(out, "rb") as f, open(raw, "wb") as g:
        g.write(f.read())
    c = Checks()
    c.expect((doc.get("heap_sampling") or {}).get("samples", 0) > 0,
             "the --memory run took no heap samples: nothing to compare alloc_space with")
    decoded = [("protoc", _decode_protoc(raw)), ("pprof-format", _decode_node(raw))]
    for who, pp in decoded:
        if pp is None:
            continue
        _check_totals(c, who, pp, doc)
        _check_lines(c, who, pp, doc, work.file(script), marked_lines(work.file(script)))
        _check_labels(c, who, pp, doc)
    if decoded[1][1] is not None:
        c.expect(decoded[0][1] == decoded[1][1], "protoc and pprof-format read different profiles")
    c.finish(lambda: "profile.json totals: %s\n%s" % (json.dumps(doc["totals"]), run.describe()))


CASES = {
    "pprof_export_totals_and_lines_match_profile_json":
        pprof_export_totals_and_lines_match_profile_json,
}
