#!/usr/bin/env python3
"""Copies every canonical original listed in recipes/COPIES over its copies again.

Usage (from the repository root): tools/copies/sync.py [--check]
A whole file keeps the copy's own package line; a #region replaces the lines from "// tag::name[]" to
"// end::name[]" in the copy. --check changes nothing and lists the copies that differ (what
tools/repo-checks' RecipeCopiesTest asserts in `make test`).
"""
import re
import sys


def region(lines, name, place):
    start = next((i for i, l in enumerate(lines) if l.strip() == "// tag::%s[]" % name), None)
    end = next((i for i, l in enumerate(lines) if l.strip() == "// end::%s[]" % name), None)
    if start is None or end is None or end < start:
        sys.exit("%s has no region %s" % (place, name))
    return start, end + 1


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")


check = "--check" in sys.argv
differ = []
for line in open("recipes/COPIES", encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    canonical, copy = line.split()
    c_path, _, c_region = canonical.partition("#")
    k_path, _, k_region = copy.partition("#")
    original, target = read(c_path), read(k_path)
    if c_region:
        a, b = region(original, c_region, canonical)
        x, y = region(target, k_region, copy)
        updated = target[:x] + original[a:b] + target[y:]
    else:
        package = [l for l in target if l.startswith("package ")]
        updated = [package[0] if l.startswith("package ") and package else l for l in original]
    if updated != target:
        differ.append(copy)
        if not check:
            with open(k_path, "w", encoding="utf-8") as f:
                f.write("\n".join(updated))
for copy in differ:
    print(("differs: " if check else "copied: ") + copy)
sys.exit(1 if check and differ else 0)
