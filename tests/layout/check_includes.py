#!/usr/bin/python3
"""Keeps the include graph going one way (README.md, "Layout").

Top-level folders: common includes nothing of the others; symbols only
common; daemon common and symbols; client common and symbols, never the
daemon. Inside client/, one group per concern, each including only the
groups below it:

    cli    -> run, link, export, report, view, model, config
    run    -> model, config
    link   -> model
    export -> report, view, model
    report -> view, model
    view   -> model
    model, config -> (nothing else in client/)

client/main.c may include any group; client/alloc/ (preloaded into the
script) none. A source file directly in client/ other than main.c, or in a
folder not listed here, is an error too: it belongs to a group.

Usage: check_includes.py [SOURCE_DIR]. Prints every edge not allowed, as
"file:line: includes path (group -> group is not allowed)", and exits 1 when
there is one, 0 otherwise.
"""
import os
import re
import sys

TOP = {
    "common": set(),
    "symbols": {"common"},
    "daemon": {"common", "symbols"},
    "client": {"common", "symbols"},
}

GROUPS = {
    "cli": {"run", "link", "export", "report", "view", "model", "config"},
    "run": {"model", "config"},
    "link": {"model"},
    "report": {"view", "model"},
    "export": {"report", "view", "model"},
    "view": {"model"},
    "model": set(),
    "config": set(),
    "alloc": set(),
}
GROUPS["main"] = {"cli", "run", "link", "export", "report", "view", "model", "config"}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE = (".c", ".h")


def group_of(rel):
    """The client group of a path relative to client/, or None."""
    parts = rel.split("/")
    if len(parts) == 1:
        return "main" if parts[0] == "main.c" else None
    return parts[0] if parts[0] in GROUPS and parts[0] != "main" else None


def check(root):
    problems = []
    for top in TOP:
        base = os.path.join(root, top)
        for folder, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith(SOURCE):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root)
                src_group = None
                if top == "client":
                    src_group = group_of(os.path.relpath(path, base))
                    if src_group is None:
                        problems.append("%s: not in a client group (%s)"
                                        % (rel, ", ".join(sorted(GROUPS))))
                        continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        dest_top = target.split("/")[0]
                        if dest_top not in TOP or dest_top == top:
                            if dest_top == "client" and top == "client":
                                problems += check_group(rel, lineno, target, src_group)
                            continue
                        if dest_top not in TOP[top]:
                            problems.append("%s:%d: includes %s (%s -> %s is not allowed)"
                                            % (rel, lineno, target, top, dest_top))
    return problems


def check_group(rel, lineno, target, src_group):
    dest_group = group_of(target[len("client/"):])
    if dest_group is None or dest_group == "main":
        return ["%s:%d: includes %s (not in a client group)" % (rel, lineno, target)]
    if dest_group == src_group or dest_group in GROUPS[src_group]:
        return []
    return ["%s:%d: includes %s (client/%s -> client/%s is not allowed)"
            % (rel, lineno, target, src_group, dest_group)]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print("%d include(s) against the layout (tests/layout/check_includes.py)"
              % len(problems))
        return 1
    print("include graph follows the layout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
