#!/usr/bin/env python3
"""Copies every canonical original listed in recipes/COPIES over its copies again.

Usage (from the repository root): tools/copies/sync.py [--check]
A whole file keeps the copy's own package line; a #region replaces the lines from "// tag::name[]" to
"// end::name[]" in the copy; a folder (both paths end in "/", below src/main/java or src/test/java) copies
every file below it, the original's package prefix rewritten to the copy's in package lines and imports,
and removes files the original folder does not have. --check changes nothing and lists the copies that differ (what
tools/repo-checks' RecipeCopiesTest asserts in `make test`).
"""
import os
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


def package_of(folder):
    """dev/x/y/ below src/*/java/ -> dev.x.y"""
    match = re.search(r"/src/(?:main|test)/java/(.+?)/?$", folder)
    if not match:
        sys.exit("%s is not a folder below src/main/java or src/test/java" % folder)
    return match.group(1).replace("/", ".")


def files_below(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)


def sync_folder(canonical, copy):
    old, new = package_of(canonical), package_of(copy)
    pattern = re.compile(re.escape(old) + r"(?=[.;])")
    originals = files_below(canonical)
    for name in originals:
        updated = pattern.sub(new, open(os.path.join(canonical, name), encoding="utf-8").read())
        target_path = os.path.join(copy, name)
        target = open(target_path, encoding="utf-8").read() if os.path.exists(target_path) else None
        if updated != target:
            differ.append(target_path)
            if not check:
                os.makedirs(os.path.dirname(target_path), exist_ok=True)
                with open(target_path, "w", encoding="utf-8") as f:
                    f.write(updated)
    for name in set(files_below(copy) if os.path.isdir(copy) else []) - set(originals):
        differ.append(os.path.join(copy, name) + " (not in " + canonical + ")")
        if not check:
            os.remove(os.path.join(copy, name))


check = "--check" in sys.argv
differ = []
for line in open("recipes/COPIES", encoding="utf-8"):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    canonical, copy = line.split()
    if canonical.endswith("/") and copy.endswith("/"):
        sync_folder(canonical, copy)
        continue
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
