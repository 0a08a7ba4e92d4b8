#!/usr/bin/env python3
"""Fails when an #include under src/ crosses the layer order of docs/architecture.md.

    scripts/check-layers.py [--root DIR]   check DIR/src (default: this repository)
    scripts/check-layers.py --self-test    plant bad includes in temporary trees; expect
                                           each to fail and the real tree's copy to pass

Each folder under src/ is a layer; a file may include its own folder's headers and
those of the folders LAYERS lets it use (the order of docs/architecture.md:
core <- io, csv, ops, parquet <- exec <- cluster <- cloud <- cli, and gen uses core and parquet). Every
'#include "folder/..."' of every file under src/ (tests included) is checked, and so
is '#include <folder/...>' when src/folder exists; a relative include ("../x.h"), a
file directly under src/ or in a folder LAYERS does not name is an error too.
KNOWN_VIOLATIONS lists crossings allowed for now (none today), each with why; a new one
fails, and so does an entry that no longer happens (remove it).

Exit status: 0 when every include keeps to the order, 1 otherwise (each problem is
printed as FILE:LINE: what), 2 on bad arguments.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Which other folders each folder may include (docs/architecture.md, "Modules").
# Within the middle row, csv reads its bytes through io's ByteStream interface and
# the ops sinks take csv's rows; io knows nothing of CSV or queries, ops nothing of
# I/O. A new folder must be placed here (and in docs/architecture.md) first.
LAYERS = {
    "core": set(),
    "io": {"core"},
    "csv": {"core", "io"},
    "ops": {"core", "csv"},
    "parquet": {"core"},
    "exec": {"core", "io", "csv", "ops", "parquet"},
    "cluster": {"core", "io", "csv", "ops", "exec", "parquet"},
    "gen": {"core", "parquet"},
    "cloud": {"core", "io", "cluster"},
    "cli": {"core", "io", "csv", "ops", "exec", "cluster", "cloud", "gen", "parquet"},
}

# Crossings allowed for now: (file relative to the root, included path) -> why.
# None today; a test that reaches up a layer belongs beside the code it drives.
KNOWN_VIOLATIONS = {}

SOURCE_SUFFIXES = (".h", ".cc", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def includes(path):
    """(line number, quote char, included path) for each #include of the file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                yield number, m.group(1), m.group(2)


def check(root, layers=LAYERS, known=KNOWN_VIOLATIONS):
    """Every problem in root/src, as 'FILE:LINE: what' strings (empty: none)."""
    src = os.path.join(root, "src")
    if not os.path.isdir(src):
        return [f"{src}: no such directory"]
    folders = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
    problems, seen_known = [], set()
    for d in sorted(folders - set(layers)):
        problems.append(f"src/{d}/: a folder the layer order does not place: add it to LAYERS in "
                        f"scripts/check-layers.py and to the module table of docs/architecture.md")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            parts = rel.split("/")
            if len(parts) < 3:
                problems.append(f"{rel}: a file directly under src/ belongs to no layer")
                continue
            layer = parts[1]
            if layer not in layers:
                continue  # reported once for the folder
            for number, quote, target in includes(path):
                first = target.split("/", 1)[0]
                if target.startswith(("./", "../")):
                    problems.append(f"{rel}:{number}: relative include \"{target}\": name it from src/ "
                                    f"(\"{layer}/...\")")
                    continue
                if "/" not in target or first == layer:
                    continue
                if quote == "<" and first not in folders:
                    continue  # a system or third-party header
                if first not in layers:
                    if first in folders:
                        continue  # reported once for the folder
                    problems.append(f"{rel}:{number}: includes \"{target}\", but src/{first}/ does not exist")
                    continue
                if first in layers[layer]:
                    continue
                if (rel, target) in known:
                    seen_known.add((rel, target))
                    continue
                allowed = ", ".join(sorted(layers[layer])) or "nothing outside it"
                problems.append(f"{rel}:{number}: {layer}/ may not include {target} ({layer}/ may include: "
                                f"{allowed}; docs/architecture.md)")
    for rel, target in sorted(set(known) - seen_known):
        problems.append(f"{rel}: no longer includes {target}: remove it from KNOWN_VIOLATIONS in "
                        f"scripts/check-layers.py")
    return problems


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def self_test():
    """Plants each kind of problem in a small tree and in a copy of the real one."""
    failures = []

    def expect(what, problems, needle):
        hit = [p for p in problems if needle in p]
        if needle and not hit:
            failures.append(f"{what}: no problem mentioning {needle!r} in {problems}")
        if not needle and problems:
            failures.append(f"{what}: expected no problem, got {problems}")

    with tempfile.TemporaryDirectory(prefix="fanout-layers.") as tmp:
        small = os.path.join(tmp, "small")
        write(small, "src/core/status.h", "#pragma once\n#include <string>\n#include <vector>\n")
        write(small, "src/io/store.h", '#pragma once\n#include "core/status.h"\n#include "io/local.h"\n')
        write(small, "src/io/local.h", "#pragma once\n")
        write(small, "src/csv/reader.h", '#include "io/store.h"\n#include <zstd.h>\n')
        write(small, "src/cli/main.cc", '#include "csv/reader.h"\n#include "core/status.h"\n')
        expect("a tree that keeps to the order", check(small, known={}), "")
        cases = [
            ("a lower layer including a higher one", "src/io/store.cc", '#include "csv/reader.h"\n',
             "src/io/store.cc:1: io/ may not include csv/reader.h"),
            ("core including anything", "src/core/x.cc", '\n#include "io/store.h"\n',
             "src/core/x.cc:2: core/ may not include io/store.h"),
            ("gen including io", "src/gen/taxi.cc", '#include "core/status.h"\n#include "io/store.h"\n',
             "src/gen/taxi.cc:2: gen/ may not include io/store.h"),
            ("an angle include of a layer", "src/io/y.cc", "#include <cli/commands.h>\n",
             "io/ may not include cli/commands.h"),
            ("a spaced include", "src/ops/z.h", '  #  include "exec/plan.h"\n', "ops/ may not include exec/plan.h"),
            ("a relative include", "src/io/w.cc", '#include "../cli/x.h"\n', "relative include"),
            ("a folder outside the order", "src/format/parquet.cc", '#include "core/status.h"\n',
             "src/format/: a folder the layer order does not place"),
            ("an include of a missing folder", "src/io/v.cc", '#include "nowhere/x.h"\n',
             "src/nowhere/ does not exist"),
            ("a file directly under src/", "src/stray.cc", "\n", "src/stray.cc: a file directly under src/"),
        ]
        for what, rel, text, needle in cases:
            tree = os.path.join(tmp, "case")
            shutil.copytree(small, tree)
            write(tree, rel, text)
            expect(what, check(tree, known={}), needle)
            shutil.rmtree(tree)
        allowed = {("src/io/store.cc", "csv/reader.h"): "planted"}
        tree = os.path.join(tmp, "case")
        shutil.copytree(small, tree)
        write(tree, "src/io/store.cc", '#include "csv/reader.h"\n')
        expect("an allow-listed crossing", check(tree, known=allowed), "")
        os.remove(os.path.join(tree, "src/io/store.cc"))
        expect("an allow-list entry that no longer happens", check(tree, known=allowed),
               "no longer includes csv/reader.h")
        shutil.rmtree(tree)

        # The real configuration on a copy of the real tree, through the command line.
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        copy = os.path.join(tmp, "repo")
        shutil.copytree(os.path.join(repo, "src"), os.path.join(copy, "src"))
        me = os.path.abspath(__file__)

        def run():
            return subprocess.run([sys.executable, me, "--root", copy], capture_output=True, text=True)

        clean = run()
        if clean.returncode != 0:
            failures.append(f"the copy of the real tree fails (exit {clean.returncode}): {clean.stdout}")
        victim = os.path.join(copy, "src", "io", "object_store.h")
        with open(victim, encoding="utf-8") as f:
            text = f.read()
        with open(victim, "w", encoding="utf-8") as f:
            f.write(text.replace("#pragma once\n", '#pragma once\n#include "exec/plan.h"\n', 1))
        planted = run()
        if planted.returncode != 1 or "src/io/object_store.h:" not in planted.stdout or \
                "io/ may not include exec/plan.h" not in planted.stdout:
            failures.append(f"a planted include in the real tree: exit {planted.returncode}, {planted.stdout!r}")

    for f in failures:
        print("FAIL: " + f)
    print(f"check-layers self-test: {'ok' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the repository to check (default: the one holding this script)")
    parser.add_argument("--self-test", action="store_true", help="check the checker")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    problems = check(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} include(s) cross the layer order of docs/architecture.md")
        return 1
    print(f"check-layers: every include under {os.path.join(args.root, 'src')} keeps to the layer order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
