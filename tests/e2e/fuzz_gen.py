#!/usr/bin/python3
"""fuzz_gen.py DIR CASES SEED: writes CASES random well-formed CSV datasets under
DIR/caseN/ and prints one fanout command per line (JSON array of arguments) to run
on each, for fuzz_test.sh to compare fanout with the reference.

The CSV is random: RFC 4180 quoting, '\\n' or '\\r\\n' line ends, blank lines, a
missing final line end, short and long rows, delimiters inside quotes, numbers,
decimals, empty fields and non-numeric text; and in some files what real exports
hold: quotes inside unquoted fields (5'10"), text after a quoted field's closing
quote ("ab"c), a lone '\\r' as text, lone '\\r' line ends (and no '\\n' at all),
a byte order mark before a quoted first name, a file that ends inside a quote.
"""
import json
import os
import random
import sys

WORDS = ['a', 'b', 'B', 'x y', 'p,q', 'say "hi"', 'line\nbreak', 'crlf\r\nbreak',
         'ü', 'tab\there', 'semi;colon', 'pipe|bar', 'z']
NUMBERS = ['0', '1', '2', '3', '-1', '1.25', '-3.5', '0.1', '0.2', '10', '007',
           '2.000000001', '.5', '100']
DELIMS = [',', ',', ',', ';', '\t', '|']
OPS = ['=', '!=', '<', '<=', '>', '>=']


QUIRKY_WORDS = ['5\'10"', '12" sub', 'a"b', 'x""y', 'cr\rtext']


def field_text(rng, value, delim, quirky=False):
    must = any(c in value for c in (delim, '"', '\n', '\r'))
    if quirky and not value.startswith('"') and not any(c in value for c in (delim, '\n')):
        r = rng.random()
        if r < 0.3 and ('"' in value or '\r' in value):
            return value  # a quote (or a '\r') inside an unquoted field is text
        if r < 0.45 and value and '"' not in value and '\r' not in value:
            k = rng.randrange(0, len(value) + 1)
            return '"' + value[:k] + '"' + value[k:] + rng.choice(['', '"', 'z"'])  # text after the close
    if must or rng.random() < 0.15:
        return '"' + value.replace('"', '""') + '"'
    return value


def random_value(rng, quirky=False, cr_only=False):
    r = rng.random()
    if r < 0.5:
        return rng.choice(NUMBERS)
    if r < 0.65:
        return ''
    words = WORDS + (QUIRKY_WORDS if quirky else [])
    if cr_only:  # no '\n' anywhere, so that lone '\r's end the lines
        words = [w for w in words if '\n' not in w]
    return rng.choice(words)


def write_file(rng, path, ncols, delim, header, compress):
    crlf = rng.random() < 0.3
    mixed = rng.random() < 0.2
    quirky = rng.random() < 0.4
    cr_only = quirky and rng.random() < 0.25
    lines = []
    if header:
        names = [field_text(rng, f'c{i + 1}', delim) for i in range(ncols)]
        if rng.random() < 0.15:
            names[0] = '\ufeffc1'  # a UTF-8 BOM before an unquoted first name
        elif rng.random() < 0.1:
            names[0] = '\ufeff"c1"'  # ... and before a quoted one
        lines.append(delim.join(names))
        if rng.random() < 0.2:
            lines.append('')
    for _ in range(rng.randrange(0, 40)):
        if rng.random() < 0.06:
            lines.append('')
            continue
        n = ncols
        if rng.random() < 0.07:
            n = rng.randrange(1, ncols + 1)
        elif rng.random() < 0.04:
            n = ncols + rng.randrange(1, 3)
        values = [random_value(rng, quirky, cr_only) for _ in range(n)]
        if n == 1 and values[0] == '':
            values[0] = 'z'  # a lone empty field would be a blank line
        lines.append(delim.join(field_text(rng, v, delim, quirky) for v in values))
    if quirky and rng.random() < 0.15:
        lines.append(delim.join(['1', '"never closed' + ('' if cr_only else '\nover lines')]))
    out = []
    for i, line in enumerate(lines):
        end = '\r\n' if (crlf if not mixed else rng.random() < 0.5) else '\n'
        if cr_only:
            end = '\r'
        last = i == len(lines) - 1
        if last and line != '' and (rng.random() < 0.3 or '"never closed' in line):
            end = ''
        out.append(line + end)
    data = ''.join(out).encode('utf-8')
    if compress == 'gz':
        import gzip
        data = gzip.compress(data)
    with open(path, 'wb') as f:
        f.write(data)


def col_ref(rng, ncols, header):
    i = rng.randrange(1, ncols + 1)
    if header and rng.random() < 0.6:
        name = f'c{i}'
        if rng.random() < 0.3:
            name = name.upper()
        if rng.random() < 0.2:
            name = f'nosuch|{name}'
        return name
    return str(i)


def where(rng, ncols, header):
    # Unquoted values are numbers (a numeric comparison); quoted ones are text.
    value = rng.choice(NUMBERS + ["'a'", "'B'", "''", '"x"', "'1'", "'10'"])
    return f'{col_ref(rng, ncols, header)} {rng.choice(OPS)} {value}'


def main():
    root, cases, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    for case in range(cases):
        d = os.path.join(root, f'case{case}')
        os.makedirs(d)
        ncols = rng.randrange(1, 6)
        delim = rng.choice(DELIMS)
        header = rng.random() < 0.75
        for k in range(rng.randrange(1, 4)):
            compress = 'gz' if rng.random() < 0.15 else None
            write_file(rng, os.path.join(d, f'f{k}.csv'), ncols, delim, header, compress)
        common = [d]
        if delim != ',':
            common += ['--delimiter', '\\t' if delim == '\t' else delim]
        if not header:
            common += rng.choice([['--header', 'no'], []])  # [] : auto decides per file
        elif rng.random() < 0.2:
            common += ['--header', 'yes']
        for _ in range(3):
            if rng.random() < 0.2:
                cols = ','.join(rng.choice([col_ref(rng, ncols, header), f'1-{rng.randrange(1, ncols + 1)}'])
                                for _ in range(rng.randrange(1, 3)))
                args = ['select'] + common + ['--cols', cols]
                for _ in range(rng.choice([0, 1])):
                    args += ['--where', where(rng, ncols, header)]
                settings = ['--threads', str(rng.randrange(1, 5)),
                            '--range-size', str(rng.choice([1, 2, 3, 5, 8, 13, 64, 4096]))]
                print(json.dumps({'args': args, 'settings': settings, 'select': True}))
                continue
            args = ['count' if rng.random() < 0.5 else 'agg'] + common
            keys = [col_ref(rng, ncols, header) for _ in range(rng.randrange(1, 3))]
            args += ['--by', ','.join(keys)]
            if args[0] == 'agg':
                if rng.random() < 0.5:
                    args.append('--count')
                for kind in ('--sum', '--mean', '--min', '--max'):
                    if rng.random() < 0.4:
                        args += [kind, col_ref(rng, ncols, header)]
            for _ in range(rng.choice([0, 0, 1, 2])):
                args += ['--where', where(rng, ncols, header)]
            if rng.random() < 0.2:
                args += ['--top', str(rng.randrange(1, 5))]
            settings = ['--threads', str(rng.randrange(1, 5)),
                        '--range-size', str(rng.choice([1, 2, 3, 5, 8, 13, 64, 4096])),
                        '--buffer-size', str(rng.choice([1, 2, 7, 64, 1 << 20]))]
            print(json.dumps({'args': args, 'settings': settings}))


if __name__ == '__main__':
    main()
