// Parquet files written by Polars (nodejs-polars), and Polars' (or DuckDB's) answers to
// fanout queries over them, in fanout's canonical text, for parquet_polars_test.sh.
//
//   node parquet_polars_peer.js write DIR
//       Writes DIR/eager/CODEC.parquet (DataFrame.writeParquet, one file per codec),
//       DIR/rg/RG-CODEC.parquet (LazyDataFrame.sinkParquet with rowGroupSize RG:
//       writeParquet has no row-group option in this binding) and DIR/drift/*.parquet
//       (TLC-like files whose columns differ in name case, name and type).
//   node parquet_polars_peer.js answer SPEC
//       One answer per line of SPEC: OUT ENGINE BY AGGS WHERES FILTER FILE..., fields
//       separated by tabs, "-" for an empty field. BY is fanout's --by list (comma
//       separated COLs, each `A|B` alternatives), AGGS "-" for `fanout count`, else
//       `sum:COL min:COL max:COL`... for `fanout agg --count --sum COL ...`, WHERES
//       fanout's --where filters joined by " && " (only their column names are read
//       here), FILTER the same filter for the engine: a JavaScript expression over
//       `pl` for polars, SQL for duckdb, over the columns' labels. Writes to OUT what
//       `fanout ... --format csv` should print, body rows sorted by their text.
// Exit status 2 for a wrong command line, 1 for an error.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const pl = require('nodejs-polars');

// ---------------------------------------------------------------------------
// Writing

// A small deterministic generator (mulberry32): the same files on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZONES = ['Manhattan', 'JFK Airport', 'Newark, NJ', 'Say "hi"', 'Zürich', ' Bronx', 'Staten Island', 'LaGuardia'];
const PASSENGERS = [0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 1.5];
const DAY_US = 86400n * 1000000n;
const EPOCH_2019_US = 17897n * DAY_US;  // 2019-01-01

// Int64 (and timestamp) columns go in as decimal text cast by Polars: JS numbers
// cannot hold every int64, and BigInt arrays become NULLs in this binding.
const int64 = (name, texts) => pl.Series(name, texts, pl.Utf8).cast(pl.Int64);

// The main table: every type the test asks for, NULLs in most columns.
function mainTable(n, seed) {
  const r = rng(seed);
  const rows = [...Array(n).keys()];
  const pick = (f) => rows.map(f);
  return pl.DataFrame([
    int64('id', pick((i) => String(i))),  // sorted: row-group statistics can rule groups out
    pl.Series('small', pick((i) => { const v = Math.floor(r() * 44) - 3; return i % 9 === 0 ? null : v; }), pl.Int32),
    // around 2^53, where a double cannot tell neighbours apart
    int64('big', pick((i) => {
      const v = (r() < 0.3 ? -1n : 1n) * (9007199254740992n + BigInt(Math.floor(r() * 9)));
      return i % 17 === 0 ? null : String(v);
    })),
    int64('amount', pick(() => String(Math.floor(r() * 2000000) - 1000000))),
    // cents: values with two decimals
    pl.Series('fare', pick((i) => { const v = Math.round(r() * 10000000) / 100; return i % 13 === 0 ? null : v; }), pl.Float64),
    // sevenths: 16 or 17 significant digits, not integers
    pl.Series('ratio', pick(() => (Math.floor(r() * 1000) + 1) / 7), pl.Float64),
    // whole doubles (the group "1", not "1.0"), one non-whole value, NULLs
    pl.Series('pcount', pick((i) => { const v = PASSENGERS[Math.floor(r() * PASSENGERS.length)]; return i % 11 === 0 ? null : v; }),
      pl.Float64),
    pl.Series('zone', pick((i) => { const v = ZONES[Math.floor(r() * ZONES.length)]; return i % 10 === 0 ? null : v; }), pl.Utf8),
    pl.Series('tag', pick(() => 'T' + Math.floor(r() * 1e9).toString(36)), pl.Utf8),
    pl.Series('flag', pick((i) => { const v = r() < 0.4; return i % 7 === 0 ? null : v; }), pl.Bool),
    // microseconds: whole seconds for half the rows, a fraction for the rest; some
    // before 1970 (negative values)
    int64('pickup', pick((i) => {
      const secs = BigInt(Math.floor(r() * 31 * 86400));
      const frac = r() < 0.5 ? 0n : BigInt(Math.floor(r() * 1000000));
      const base = i % 97 === 0 ? -DAY_US : EPOCH_2019_US;
      return i % 101 === 0 ? null : String(base + secs * 1000000n + frac);
    })).cast(pl.Datetime('us')),
    pl.Series('day', pick((i) => { const v = Math.floor(r() * 20000) - 3000; return i % 19 === 0 ? null : v; }), pl.Int32)
      .cast(pl.Date),
  ]);
}

// TLC-like eras: the same meaning under other names, name cases and types.
function driftTables() {
  const r = rng(77);
  const pick = (n, f) => [...Array(n).keys()].map(f);
  const fee = (i, v) => (i % 6 === 0 ? null : r() < 0.5 ? 0 : v);
  const cents = () => Math.round(r() * 9000) / 100;
  const ts = (n, unit, perUs) => int64('t', pick(n, () => String(EPOCH_2019_US * perUs +
    BigInt(Math.floor(r() * 86400 * 1e6)) * perUs + (perUs > 1n ? BigInt(Math.floor(r() * 1000)) : 0n))))
    .cast(pl.Datetime(unit));
  const tsMs = (n) => int64('t', pick(n, () => String(EPOCH_2019_US / 1000n + BigInt(Math.floor(r() * 86400 * 1e3)))))
    .cast(pl.Datetime('ms'));
  return {
    // passenger_count a Float64 with NULLs; Airport_fee capitalised
    'yellow_2019.parquet': pl.DataFrame([
      int64('VendorID', pick(4000, () => String(1 + Math.floor(r() * 2)))),
      ts(4000, 'us', 1n).alias('tpep_pickup_datetime'),
      pl.Series('passenger_count', pick(4000, (i) => (i % 8 === 0 ? null : Math.floor(r() * 7))), pl.Float64),
      pl.Series('total_amount', pick(4000, cents), pl.Float64),
      pl.Series('Airport_fee', pick(4000, (i) => fee(i, 1.25)), pl.Float64),
    ]),
    // passenger_count an Int64 (NULLs too); airport_fee in lower case; Total_Amt
    'yellow_2023.parquet': pl.DataFrame([
      pl.Series('VendorID', pick(5000, () => 1 + Math.floor(r() * 2)), pl.Int32),
      ts(5000, 'ns', 1000n).alias('tpep_pickup_datetime'),
      int64('passenger_count', pick(5000, (i) => (i % 9 === 0 ? null : String(Math.floor(r() * 7))))),
      pl.Series('Total_Amt', pick(5000, cents), pl.Float64),
      pl.Series('airport_fee', pick(5000, (i) => fee(i, 1.75)), pl.Float64),
    ]),
    // the 2010 era: vendor_id as text, pickup_datetime in milliseconds, Int32
    // passenger_count, no airport fee
    'yellow_2010.parquet': pl.DataFrame([
      pl.Series('vendor_id', pick(3000, () => (r() < 0.5 ? 'CMT' : 'VTS')), pl.Utf8),
      tsMs(3000).alias('pickup_datetime'),
      pl.Series('passenger_count', pick(3000, () => Math.floor(r() * 7)), pl.Int32),
      pl.Series('total_amount', pick(3000, cents), pl.Float64),
    ]),
  };
}

const CODECS = ['uncompressed', 'snappy', 'gzip', 'lz4', 'zstd', 'brotli'];
const ROW_GROUPS = [[1000, 'zstd'], [4096, 'snappy'], [9999, 'gzip'], [2500, 'brotli']];

function write(dir) {
  for (const d of ['eager', 'rg', 'drift']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  CODECS.forEach((codec, i) => mainTable(30000, 11 + i).writeParquet(path.join(dir, 'eager', `${codec}.parquet`), { compression: codec }));
  ROW_GROUPS.forEach(([rows, codec], i) => {
    const sink = mainTable(30000, 31 + i).lazy().sinkParquet(path.join(dir, 'rg', `${rows}-${codec}.parquet`),
      { compression: codec, rowGroupSize: rows });
    if (sink && typeof sink.collectSync === 'function') sink.collectSync();  // this binding's sinks are lazy
  });
  for (const [name, df] of Object.entries(driftTables())) df.writeParquet(path.join(dir, 'drift', name), { compression: 'snappy' });
}

// ---------------------------------------------------------------------------
// Canonical text (docs/cli.md "Reading Parquet")

const typeName = (dtype) => String(dtype).replace(/^DataType\((.*)\)$/, '$1');

// An expression giving column `label` of type `dtype` as fanout's text of it (NULL
// stays NULL and becomes the empty value when written).
function canonicalExpr(label, dtype) {
  const t = typeName(dtype);
  const c = pl.col(label);
  if (t.startsWith('Datetime')) {
    // Polars formats the date and the whole seconds itself (strftime, also before
    // 1970); the fraction is its nanoseconds within the second, written after a
    // point without trailing zeros, and left out when zero: "2019-01-01 00:46:40",
    // "2019-01-01 00:46:40.5". (Polars' own cast to text always writes 6 or 9
    // fraction digits.)
    const frac = c.dt.nanosecond().cast(pl.Int64).add(pl.lit(1000000000)).cast(pl.Utf8).str.slice(1, 9)
      .str.replace(/0+$/, '');
    return pl.when(c.dt.nanosecond().eq(pl.lit(0))).then(c.dt.strftime('%Y-%m-%d %H:%M:%S'))
      .otherwise(pl.concatString([c.dt.strftime('%Y-%m-%d %H:%M:%S'), frac], '.')).alias(label);
  }
  // Integers, strings, dates ("2019-01-01") and booleans ("true", "false"): Polars'
  // cast to text is fanout's text. Doubles: Polars writes the shortest round-trip
  // digits, as fanout does, but a whole value with ".0" ("1.0"), which fanout writes
  // as the integer ("1"); the ".0" is dropped in `finishText`.
  return c.cast(pl.Utf8).alias(label);
}

const isFloat = (dtype) => /^Float/.test(typeName(dtype));

// The last step of a value's text: a whole double's ".0" dropped. The data avoid
// exponent forms (1e-7, 1e+22) and -0, whose canonical text docs/cli.md does not
// spell out: seeing one is an error, not a guess.
function finishText(v, float) {
  if (v === null || v === undefined) return '';
  if (!float) return String(v);
  if (/e|^-0(\.0)?$|NaN|inf/i.test(v)) throw new Error(`a double fanout's docs give no text for: ${v}`);
  return v.replace(/\.0$/, '');
}

// Exact decimals as [BigInt, scale].
function dec(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a plain decimal: ${text}`);
  const frac = m[3] || '';
  return [BigInt(m[1] + m[2] + frac), frac.length];
}
const scaleTo = ([v, s], t) => v * 10n ** BigInt(t - s);
function decAdd(a, b) {
  const s = Math.max(a[1], b[1]);
  return [scaleTo(a, s) + scaleTo(b, s), s];
}
function decCmp(a, b) {
  const s = Math.max(a[1], b[1]);
  const x = scaleTo(a, s), y = scaleTo(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}
// Plain notation without trailing zeros, as fanout prints sums: "-12.5", "1500", "0".
function decText([v, s]) {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(s + 1, '0');
  const int = digits.slice(0, digits.length - s), frac = digits.slice(digits.length - s).replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return neg && out !== '0' ? `-${out}` : out;
}

// A CSV field as fanout (and Python's csv.writer) writes it.
const csvField = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

// ---------------------------------------------------------------------------
// Answers

// fanout's column resolution (docs/cli.md "COL"): the first alternative the file
// has, matched case-insensitively after trimming; the label is the first as typed.
function resolve(names, col) {
  const alts = col.split('|');
  for (const a of alts) {
    const hit = names.find((n) => n.trim().toLowerCase() === a.trim().toLowerCase());
    if (hit !== undefined) return { name: hit, label: alts[0] };
  }
  throw new Error(`no column ${col} among ${names.join(',')}`);
}

// The parsed spec line: the query's columns by role.
function parseSpec(fields) {
  const [out, engine, by, aggs, wheres, filter, ...files] = fields.map((f) => (f === '-' ? '' : f));
  const keys = by.split(',');
  const aggList = aggs ? aggs.split(' ').map((a) => { const [kind, col] = a.split(':'); return { kind, col }; }) : [];
  // fanout's column order: keys, count, sums, minima, maxima (command-line order within a kind)
  const order = { sum: 0, min: 1, max: 2 };
  aggList.sort((a, b) => order[a.kind] - order[b.kind]);
  const whereCols = wheres ? wheres.split(' && ').map((w) => w.split(/[=!<>]/)[0].trim()) : [];
  return { out, engine, keys, aggs: aggList, isAgg: aggList.length > 0, whereCols, filter, files };
}

// Merged groups over the files: key text -> {count, values[]} (values as text).
function mergeGroup(groups, key, count, values, aggs) {
  const g = groups.get(key);
  if (!g) {
    groups.set(key, { count: BigInt(count), values });
    return;
  }
  g.count += BigInt(count);
  aggs.forEach((a, i) => {
    const x = values[i], y = g.values[i];
    if (a.kind === 'sum') g.values[i] = decText(decAdd(dec(x), dec(y)));
    else if ((a.kind === 'min') === (decCmp(dec(x), dec(y)) < 0)) g.values[i] = x;
  });
}

// Each file as Polars reads it, read once for all the queries over it.
const frames = new Map();
const polarsRead = (file) => frames.get(file) || frames.set(file, pl.readParquet(file)).get(file);

function polarsFile(q, file, groups) {
  const whole = polarsRead(file);
  const names = whole.columns;
  const cols = new Map();  // label -> file's name
  for (const c of [...q.keys, ...q.aggs.map((a) => a.col), ...q.whereCols]) {
    const { name, label } = resolve(names, c);
    cols.set(label, name);
  }
  let df = whole.select(...[...cols].map(([label, name]) => pl.col(name).alias(label)));
  // Polars' filter: a row whose compared value is NULL does not pass
  if (q.filter) df = df.filter(eval(q.filter));  // eslint-disable-line no-eval
  const labels = q.keys.map((k) => k.split('|')[0]);
  const aggLabels = q.aggs.map((a) => a.col.split('|')[0]);
  // agg skips a row whose aggregated field is NULL ("non-numeric"), for every aggregate
  for (const l of aggLabels) df = df.filter(pl.col(l).isNotNull());
  const float = new Map(df.columns.map((c) => [c, isFloat(df.getColumn(c).dtype)]));
  let grouped;
  if (!q.isAgg) {
    grouped = df.groupBy(labels).len();  // Polars' count per group, as `fanout count`
  } else {
    grouped = df.groupBy(labels).agg(
      pl.len().alias('len'),
      ...q.aggs.map((a, i) => {
        const l = aggLabels[i], c = pl.col(l);
        if (a.kind === 'sum' && !float.get(l)) {
          // Polars' exact sum of an integer column: as a Decimal(38, 0), which cannot
          // overflow here (an Int64 sum wraps around)
          return c.cast(pl.Decimal(38, 0)).sum().cast(pl.Utf8).alias(`agg${i}`);
        }
        if (a.kind === 'sum') {
          // a double column: every value's text, summed exactly below
          return c.cast(pl.Utf8).alias(`agg${i}`);
        }
        return c[a.kind]().cast(pl.Utf8).alias(`agg${i}`);
      }),
      // and Polars' own floating-point sums, to check those exact sums against
      ...q.aggs.flatMap((a, i) => (a.kind === 'sum' && float.get(aggLabels[i]) ? [pl.col(aggLabels[i]).sum().alias(`fsum${i}`)] : [])),
    );
  }
  // the keys as text, in Polars, before the groups leave it
  const types = new Map(grouped.columns.map((c) => [c, grouped.getColumn(c).dtype]));
  grouped = grouped.withColumns(...labels.map((l) => canonicalExpr(l, types.get(l))));
  for (const row of grouped.toRecords()) {
    const key = labels.map((l) => csvField(finishText(row[l], float.get(l)))).join(',');
    const values = q.aggs.map((a, i) => {
      const v = row[`agg${i}`];
      if (a.kind === 'sum' && float.get(aggLabels[i])) {
        // the exact sum of the values' decimal texts (what the same data as CSV sums
        // to), which must be Polars' floating-point sum to a relative 1e-9
        const exact = v.map((x) => dec(finishText(x, true))).reduce(decAdd, [0n, 0]);
        const approx = row[`fsum${i}`];
        if (Math.abs(Number(decText(exact)) - approx) > 1e-9 * Math.max(1, Math.abs(approx))) {
          throw new Error(`exact sum ${decText(exact)} is not Polars' ${approx} (${file}, ${key})`);
        }
        return decText(exact);
      }
      return finishText(v, float.get(aggLabels[i]));
    });
    mergeGroup(groups, key, row.len, values, q.aggs);
  }
}

let duck;
async function duckFile(q, file, groups) {
  if (!duck) {
    const { DuckDBInstance } = require('@duckdb/node-api');
    duck = await (await DuckDBInstance.create(':memory:')).connect();
  }
  const lit = (s) => `'${s.replaceAll("'", "''")}'`;
  const ident = (s) => `"${s.replaceAll('"', '""')}"`;
  const rel = `read_parquet(${lit(file)})`;
  const desc = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${rel}`)).getRows();
  const types = new Map(desc.map((r) => [r[0], String(r[1])]));
  const cols = new Map();
  for (const c of [...q.keys, ...q.aggs.map((a) => a.col), ...q.whereCols]) {
    const { name, label } = resolve([...types.keys()], c);
    cols.set(label, name);
  }
  const labels = q.keys.map((k) => k.split('|')[0]);
  const aggLabels = q.aggs.map((a) => a.col.split('|')[0]);
  for (const l of [...labels, ...aggLabels]) {
    // DuckDB's text is fanout's for these; its timestamps and doubles' sums are not asked
    if (!/^(BIGINT|INTEGER|VARCHAR|BOOLEAN|DATE|DOUBLE)$/.test(types.get(cols.get(l)))) {
      throw new Error(`duckdb answers: column ${l} has type ${types.get(cols.get(l))}`);
    }
  }
  for (const a of q.aggs) {
    if (a.kind !== 'sum' || types.get(cols.get(a.col.split('|')[0])) === 'DOUBLE') throw new Error('duckdb answers: integer sums only');
  }
  const from = `(SELECT ${[...cols].map(([l, n]) => `${ident(n)} AS ${ident(l)}`).join(', ')} FROM ${rel})`;
  const where = [q.filter, ...aggLabels.map((l) => `${ident(l)} IS NOT NULL`)].filter(Boolean);
  const sql = `SELECT ${labels.map((l) => `CAST(${ident(l)} AS VARCHAR)`).join(', ')}, count(*)` +
    `${aggLabels.map((l) => `, CAST(sum(${ident(l)}) AS VARCHAR)`).join('')} FROM ${from}` +
    `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY ALL`;
  for (const row of (await duck.runAndReadAll(sql)).getRows()) {
    // DuckDB too writes a whole double as "1.0"
    const key = labels.map((l, i) => csvField(finishText(row[i], types.get(cols.get(l)) === 'DOUBLE'))).join(',');
    mergeGroup(groups, key, row[labels.length], row.slice(labels.length + 1).map(String), q.aggs);
  }
}

async function answer(specFile) {
  for (const line of fs.readFileSync(specFile, 'utf8').split('\n').filter(Boolean)) {
    const q = parseSpec(line.split('\t'));
    const groups = new Map();
    for (const f of q.files) {
      if (q.engine === 'polars') polarsFile(q, f, groups);
      else if (q.engine === 'duckdb') await duckFile(q, f, groups);
      else throw new Error(`no engine ${q.engine}`);
    }
    const header = [...q.keys.map((k) => k.split('|')[0]), 'count', ...q.aggs.map((a) => `${a.kind}_${a.col.split('|')[0]}`)];
    const body = [...groups].map(([key, g]) => [key, String(g.count), ...g.values.map(csvField)].join(',')).sort();
    fs.writeFileSync(q.out, [header.map(csvField).join(','), ...body].map((l) => l + '\n').join(''));
  }
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'write' && args.length === 1) return write(args[0]);
  if (command === 'answer' && args.length === 1) return answer(args[0]);
  console.error('usage: node parquet_polars_peer.js write DIR | answer SPEC');
  process.exit(2);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`parquet_polars_peer: ${e.stack || e}`);
    process.exit(1);
  },
);
