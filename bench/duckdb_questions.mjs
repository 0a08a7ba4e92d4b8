// DuckDB peer of the taxi questions (bench/questions.sh), one query per process.
//   node bench/duckdb_questions.mjs QUERY csv|parquet THREADS FILE...
//   node bench/duckdb_questions.mjs startup csv|parquet THREADS   (SELECT 1: the start-up cost)
// QUERY is one of the ids of bench/questions.py (ym_top9, ym_sum, top9_dist, by_payment,
// mean_by_pc, pc_year, pc_year_dist, agg2, count_pc). Prints the result as CSV with a
// header of fanout's column names (NULL as the empty value, numbers in DuckDB's own
// text: an exact DECIMAL's digits as they are) on stdout, and on stderr one line
// `query_seconds S`: the time of runAndReadAll alone (performance.now() around it), so
// without starting node, loading DuckDB and printing.
//
// The SQL is the one tests/e2e/taxi_questions_test.sh checks fanout against: CSV is read
// with read_csv(..., all_varchar = true), so keys group as the text they are, as fanout
// groups them; numbers are TRY_CAST to DECIMAL(18,2), so sums and means are exact (a
// DECIMAL sum; avg of the DECIMALs rounded once to a double); a value that is not a
// number or a timestamp skips the row, as fanout skips it. The same SQL runs over the
// Parquet files (read_parquet): there the casts take the typed columns (TIMESTAMP,
// DOUBLE, the doubles having at most 2 decimals, so DECIMAL(18,2) is their value).
import { DuckDBInstance } from '@duckdb/node-api';

const [query, format, threads, ...files] = process.argv.slice(2);
const P = 'tpep_pickup_datetime';
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const id = (s) => `"${s.replaceAll('"', '""')}"`;
const list = `[${files.map(sqlString).join(', ')}]`;
const src = format === 'csv' ? `read_csv(${list}, all_varchar = true, header = true)` : `read_parquet(${list})`;
const TS = `TRY_CAST(${P} AS TIMESTAMP)`;
const tsOk = `(${TS} IS NOT NULL OR ${P} IS NULL)`; // fanout skips a value that is not a timestamp
const dec = (c) => `TRY_CAST(${c} AS DECIMAL(18, 2))`;
const numOrNull = (c) => `(${dec(c)} IS NOT NULL OR ${c} IS NULL)`; // an empty value is NULL, a group
const Y = id(`year(${P})`);
const M = id(`month(${P})`);

const sql = {
  startup: 'SELECT 1 AS one',
  // count --by "year(P),month(P)" --top 9: count descending, then the keys ascending, NULL last
  ym_top9: `SELECT year(${TS}) AS ${Y}, month(${TS}) AS ${M}, count(*) AS count FROM ${src} WHERE ${tsOk}
            GROUP BY ALL ORDER BY count DESC, ${Y} NULLS LAST, ${M} NULLS LAST LIMIT 9`,
  // agg --by "yearmonth(P)" --sum trip_distance
  ym_sum: `SELECT strftime(${TS}, '%Y-%m') AS ${id(`yearmonth(${P})`)}, sum(${dec('trip_distance')}) AS sum_trip_distance
           FROM ${src} WHERE ${tsOk} AND ${dec('trip_distance')} IS NOT NULL GROUP BY ALL`,
  // top 9 --by trip_distance --desc: the 9 rows of the largest trip distances, every column
  top9_dist: `SELECT * FROM ${src} WHERE ${dec('trip_distance')} IS NOT NULL
              ORDER BY ${dec('trip_distance')} DESC LIMIT 9`,
  // count --by payment_type
  by_payment: `SELECT payment_type, count(*) AS count FROM ${src} GROUP BY ALL`,
  // agg --by passenger_count --mean total_amount
  mean_by_pc: `SELECT passenger_count, avg(${dec('total_amount')})::DOUBLE AS mean_total_amount FROM ${src}
               WHERE ${dec('total_amount')} IS NOT NULL GROUP BY ALL`,
  // count --by "passenger_count,year(P)"
  pc_year: `SELECT passenger_count, year(${TS}) AS ${Y}, count(*) AS count FROM ${src} WHERE ${tsOk} GROUP BY ALL`,
  // count --by "passenger_count,year(P),round(trip_distance)" --sort "year(P),count:desc"
  // (ties: the other keys ascending, numbers by value, NULL last, as fanout breaks them)
  pc_year_dist: `SELECT passenger_count, year(${TS}) AS ${Y},
                        CAST(round(${dec('trip_distance')}) AS DECIMAL(18, 0)) AS ${id('round(trip_distance)')},
                        count(*) AS count
                 FROM ${src} WHERE ${tsOk} AND ${numOrNull('trip_distance')} GROUP BY 1, 2, 3
                 ORDER BY ${Y} NULLS LAST, count DESC, TRY_CAST(passenger_count AS DOUBLE) NULLS LAST,
                          ${id('round(trip_distance)')} NULLS LAST`,
  // agg --by passenger_count --sum total_amount --mean trip_distance (a row needs both numbers)
  agg2: `SELECT passenger_count, sum(${dec('total_amount')}) AS sum_total_amount,
                avg(${dec('trip_distance')})::DOUBLE AS mean_trip_distance
         FROM ${src} WHERE ${dec('total_amount')} IS NOT NULL AND ${dec('trip_distance')} IS NOT NULL GROUP BY ALL`,
  // count --by passenger_count
  count_pc: `SELECT passenger_count, count(*) AS count FROM ${src} GROUP BY ALL`,
}[query];

if (!sql || !['csv', 'parquet'].includes(format) || !/^[0-9]+$/.test(threads || '') || (query !== 'startup' && !files.length)) {
  console.error('usage: node bench/duckdb_questions.mjs QUERY csv|parquet THREADS FILE...');
  process.exit(2);
}

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${Number(threads)}`);
const t0 = performance.now();
const reader = await con.runAndReadAll(sql);
const seconds = (performance.now() - t0) / 1000;
const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
const lines = [reader.columnNames().map(quote).join(',')];
for (const row of reader.getRows()) lines.push(row.map((v) => (v === null ? '' : quote(String(v)))).join(','));
process.stdout.write(lines.join('\n') + '\n');
process.stderr.write(`query_seconds ${seconds.toFixed(6)}\n`);
