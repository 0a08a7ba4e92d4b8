// Independent readers of Parquet (and of the CSV files gen-taxi writes beside them):
// DuckDB (@duckdb/node-api) and Polars (nodejs-polars), for the end-to-end tests.
//
//   node parquet_peer.js ENGINE compare CSV PARQUET [CSV PARQUET]...
//       Every value of every row of each CSV file against its Parquet file: each CSV
//       column, read as text (empty = NULL), is cast by the engine to the type the
//       engine reads the Parquet column of that name as, then compared. Prints
//       "PARQUET: rows N, columns K, parquet-only A,B" per pair when equal, else
//       "PARQUET: " and what differs (row counts, missing columns, up to 5 differing
//       rows per column or side); exits 1 if any pair differs.
//   node parquet_peer.js ENGINE schema PARQUET
//       One "name TYPE" line per column, the type in the engine's own words.
//   node parquet_peer.js ENGINE nulls FILE
//       One "name,NULLS" line per column of a Parquet file (.parquet) or a CSV file.
//   node parquet_peer.js ENGINE count-by FILE... COLUMN
//       Rows per value of COLUMN over every file (Parquet or CSV; CSV values as text),
//       one "value,count" line each, sorted by the value's text (NULL, the empty value,
//       first) whichever the engine, so the two engines' lines can be compared. Values
//       are in the engine's text for its type (DuckDB prints 1.5, Polars 1.5 too, but
//       their timestamps differ).
// ENGINE is duckdb or polars. CSV files are read as gen-taxi writes them: header line,
// ',' delimiter, LF or CRLF, and the blank line after the header of the 2010-2016/06
// files skipped. Exit status 2 for a wrong command line, 1 for a difference or error.
'use strict';

const fs = require('node:fs');

const USAGE = 'usage: node parquet_peer.js duckdb|polars compare CSV PARQUET... | schema PARQUET | nulls FILE |' +
  ' count-by FILE... COLUMN';

function usage() {
  console.error(USAGE);
  process.exit(2);
}

const isParquet = (file) => file.endsWith('.parquet');

// The CSV file's column names and whether a blank line follows its header.
function csvHeader(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const lines = buf.subarray(0, n).toString('utf8').split('\n');
  return {
    names: lines[0].replace(/\r$/, '').split(','),
    blankAfterHeader: lines.length > 1 && lines[1].replace(/\r$/, '') === '',
  };
}

// ---------------------------------------------------------------------------
// DuckDB

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const sqlName = (s) => `"${s.replaceAll('"', '""')}"`;

// A relation of the CSV file, every column VARCHAR (no sniffing; empty = NULL).
function duckCsv(file) {
  const { names } = csvHeader(file);
  const columns = '{' + names.map((x) => `${sqlString(x)}: 'VARCHAR'`).join(', ') + '}';
  return `read_csv(${sqlString(file)}, header = true, auto_detect = false, delim = ',', quote = '"', ` +
    `columns = ${columns})`;
}

const duckRelation = (file) => (isParquet(file) ? `read_parquet(${sqlString(file)})` : duckCsv(file));

async function duckConnect() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  return instance.connect();
}

async function duckRows(con, sql) {
  return (await con.runAndReadAll(sql)).getRows();
}

async function duckSchema(con, file) {
  return (await duckRows(con, `DESCRIBE SELECT * FROM ${duckRelation(file)}`)).map((r) => [r[0], String(r[1])]);
}

let duckCon;
async function duckCompare(csv, parquet) {
  duckCon = duckCon || (await duckConnect());
  const con = duckCon;
  const types = new Map(await duckSchema(con, parquet));
  const { names } = csvHeader(csv);
  const problems = [];
  const missing = names.filter((n) => !types.has(n));
  if (missing.length) problems.push(`columns of the CSV file missing from the Parquet file: ${missing.join(',')}`);
  const shared = names.filter((n) => types.has(n));
  const extra = [...types.keys()].filter((n) => !names.includes(n));
  const csvSide = `SELECT ${shared.map((n) => `CAST(${sqlName(n)} AS ${types.get(n)}) AS ${sqlName(n)}`).join(', ')} ` +
    `FROM ${duckCsv(csv)}`;
  const pqSide = `SELECT ${shared.map(sqlName).join(', ')} FROM read_parquet(${sqlString(parquet)})`;
  const [[csvRows]] = await duckRows(con, `SELECT count(*) FROM (${csvSide})`);
  const [[pqRows]] = await duckRows(con, `SELECT count(*) FROM (${pqSide})`);
  if (csvRows !== pqRows) problems.push(`rows: CSV ${csvRows}, Parquet ${pqRows}`);
  for (const [what, a, b] of [['in the CSV file only', csvSide, pqSide], ['in the Parquet file only', pqSide, csvSide]]) {
    const rows = await duckRows(con, `SELECT * FROM ((${a}) EXCEPT ALL (${b})) LIMIT 5`);
    for (const r of rows) problems.push(`row ${what}: ${r.map((v) => (v === null ? 'NULL' : String(v))).join(',')}`);
  }
  return finishCompare(problems, csvRows, shared.length, extra);
}

async function duckNulls(file) {
  const con = await duckConnect();
  const names = (await duckSchema(con, file)).map((c) => c[0]);
  const counts = names.map((n) => `count(*) - count(${sqlName(n)})`).join(', ');
  const [row] = await duckRows(con, `SELECT ${counts} FROM ${duckRelation(file)}`);
  return names.map((n, i) => `${n},${row[i]}\n`).join('');
}

async function duckCountBy(files, column) {
  const con = await duckConnect();
  const parts = files.map((f) => `SELECT CAST(${sqlName(column)} AS VARCHAR) AS v FROM ${duckRelation(f)}`);
  const rows = await duckRows(con, `SELECT v, count(*) FROM (${parts.join(' UNION ALL ')}) GROUP BY v`);
  return countLines(rows.map(([v, n]) => [v ?? '', n]));
}

// ---------------------------------------------------------------------------
// Polars

let pl;
async function polars() {
  pl = pl || (await import('nodejs-polars')).default;
  return pl;
}

// The CSV file as a DataFrame of text columns (empty = null).
function polarsCsv(file) {
  const { blankAfterHeader } = csvHeader(file);
  return pl.readCSV(file, { hasHeader: true, inferSchemaLength: 0, skipRowsAfterHeader: blankAfterHeader ? 1 : 0 });
}

const polarsRead = (file) => (isParquet(file) ? pl.readParquet(file) : polarsCsv(file));

// "Float64", "Int32", "String", "Datetime(us,)": a Polars type without its wrapper.
const polarsType = (dtype) => String(dtype).replace(/^DataType\((.*)\)$/, '$1');

const isDatetime = (dtype) => polarsType(dtype).startsWith('Datetime');

// The text column `name` of `csv` cast by Polars to `dtype`; datetimes as their
// microseconds (this Polars parses text with a format to Datetime('ms') only; the cast
// to microseconds makes the unit explicit).
function polarsCast(csv, name, dtype) {
  if (isDatetime(dtype)) {
    const parsed = pl.col(name).str.strptime(pl.Datetime('ms'), '%Y-%m-%d %H:%M:%S')
      .cast(pl.Datetime('us'))
      .cast(pl.Int64);
    return csv.select(parsed.alias(name)).getColumn(name);
  }
  return csv.getColumn(name).cast(dtype, true);
}

// A value as comparable text (Date and bigint included).
const canonical = (v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

async function polarsCompare(csvFile, parquetFile) {
  await polars();
  const csv = polarsCsv(csvFile);
  const pq = pl.readParquet(parquetFile);
  const problems = [];
  const pqNames = pq.columns;
  const missing = csv.columns.filter((n) => !pqNames.includes(n));
  if (missing.length) problems.push(`columns of the CSV file missing from the Parquet file: ${missing.join(',')}`);
  const shared = csv.columns.filter((n) => pqNames.includes(n));
  const extra = pqNames.filter((n) => !csv.columns.includes(n));
  if (csv.height !== pq.height) problems.push(`rows: CSV ${csv.height}, Parquet ${pq.height}`);
  const rows = Math.min(csv.height, pq.height);
  for (const name of shared) {
    const want = pq.getColumn(name);
    let got;
    try {
      got = polarsCast(csv, name, want.dtype).toArray();
    } catch (e) {
      problems.push(`column ${name}: cannot cast the CSV text to ${polarsType(want.dtype)}: ${e.message.split('\n')[0]}`);
      continue;
    }
    const values = (isDatetime(want.dtype) ? want.cast(pl.Int64) : want).toArray();  // microseconds
    let shown = 0;
    for (let i = 0; i < rows && shown < 5; i++) {
      if (canonical(got[i]) !== canonical(values[i])) {
        problems.push(`column ${name}, row ${i + 1}: CSV ${canonical(got[i])}, Parquet ${canonical(values[i])}`);
        shown++;
      }
    }
  }
  return finishCompare(problems, csv.height, shared.length, extra);
}

async function polarsSchema(file) {
  await polars();
  const df = polarsRead(file);
  return df.columns.map((n) => `${n} ${polarsType(df.getColumn(n).dtype)}\n`).join('');
}

async function polarsNulls(file) {
  await polars();
  const df = polarsRead(file);
  return df.columns.map((n) => `${n},${df.getColumn(n).nullCount()}\n`).join('');
}

async function polarsCountBy(files, column) {
  await polars();
  const parts = files.map((f) => polarsRead(f).select(pl.col(column).cast(pl.Utf8).alias('v')));
  const df = pl.concat(parts).groupBy('v').agg(pl.len().alias('n'));
  return countLines(df.toRecords().map((r) => [r.v ?? '', r.n]));
}

// ---------------------------------------------------------------------------

// "value,count" lines sorted by the value's UTF-16 code units, the same for both engines.
function countLines(pairs) {
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([v, n]) => `${v},${n}\n`).join('');
}

function finishCompare(problems, rows, columns, extra) {
  if (problems.length) return { ok: false, text: problems.join('\n  ') };
  return { ok: true, text: `rows ${rows}, columns ${columns}, parquet-only ${extra.join(',')}` };
}

async function compareAll(pairs, compare) {
  let ok = true;
  for (let i = 0; i < pairs.length; i += 2) {
    const result = await compare(pairs[i], pairs[i + 1]);
    process.stdout.write(`${pairs[i + 1]}: ${result.text}\n`);
    ok = ok && result.ok;
  }
  return ok ? 0 : 1;
}

async function main() {
  const [engine, command, ...args] = process.argv.slice(2);
  if (engine !== 'duckdb' && engine !== 'polars') usage();
  const duck = engine === 'duckdb';
  switch (command) {
    case 'compare':
      if (args.length === 0 || args.length % 2 !== 0) usage();
      return compareAll(args, duck ? duckCompare : polarsCompare);
    case 'schema':
      if (args.length !== 1) usage();
      if (duck) {
        const con = await duckConnect();
        process.stdout.write((await duckSchema(con, args[0])).map(([n, t]) => `${n} ${t}\n`).join(''));
      } else {
        process.stdout.write(await polarsSchema(args[0]));
      }
      return 0;
    case 'nulls':
      if (args.length !== 1) usage();
      process.stdout.write(await (duck ? duckNulls(args[0]) : polarsNulls(args[0])));
      return 0;
    case 'count-by':
      if (args.length < 2) usage();
      process.stdout.write(await (duck ? duckCountBy : polarsCountBy)(args.slice(0, -1), args[args.length - 1]));
      return 0;
    default:
      return usage();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`parquet_peer: ${e.stack || e}`);
    process.exit(1);
  },
);
