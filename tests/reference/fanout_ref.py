#!/usr/bin/python3
"""A deliberately simple reference implementation of fanout's count, agg,
select and ls commands (docs/cli.md), for end-to-end tests to compare against.

It reads every object sequentially with Python's csv module and keeps no state
between objects except the result table. Speed does not matter here; being
obviously right does. Standard library only, run with /usr/bin/python3.

Text is handled as latin-1 so that every byte maps to one character: string
comparison is then byte comparison, and output is re-encoded byte for byte.

Usage mirrors fanout, so a test can run one argument list through both:
    fanout_ref.py count --by passenger_count DIR
    fanout_ref.py agg --by 1 --sum 'total_amount|total_amt' --stats DIR
    fanout_ref.py select --cols 1-3 DIR --out OUTDIR
    fanout_ref.py ls DIR
Flags that only tune the engine (--threads, --range-size, --buffer-size,
--max-row, --quiet) are accepted and ignored. --stats prints, on stderr, one
JSON object: {"objects": N, "rows": N, "skipped": N, "reasons": {REASON: N}}.

Line ends are fanout's (docs/cli.md): '\\n' (a '\\r' before it dropped), or a
lone '\\r' in an object with no '\\n' at all, guessed from its first 64 KiB as
fanout does; a lone '\\r' in an object with '\\n's is text. Python's csv module
splits lines on every '\\r', so such a '\\r' is hidden from it behind a character
the object does not hold. A record the object ends inside a quoted field of is
skipped ('unterminated quoted field'), where Python's csv module would return it.
"""

import csv
import decimal
import fractions
import functools
import glob
import gzip
import io
import json
import math
import os
import re
import subprocess
import sys

csv.field_size_limit(sys.maxsize)
# Decimal arithmetic here must be exact: any rounding is an error, not an answer.
decimal.getcontext().prec = 100000
decimal.getcontext().traps[decimal.Inexact] = True
decimal.getcontext().traps[decimal.Rounded] = True

EXIT_FAILED = 1
EXIT_USAGE = 2

# A number (docs/cli.md, Numbers): surrounding spaces, one optional sign, digits
# with an optional point, an optional exponent.
NUMBER_RE = re.compile(r' *[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)? *')
MIN_DIGIT_EXPONENT = -1100  # a nonzero digit below 10^-1100: not a number
MAX_PLAIN_DIGITS = 40       # exact values with more digits print in exponent form
INDEX_RE = re.compile(r'[0-9]+')
UTF8_BOM = '\xef\xbb\xbf'  # the BOM's three bytes, as latin-1 characters
ASCII_LOWER = str.maketrans('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')


class UsageError(Exception):
    pass


class JobError(Exception):
    pass


def arg_text(s):
    """A command-line string as latin-1 text (its bytes, one char per byte)."""
    return os.fsencode(s).decode('latin-1')


def as_decimal(text):
    """The exact value of text if it is a number, else None: it must round to a
    finite double, and its last nonzero digit must lie at 10^-1100 or above."""
    if not NUMBER_RE.fullmatch(text):
        return None
    d = decimal.Decimal(text.strip(' '))
    if d == 0:
        return decimal.Decimal(0)
    _, digits, exp = d.as_tuple()
    text_digits = ''.join(map(str, digits))
    exp += len(text_digits) - len(text_digits.rstrip('0'))  # the last nonzero digit's power
    if exp < MIN_DIGIT_EXPONENT or math.isinf(float(d)):
        return None
    return d


def as_number(text):
    """The nearest double to text if it is a number, else None."""
    d = as_decimal(text)
    return None if d is None else float(d)


def exact_text(d):
    """An exact decimal as fanout prints it: plain notation when that takes at
    most MAX_PLAIN_DIGITS digits, else d.ddd e+N with every significant digit."""
    if d == 0:
        return '0'
    sign, digits, exp = d.as_tuple()
    s = ''.join(map(str, digits))
    stripped = s.rstrip('0')
    exp += len(s) - len(stripped)
    s = stripped.lstrip('0')
    n = len(s)
    top = exp + n - 1
    plain = n + exp if exp >= 0 else (n if top >= 0 else n - top)
    if plain <= MAX_PLAIN_DIGITS:
        if exp >= 0:
            body = s + '0' * exp
        elif top >= 0:
            body = s[:top + 1] + '.' + s[top + 1:]
        else:
            body = '0.' + '0' * (-top - 1) + s
    else:
        body = s[0] + ('.' + s[1:] if n > 1 else '') + 'e' + ('-' if top < 0 else '+') + f'{abs(top):02d}'
    return ('-' if sign else '') + body


# ---------------------------------------------------------------- inputs

def expand_inputs(args):
    """Files, directories (recursively, sorted, hidden skipped) and globs."""
    paths = []
    for arg in args:
        if any(c in arg for c in '*?['):
            matches = sorted(glob.glob(arg))
            if not matches:
                raise JobError(f'{arg}: no object matches this pattern')
            for m in matches:
                paths.extend(expand_one(m))
        elif os.path.isdir(arg):
            paths.extend(walk_dir(arg))
        elif os.path.exists(arg):
            paths.append(arg)
        else:
            raise JobError(f'{arg}: no such file or directory')
    return paths


def expand_one(path):
    return walk_dir(path) if os.path.isdir(path) else [path]


def walk_dir(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith('.')]
        for name in filenames:
            if name.startswith('.'):
                continue
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                found.append(full)
    return sorted(found)


def read_object(path):
    """The object's bytes, decompressed when its magic bytes say gzip or zstd."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        raise JobError(f'{path}: {e.strerror}')
    if data[:2] == b'\x1f\x8b':
        try:
            return gzip.decompress(data)  # handles concatenated members
        except (OSError, EOFError, ValueError) as e:
            raise JobError(f'{path}: corrupt gzip: {e}')
    if data[:4] == b'\x28\xb5\x2f\xfd':
        proc = subprocess.run(['zstd', '-dc'], input=data, capture_output=True)
        if proc.returncode != 0:
            raise JobError(f'{path}: corrupt zstd: {proc.stderr.decode(errors="replace").strip()}')
        return proc.stdout
    return data


class LineTap:
    """Feeds lines to csv.reader and remembers which physical lines each record used."""

    def __init__(self, lines):
        self.lines = lines
        self.taken = []
        self.lineno = 0

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self.lines)
        self.taken.append(line)
        self.lineno += 1
        return line


class Record:
    def __init__(self, fields, raw, line):
        self.fields = fields  # decoded values
        self.raw = raw        # the record's text without its final line end
        self.line = line      # 1-based physical line where it starts
        self.unterminated = False  # the object ends inside a quoted field of it


LINE_END_SNIFF = 64 << 10
UNTERMINATED = 'unterminated quoted field'


def line_end(text, path):
    """'\\n' or '\\r': the object's line end, or JobError where fanout's guess from
    its first 64 KiB cannot be right."""
    def kind(t):
        return '\n' if '\n' in t or '\r' not in t else '\r'
    truth, guess = kind(text), kind(text[:LINE_END_SNIFF])
    if truth != guess:
        raise JobError(f'{path}: mixed line ends')
    return truth


def ends_in_quoted_field(text, delimiter, newline):
    """Whether the text ends inside a quoted field, by the states of Python's csv
    module (which does not say so itself when strict is off)."""
    start, in_field, quoted, quote_in_quoted = range(4)
    state = start
    for ch in text:
        if state == quoted:
            state = quote_in_quoted if ch == '"' else quoted
        elif state == quote_in_quoted:
            state = quoted if ch == '"' else start if ch in (delimiter, newline) else in_field
        elif ch in (delimiter, newline):
            state = start
        elif state == start and ch == '"':
            state = quoted
        else:
            state = in_field
    return state == quoted


def records(path, delimiter):
    """Every non-blank record of the object, in order."""
    text = read_object(path).decode('latin-1')
    newline = line_end(text, path)
    if text.startswith(UTF8_BOM):
        text = text[len(UTF8_BOM):]  # it belongs to no field
    unterminated = ends_in_quoted_field(text, delimiter, newline)
    hidden = None
    if newline == '\n' and re.search('\r(?!\n)', text):
        hidden = next(chr(c) for c in range(1, 256) if chr(c) not in text and chr(c) not in (delimiter, '"', '\n', '\r'))
        text = re.sub('\r(?!\n)', hidden, text)
    last = None
    for rec in _records(text, delimiter, path):
        if hidden is not None:
            rec.fields = [f.replace(hidden, '\r') for f in rec.fields]
            rec.raw = rec.raw.replace(hidden, '\r')
        if last is not None:
            yield last
        last = rec
    if last is not None:
        last.unterminated = unterminated
        yield last


def _records(text, delimiter, path):
    stream = io.StringIO(text, newline='')
    tap = LineTap(iter(stream))
    reader = csv.reader(tap, delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)
    while True:
        tap.taken = []
        start = tap.lineno + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise JobError(f'{path}:{start}: {e}')
        if not fields:
            continue  # blank line
        raw = ''.join(tap.taken)
        for end in ('\r\n', '\n', '\r'):
            if raw.endswith(end):
                raw = raw[:-len(end)]
                break
        yield Record(fields, raw, start)


def raw_fields(raw, delimiter):
    """Splits a record's text into fields as they were written (quotes kept): a
    quote opens a quoted field only at a field's start."""
    out, cur = [], []
    start, in_field, quoted, closed = range(4)
    state = start
    for ch in raw:
        if state == quoted:
            state = closed if ch == '"' else quoted
        elif state == closed and ch == '"':
            state = quoted
        elif ch == delimiter:
            out.append(''.join(cur))
            cur = []
            state = start
            continue
        elif state == start and ch == '"':
            state = quoted
        else:
            state = in_field
        cur.append(ch)
    out.append(''.join(cur))
    return out


def looks_like_header(fields):
    return all(f != '' and as_number(f) is None for f in fields)


# ---------------------------------------------------------------- columns

class Col:
    """A COL as typed: an index or a list of name alternatives."""

    def __init__(self, text):
        self.text = text
        if INDEX_RE.fullmatch(text.strip()):
            self.index = int(text.strip())
            if self.index < 1:
                raise UsageError(f'column index must be 1 or more: {text}')
            self.names = None
            self.label = f'col{self.index}'
        else:
            self.index = None
            self.names = [a.strip(' \t') for a in text.split('|')]
            if any(n == '' for n in self.names):
                raise UsageError(f'empty column name in {text!r}')
            self.label = self.names[0]

    def resolve(self, header, path):
        """0-based position of this column in an object with this header (or None)."""
        if self.index is not None:
            return self.index - 1
        if header is None:
            raise JobError(f'{path}: has no header, so column {self.text!r} cannot be found')
        norm = [normalize_name(h, i == 0) for i, h in enumerate(header)]
        for name in self.names:
            want = name.translate(ASCII_LOWER)
            if want in norm:
                return norm.index(want)
        raise JobError(f'{path}: column {self.text!r} not in header {",".join(header)}')


def normalize_name(name, first):
    if first and name.startswith(UTF8_BOM):
        name = name[len(UTF8_BOM):]
    return name.strip(' \t').translate(ASCII_LOWER)


def parse_col_list(text):
    if text.strip() == '':
        raise UsageError('empty column list')
    return [Col(part) for part in text.split(',')]


def parse_select_list(text):
    cols = []
    for part in text.split(','):
        m = re.fullmatch(r'\s*([0-9]+)\s*-\s*([0-9]+)\s*', part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if lo < 1 or hi < lo:
                raise UsageError(f'bad column range {part!r}')
            cols.extend(Col(str(i)) for i in range(lo, hi + 1))
        else:
            cols.append(Col(part))
    return cols


# ---------------------------------------------------------------- filters

OPS = {
    '=': lambda c: c == 0, '==': lambda c: c == 0, '!=': lambda c: c != 0,
    '<': lambda c: c < 0, '<=': lambda c: c <= 0,
    '>': lambda c: c > 0, '>=': lambda c: c >= 0,
}
OP_CHARS = '=!<>'


class Where:
    """COL OP VALUE. An unquoted VALUE must be a number (an exact numeric
    comparison; a row whose field is not a number is skipped, reason
    'non-numeric COL'); a quoted one compares bytes."""

    def __init__(self, text):
        i = next((k for k, ch in enumerate(text) if ch in OP_CHARS), None)
        if i is None:
            raise UsageError(f'--where {text!r}: expected COL OP VALUE')
        j = i
        while j < len(text) and text[j] in OP_CHARS:
            j += 1
        op = text[i:j]
        if op not in OPS:
            raise UsageError(f'--where {text!r}: unknown operator {op!r}')
        col = text[:i].strip(' ')
        value = text[j:].strip(' ')
        if col == '':
            raise UsageError(f'--where {text!r}: missing column')
        self.col = Col(col)
        self.op = op
        self.value_num = None
        if value[:1] in ('\'', '"'):
            if len(value) < 2 or value[-1] != value[0]:
                raise UsageError(f'--where {text!r}: unbalanced quote')
            self.value = value[1:-1]
        else:
            self.value_num = as_decimal(value)
            if self.value_num is None:
                raise UsageError(f'--where {text!r}: not a number (quote it to compare text)')

    def holds(self, field):
        """True or False; None when the comparison is numeric and field is not a number."""
        if self.value_num is None:
            c = (field > self.value) - (field < self.value)
        else:
            fnum = as_decimal(field)
            if fnum is None:
                return None
            c = (fnum > self.value_num) - (fnum < self.value_num)
        return OPS[self.op](c)


# ---------------------------------------------------------------- aggregation

class Agg:
    """Per-group state: count, exact sum, min, max for each aggregate column."""

    def __init__(self, ncols):
        self.count = 0
        self.sums = [decimal.Decimal(0)] * ncols
        self.min = [None] * ncols
        self.max = [None] * ncols

    def add(self, values):
        """values: the exact Decimal of each aggregate column."""
        self.count += 1
        for i, v in enumerate(values):
            self.sums[i] += v
            if self.min[i] is None or v < self.min[i]:
                self.min[i] = v
            if self.max[i] is None or v > self.max[i]:
                self.max[i] = v

    def sum_text(self, i):
        return exact_text(self.sums[i])

    def mean_text(self, i):
        # The exact sum over the count, rounded to a double once.
        return shortest(float(fractions.Fraction(self.sums[i]) / self.count))


def shortest(x):
    s = repr(float(x))
    if s.endswith('.0'):
        s = s[:-2]
    return s


class Stats:
    def __init__(self):
        self.objects = 0
        self.rows = 0
        self.reasons = {}

    def skip(self, reason, path, line, strict):
        if strict:
            raise JobError(f'{path}:{line}: {reason} (--strict)')
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def to_json(self):
        return json.dumps({'objects': self.objects, 'rows': self.rows,
                           'skipped': sum(self.reasons.values()),
                           'reasons': self.reasons}, sort_keys=True)


def object_rows(path, opts):
    """(header, data records) of one object, per --header."""
    recs = records(path, opts.delimiter)
    first = next(recs, None)
    if first is None:
        return None, iter(())
    is_header = not first.unterminated and (opts.header == 'yes' or
                                            (opts.header == 'auto' and looks_like_header(first.fields)))
    if is_header:
        return first, recs
    return None, _chain(first, recs)


def _chain(first, rest):
    yield first
    yield from rest


def scan(path, opts, stats, cols_needed, on_row):
    """Calls on_row(record, positions) for every data row that passes --where.

    cols_needed: Col objects whose positions are resolved per object; positions
    is their 0-based list, then one per --where."""
    header_rec, rows = object_rows(path, opts)
    header = header_rec.fields if header_rec else None
    stats.objects += 1
    first_row = next(rows, None)
    if first_row is None and header is None:
        return header_rec, None  # an empty object: nothing to resolve
    if header is None and first_row.unterminated:  # its one record cannot be read
        stats.rows += 1
        stats.skip(UNTERMINATED, path, first_row.line, opts.strict)
        return header_rec, None
    pos = [c.resolve(header, path) for c in cols_needed]
    wpos = [w.col.resolve(header, path) for w in opts.where]
    need = max(pos + wpos) + 1 if (pos or wpos) else 0
    if first_row is not None:
        for rec in _chain(first_row, rows):
            stats.rows += 1
            if rec.unterminated:
                stats.skip(UNTERMINATED, path, rec.line, opts.strict)
                continue
            if len(rec.fields) < need:
                stats.skip('too few fields', path, rec.line, opts.strict)
                continue
            for w, p in zip(opts.where, wpos):
                holds = w.holds(rec.fields[p])
                if holds is None:
                    stats.skip(f'non-numeric {w.col.label}', path, rec.line, opts.strict)
                if not holds:
                    break
            else:
                on_row(rec, pos)
    return header_rec, pos


# ---------------------------------------------------------------- commands

def run_group(opts, paths):
    keys = opts.by
    aggs = []  # (kind, Col) in output order: kinds in order, command-line order within
    for kind in ('sum', 'mean', 'min', 'max'):
        for c in getattr(opts, kind):
            aggs.append((kind, c))
    # One value column per distinct aggregate COL text, in command-line order of kinds.
    value_cols = []
    for _, c in aggs:
        if all(v.text != c.text for v in value_cols):
            value_cols.append(c)
    stats = Stats()
    groups = {}

    def on_row(rec, pos):
        key = tuple(rec.fields[p] for p in pos[:len(keys)])
        values = [as_decimal(rec.fields[p]) for p in pos[len(keys):]]
        for c, v in zip(value_cols, values):
            if v is None:
                stats.skip(f'non-numeric {c.label}', path, rec.line, opts.strict)
                return
        g = groups.get(key)
        if g is None:
            g = groups[key] = Agg(len(value_cols))
        g.add(values)

    for path in paths:
        scan(path, opts, stats, keys + value_cols, on_row)
    # Without --by: one row over every row, as SQL's aggregate without GROUP BY
    # (a count of 0, and no values, when none passed).
    if not keys and not groups:
        groups[()] = Agg(len(value_cols))

    show_count = opts.command == 'count' or opts.count or not aggs
    labels = [c.label for c in keys]
    if show_count:
        labels.append('count')
    labels += [f'{kind}_{c.label}' for kind, c in aggs]

    ordered = sorted(groups.items(), key=functools.cmp_to_key(row_cmp))
    if opts.top is not None:
        ordered = ordered[:opts.top]
    table = []
    for key, g in ordered:
        row = list(key)
        if show_count:
            row.append(str(g.count))
        for kind, c in aggs:
            i = next(k for k, v in enumerate(value_cols) if v.text == c.text)
            if g.count == 0:
                row.append('')  # (no value: empty in CSV, null in JSON)
            elif kind == 'sum':
                row.append(g.sum_text(i))
            elif kind == 'mean':
                row.append(g.mean_text(i))
            elif kind == 'min':
                row.append(exact_text(g.min[i]))
            else:
                row.append(exact_text(g.max[i]))
        table.append(row)
    write_table(opts, labels, table, len(keys))
    return stats


def row_cmp(a, b):
    """Count descending, then key fields in turn.

    Two numbers compare numerically (equal numbers then by bytes, "1" < "1.0"),
    two non-numbers by bytes, and a number sorts before a non-number (the empty
    key included). docs/cli.md says only "numerically when both values are
    numbers"; comparing a number with text by bytes would not be an ordering at
    all ("9" < "10" < "1a" < "9"), so numbers-first is the rule used here."""
    (ka, ga), (kb, gb) = a, b
    if ga.count != gb.count:
        return -1 if ga.count > gb.count else 1
    for x, y in zip(ka, kb):
        nx, ny = as_number(x), as_number(y)
        if (nx is None) != (ny is None):
            return -1 if nx is not None else 1
        if nx is not None and nx != ny:
            return -1 if nx < ny else 1
        if x != y:
            return -1 if x < y else 1
    return 0


def write_table(opts, labels, table, nkeys):
    out = io.StringIO(newline='')
    if opts.format == 'json':
        objs = []
        for row in table:
            obj = {}
            for i, (label, value) in enumerate(zip(labels, row)):
                label = label.encode('latin-1').decode('utf-8', 'surrogateescape')
                if i < nkeys:
                    obj[label] = (None if value == '' else
                                  value.encode('latin-1').decode('utf-8', 'surrogateescape'))
                else:
                    obj[label] = (None if value == '' else  # no value (an aggregate over no rows)
                                  json.loads(value) if value not in ('inf', '-inf', 'nan') else value)
            objs.append(obj)
        out.write(json.dumps(objs, indent=1) + '\n')
    elif opts.format == 'table':
        widths = [max(len(r[i]) for r in [labels] + table) for i in range(len(labels))]
        for r in [labels] + table:
            out.write('  '.join(v.ljust(w) for v, w in zip(r, widths)).rstrip() + '\n')
    else:
        # csv.writer leaves a lone '\r' unquoted when the line terminator is '\n'
        def cell(v):
            return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v
        for r in [labels] + table:
            out.write(','.join(cell(v) for v in r) + '\n')
    sys.stdout.buffer.write(out.getvalue().encode('latin-1', 'surrogateescape')
                            if opts.format != 'json' else out.getvalue().encode('utf-8', 'surrogateescape'))


def output_name(path):
    name = os.path.basename(path)
    for suffix in ('.gz', '.zst'):
        if name.endswith(suffix):
            return name[:-len(suffix)]
    return name


def run_select(opts, paths):
    if opts.out is None:
        raise UsageError('select needs --out DIR')
    names = {}
    for p in paths:
        n = output_name(p)
        if n in names:
            raise JobError(f'{names[n]} and {p} would both be written to {n}')
        names[n] = p
    stats = Stats()
    results = []
    for path in paths:
        lines = []

        def on_row(rec, pos):
            raw = raw_fields(rec.raw, opts.delimiter)
            if len(raw) != len(rec.fields):
                raise JobError(f'{path}:{rec.line}: reference cannot split this record')
            lines.append(opts.delimiter.join(raw[p] for p in pos) + '\n')

        header_rec, pos = scan(path, opts, stats, opts.cols, on_row)
        text = ''
        if header_rec is not None:
            raw = raw_fields(header_rec.raw, opts.delimiter)
            if pos is None:
                pos = [c.resolve(header_rec.fields, path) for c in opts.cols]
            if max(pos, default=-1) >= len(raw):
                raise JobError(f'{path}: header has too few fields')
            text = opts.delimiter.join(raw[p] for p in pos) + '\n'
        results.append((output_name(path), text + ''.join(lines)))
    os.makedirs(opts.out, exist_ok=True)
    for name, _ in results:
        if not opts.overwrite and os.path.exists(os.path.join(opts.out, name)):
            raise JobError(f'{os.path.join(opts.out, name)} already exists (--overwrite replaces it)')
    for name, text in results:
        tmp = os.path.join(opts.out, '.' + name + '.ref-tmp')
        with open(tmp, 'wb') as f:
            f.write(text.encode('latin-1'))
        os.replace(tmp, os.path.join(opts.out, name))
    return stats


def run_ls(opts, paths):
    total = 0
    for p in paths:
        size = os.path.getsize(p)
        total += size
        sys.stdout.write(f'{p}\t{size}\n')
    sys.stdout.write(f'total\t{len(paths)} objects\t{total}\n')


# ---------------------------------------------------------------- command line

VALUE_FLAGS = {'--by', '--sum', '--mean', '--min', '--max', '--where', '--header',
               '--delimiter', '--threads', '--range-size', '--buffer-size', '--max-row',
               '--format', '--top', '--cols', '--out'}
BOOL_FLAGS = {'--count', '--strict', '--quiet', '--stats', '--overwrite'}
COMMANDS = ('count', 'agg', 'select', 'ls')


class Options:
    def __init__(self):
        self.command = None
        self.inputs = []
        self.by = []
        self.sum, self.mean, self.min, self.max = [], [], [], []
        self.where = []
        self.header = 'auto'
        self.delimiter = ','
        self.format = 'csv'
        self.top = None
        self.cols = None
        self.out = None
        self.count = self.strict = self.stats = self.overwrite = False


def parse_args(argv):
    if not argv or argv[0] not in COMMANDS:
        raise UsageError(f'expected a command: {" ".join(COMMANDS)}')
    o = Options()
    o.command = argv[0]
    i = 1
    only_inputs = False
    while i < len(argv):
        a = argv[i]
        i += 1
        if only_inputs or not a.startswith('--') or a == '-':
            o.inputs.append(a)
            continue
        if a == '--':
            only_inputs = True
            continue
        name, eq, value = a.partition('=')
        if name in BOOL_FLAGS and not eq:
            setattr(o, name[2:], True)
            continue
        if name not in VALUE_FLAGS:
            raise UsageError(f'unknown option {a}')
        if not eq:
            if i >= len(argv):
                raise UsageError(f'{name} needs a value')
            value = argv[i]
            i += 1
        set_value(o, name, value)
    check_options(o)
    return o


def set_value(o, name, value):
    text = arg_text(value)
    if name == '--by':
        o.by = parse_col_list(text)
    elif name in ('--sum', '--mean', '--min', '--max'):
        getattr(o, name[2:]).append(Col(text))
    elif name == '--where':
        o.where.append(Where(text))
    elif name == '--header':
        if value not in ('auto', 'yes', 'no'):
            raise UsageError(f'--header must be auto, yes or no: {value}')
        o.header = value
    elif name == '--delimiter':
        d = '\t' if text == '\\t' else text
        if len(d) != 1 or d in '"\r\n':
            raise UsageError(f'--delimiter must be one character: {value!r}')
        o.delimiter = d
    elif name == '--format':
        if value not in ('csv', 'json', 'table'):
            raise UsageError(f'--format must be table, csv or json: {value}')
        o.format = value
    elif name == '--top':
        if not INDEX_RE.fullmatch(value):
            raise UsageError(f'--top needs a number: {value}')
        o.top = int(value)
    elif name == '--cols':
        o.cols = parse_select_list(text)
    elif name == '--out':
        o.out = value
    # --threads, --range-size, --buffer-size, --max-row only tune the engine.


def check_options(o):
    if not o.inputs:
        raise UsageError('no INPUT given')
    if o.command == 'select' and not o.cols:
        raise UsageError('select needs --cols')


def main(argv):
    try:
        opts = parse_args(argv)
    except UsageError as e:
        print(f'fanout_ref: {e}', file=sys.stderr)
        return EXIT_USAGE
    try:
        paths = expand_inputs(opts.inputs)
        if opts.command == 'ls':
            run_ls(opts, paths)
            return 0
        stats = run_select(opts, paths) if opts.command == 'select' else run_group(opts, paths)
    except JobError as e:
        print(f'fanout_ref: {e}', file=sys.stderr)
        return EXIT_FAILED
    if opts.stats:
        print(stats.to_json(), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
