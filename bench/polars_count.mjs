// Polars peer: rows per passenger_count value over every CSV file, one lazy query.
//   node bench/polars_count.mjs THREADS FILE...
// Each file is scanned with the passenger_count column named as its own header spells
// it (found case-insensitively: 2009 says Passenger_Count), renamed, and the scans are
// concatenated and grouped. Every value is read as text (inferSchemaLength: 0), so values
// group as the text they are, like fanout; an empty value is null, its own group.
// Polars reads a blank line as a row of nulls, so the blank line that follows the
// header in the 2010-2016/06 files is skipped (skipRowsAfterHeader: 1) where present.
// Prints `value,count` lines (null as the empty value).
import fs from 'node:fs';

const [threads, ...files] = process.argv.slice(2);
if (!files.length || !/^[0-9]+$/.test(threads)) {
  console.error('usage: node bench/polars_count.mjs THREADS FILE...');
  process.exit(2);
}
process.env.POLARS_MAX_THREADS = threads; // read once, when the native library loads
const pl = (await import('nodejs-polars')).default;

function headerOf(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  const n = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  const lines = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').split('\n');
  const names = lines[0].replace(/\r$/, '').split(',');
  const i = names.findIndex((x) => x.trim().toLowerCase() === 'passenger_count');
  if (i < 0) throw new Error(`${file}: no passenger_count column in header ${lines[0]}`);
  return { column: names[i], blankAfterHeader: lines.length > 1 && lines[1].replace(/\r$/, '') === '' };
}

const scans = files.map((file) => {
  const h = headerOf(file);
  return pl
    .scanCSV(file, { hasHeader: true, inferSchemaLength: 0, skipRowsAfterHeader: h.blankAfterHeader ? 1 : 0 })
    .select(pl.col(h.column).alias('passenger_count'));
});
const df = await pl.concat(scans).groupBy('passenger_count').agg(pl.len().alias('n')).collect();
let out = '';
for (const row of df.toRecords()) out += `${row.passenger_count ?? ''},${row.n}\n`;
process.stdout.write(out);
