// Polars peer of the Parquet round (bench/parquet.py), one lazy query over every file.
//   node bench/polars_parquet.mjs QUERY THREADS FILE...
// QUERY:
//   count  rows per passenger_count value:          prints `value,count` lines
//   agg    sum and mean of total_amount per value:   prints `value,sum,mean` lines
// Per file a lazy scanParquet, only the query's columns selected (projection pushed
// into the scan), the scans concatenated, then groupBy; null is a group of its own,
// printed as the empty value. Polars sums the DOUBLEs in binary floating point, so its
// sums and means are compared with a relative tolerance (bench/parquet.py).
const [query, threads, ...files] = process.argv.slice(2);
if (!files.length || !/^[0-9]+$/.test(threads || '') || !['count', 'agg'].includes(query)) {
  console.error('usage: node bench/polars_parquet.mjs count|agg THREADS FILE...');
  process.exit(2);
}
process.env.POLARS_MAX_THREADS = threads; // read once, when the native library loads
const pl = (await import('nodejs-polars')).default;

const columns = query === 'count' ? ['passenger_count'] : ['passenger_count', 'total_amount'];
const scans = files.map((file) => pl.scanParquet(file).select(...columns));
const grouped = pl.concat(scans).groupBy('passenger_count');
const df = await (query === 'count'
  ? grouped.agg(pl.len().alias('n'))
  : grouped.agg(pl.col('total_amount').sum().alias('s'), pl.col('total_amount').mean().alias('m'))
).collect();
let out = '';
for (const r of df.toRecords()) {
  out += query === 'count'
    ? `${r.passenger_count ?? ''},${r.n}\n`
    : `${r.passenger_count ?? ''},${r.s ?? ''},${r.m ?? ''}\n`;
}
process.stdout.write(out);
