#!/usr/bin/env python3
"""splice.py TEMPLATE JSON OUT: what `fanout --report` does with its page.

The template's one placeholder @FANOUT_STATS@ is replaced with the JSON text, in
which every '<' is written as \\u003c (so that the JSON can never close the
script element that holds it).
"""

import sys

PLACEHOLDER = "@FANOUT_STATS@"


def splice(template: str, stats: str) -> str:
    n = template.count(PLACEHOLDER)
    if n != 1:
        raise SystemExit("splice.py: the template has %d placeholders %s, not 1" % (n, PLACEHOLDER))
    at = template.index(PLACEHOLDER)
    return template[:at] + stats.strip().replace("<", "\\u003c") + template[at + len(PLACEHOLDER):]


def main(argv):
    if len(argv) != 4:
        raise SystemExit("usage: splice.py TEMPLATE JSON OUT")
    with open(argv[1], encoding="utf-8") as f:
        template = f.read()
    with open(argv[2], encoding="utf-8") as f:
        stats = f.read()
    with open(argv[3], "w", encoding="utf-8") as f:
        f.write(splice(template, stats))


if __name__ == "__main__":
    main(sys.argv)
