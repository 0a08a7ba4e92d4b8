#!/usr/bin/python3
"""summary_check.py [--totals] FANOUT_STDERR REFERENCE_STDERR

Finds fanout's summary line, e.g.
  fanout: 12 objects, 600 MB, 4,000,000 rows, skipped 12 (too few fields 10, non-numeric total_amount 2), 0.52 s, 1.15 GB/s
and compares objects, rows, skipped and the reasons with the reference's --stats JSON
(the last line of its stderr); with --totals, the reasons are not compared. Exits 0 when they agree, else prints why and exits 1.
"""
import json
import re
import sys


def number(text):
    return int(text.replace(',', ''))


def parse_summary(text):
    lines = [l for l in text.splitlines() if l.startswith('fanout:') and re.search(r'[\d,]+ rows?\b', l)]
    if len(lines) != 1:
        raise ValueError(f'expected one summary line on stderr, found {len(lines)}:\n{text[-2000:]}')
    line = lines[0]
    out = {'line': line}
    m = re.search(r'([\d,]+) objects?\b', line)
    out['objects'] = number(m.group(1)) if m else None
    out['rows'] = number(re.search(r'([\d,]+) rows?\b', line).group(1))
    m = re.search(r'skipped ([\d,]+)(?: \(([^()]*)\))?', line)
    out['skipped'] = number(m.group(1)) if m else 0
    reasons = {}
    if m and m.group(2):
        for part in m.group(2).split(', '):
            rm = re.fullmatch(r'(.*\S) ([\d,]+)', part.strip())
            if not rm:
                raise ValueError(f'cannot read skip reason {part!r} in: {line}')
            reasons[rm.group(1)] = number(rm.group(2))
    out['reasons'] = reasons
    return out


def main():
    args = sys.argv[1:]
    totals_only = args[0] == '--totals'
    if totals_only:
        args = args[1:]
    got_text = open(args[0], encoding='utf-8', errors='replace').read()
    ref_lines = open(args[1], encoding='utf-8', errors='replace').read().strip().splitlines()
    want = json.loads(ref_lines[-1])
    try:
        got = parse_summary(got_text)
    except ValueError as e:
        print(e)
        return 1
    problems = []
    fields = ('objects', 'rows', 'skipped') if totals_only else ('objects', 'rows', 'skipped', 'reasons')
    for field in fields:
        if field == 'objects' and got['objects'] is None:
            problems.append('no object count in the summary')
        elif got[field] != want[field]:
            problems.append(f'{field}: fanout {got[field]}, reference {want[field]}')
    if problems:
        print('\n'.join(problems))
        print('fanout summary: ' + got['line'])
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
