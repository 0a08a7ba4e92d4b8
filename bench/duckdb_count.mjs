// DuckDB peer: rows per passenger_count value over every CSV file, in one query.
//   node bench/duckdb_count.mjs THREADS FILE...
// The schema eras differ in column names, their case and column count. The files are
// grouped by their header line (read here), and each group is read by one read_csv
// with that header's column list given explicitly (auto_detect=false: no sniffing,
// every column VARCHAR, so values group as the text they are, like fanout; an empty
// value reads as NULL and is a group of its own), selecting the column the header
// names passenger_count (any case). The groups are combined with UNION ALL and
// grouped once. This was the fastest correct form tried: union_by_name=true over all
// files (sniffing each) gave the same answer about 1.6x slower.
// Prints `value,count` lines (NULL as the empty value).
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, ...files] = process.argv.slice(2);
if (!files.length || !/^[0-9]+$/.test(threads)) {
  console.error('usage: node bench/duckdb_count.mjs THREADS FILE...');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const sqlName = (s) => `"${s.replaceAll('"', '""')}"`;

function headerOf(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
  const eol = text.indexOf('\n');
  if (eol < 0) throw new Error(`${file}: no header line in its first ${buf.length} bytes`);
  return text.slice(0, eol).replace(/\r$/, '');
}

const groups = new Map(); // header line -> files
for (const file of files) {
  const h = headerOf(file);
  if (!groups.has(h)) groups.set(h, []);
  groups.get(h).push(file);
}
const parts = [...groups].map(([header, group]) => {
  const names = header.split(',');
  const pc = names.find((x) => x.trim().toLowerCase() === 'passenger_count');
  if (pc === undefined) throw new Error(`${group[0]}: no passenger_count column in header ${header}`);
  const columns = '{' + names.map((x) => `${sqlString(x)}: 'VARCHAR'`).join(', ') + '}';
  return `SELECT ${sqlName(pc)} AS passenger_count
          FROM read_csv([${group.map(sqlString).join(', ')}], header = true, auto_detect = false,
                        delim = ',', quote = '"', columns = ${columns})`;
});
const query = `SELECT passenger_count, count(*) AS n
               FROM (${parts.join('\n UNION ALL ')})
               GROUP BY passenger_count`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${Number(threads)}`);
const reader = await con.runAndReadAll(query);
let out = '';
for (const [value, n] of reader.getRows()) out += `${value ?? ''},${n}\n`;
process.stdout.write(out);
