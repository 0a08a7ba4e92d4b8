// Polars peer of the taxi questions (bench/questions.sh), one lazy query per process.
//   node bench/polars_questions.mjs QUERY csv|parquet THREADS FILE...
//   node bench/polars_questions.mjs startup csv|parquet THREADS   (a one-row frame: the start-up cost)
// QUERY as for bench/duckdb_questions.mjs. Prints the result as CSV with a header of
// fanout's column names (null as the empty value) on stdout, and on stderr one line
// `query_seconds S`: building the lazy query and collect() (performance.now() around
// them), so without starting node, loading Polars and printing.
//
// Per file a lazy scan (scanCSV with every column read as text, inferSchemaLength: 0,
// so keys group as the text they are, as fanout groups them; or scanParquet), only the
// query's columns selected, the scans concatenated. In CSV, numbers are cast to Float64
// and the pickup time parsed with strptime('%Y-%m-%d %H:%M:%S'), both non-strict: a
// value that is not one is null and skips the row, as fanout skips it; an empty value
// stays a null key. Parquet's columns are typed already (TIMESTAMP, DOUBLE).
// Sums and means are float64 (binary floating point): bench/questions.py compares them
// with a relative tolerance; round() is asked for halves away from zero (fanout's and
// DuckDB's rounding; Polars' default is halves to even).
const [query, format, threads, ...files] = process.argv.slice(2);
const QUERIES = ['startup', 'ym_top9', 'ym_sum', 'top9_dist', 'by_payment', 'mean_by_pc', 'pc_year',
  'pc_year_dist', 'agg2', 'count_pc'];
if (!QUERIES.includes(query) || !['csv', 'parquet'].includes(format) || !/^[0-9]+$/.test(threads || '') ||
    (query !== 'startup' && !files.length)) {
  console.error('usage: node bench/polars_questions.mjs QUERY csv|parquet THREADS FILE...');
  process.exit(2);
}
process.env.POLARS_MAX_THREADS = threads; // read once, when the native library loads
const pl = (await import('nodejs-polars')).default;

const P = 'tpep_pickup_datetime';
const Y = `year(${P})`;
const M = `month(${P})`;
const csv = format === 'csv';
// The pickup time, parsed once per row (CSV) as the column __ts by withTs(), then filtered
// as fanout filters: a value that is not a timestamp skips the row, an empty one is a null key.
const withTs = (lf) => lf
  .withColumns(csv ? pl.col(P).str.strptime(pl.Datetime('ms'), '%Y-%m-%d %H:%M:%S').alias('__ts') : pl.col(P).alias('__ts'))
  .filter(pl.col('__ts').isNotNull().or(pl.col(P).isNull()));
const ts = () => pl.col('__ts');
const num = (c) => pl.col(c).cast(pl.Float64, false);
const numOrNull = (c) => num(c).isNotNull().or(pl.col(c).isNull());
const scan = (columns) => pl.concat(files.map((f) => {
  const lf = csv ? pl.scanCSV(f, { hasHeader: true, inferSchemaLength: 0 }) : pl.scanParquet(f);
  return columns ? lf.select(...columns) : lf;
}));

function build() {
  switch (query) {
    case 'startup':
      return pl.DataFrame({ one: [1] }).lazy();
    case 'ym_top9':
      return withTs(scan([P]))
        .select(ts().dt.year().alias(Y), ts().dt.month().alias(M))
        .groupBy([Y, M]).agg(pl.len().alias('count'))
        .sort(['count', Y, M], [true, false, false], true).head(9);
    case 'ym_sum':
      return withTs(scan([P, 'trip_distance'])).filter(num('trip_distance').isNotNull())
        .select(ts().dt.strftime('%Y-%m').alias(`yearmonth(${P})`), num('trip_distance').alias('d'))
        .groupBy(`yearmonth(${P})`).agg(pl.col('d').sum().alias('sum_trip_distance'));
    case 'top9_dist':
      return scan(null).filter(num('trip_distance').isNotNull())
        .sort(num('trip_distance'), true).head(9);
    case 'by_payment':
      return scan(['payment_type']).groupBy('payment_type').agg(pl.len().alias('count'));
    case 'mean_by_pc':
      return scan(['passenger_count', 'total_amount']).filter(num('total_amount').isNotNull())
        .groupBy('passenger_count').agg(num('total_amount').mean().alias('mean_total_amount'));
    case 'pc_year':
      return withTs(scan(['passenger_count', P]))
        .select(pl.col('passenger_count'), ts().dt.year().alias(Y))
        .groupBy(['passenger_count', Y]).agg(pl.len().alias('count'));
    case 'pc_year_dist':
      return withTs(scan(['passenger_count', P, 'trip_distance'])).filter(numOrNull('trip_distance'))
        .select(pl.col('passenger_count'), ts().dt.year().alias(Y),
          num('trip_distance').round({ decimals: 0, mode: 'halfawayfromzero' }).alias('round(trip_distance)'))
        .groupBy(['passenger_count', Y, 'round(trip_distance)']).agg(pl.len().alias('count'))
        .withColumns(pl.col('passenger_count').cast(pl.Float64, false).alias('__pc'))
        .sort([Y, 'count', '__pc', 'round(trip_distance)'], [false, true, false, false], true)
        .drop('__pc');
    case 'agg2':
      return scan(['passenger_count', 'total_amount', 'trip_distance'])
        .filter(num('total_amount').isNotNull().and(num('trip_distance').isNotNull()))
        .groupBy('passenger_count')
        .agg(num('total_amount').sum().alias('sum_total_amount'), num('trip_distance').mean().alias('mean_trip_distance'));
    case 'count_pc':
      return scan(['passenger_count']).groupBy('passenger_count').agg(pl.len().alias('count'));
  }
  throw new Error(`unknown query ${query}`);
}

const t0 = performance.now();
const df = await build().collect();
const seconds = (performance.now() - t0) / 1000;
const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const cell = (v) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : quote(String(v)));
const lines = [df.columns.map(quote).join(',')];
for (const r of df.rows()) lines.push(r.map(cell).join(','));
process.stdout.write(lines.join('\n') + '\n');
process.stderr.write(`query_seconds ${seconds.toFixed(6)}\n`);
