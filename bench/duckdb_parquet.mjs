// DuckDB peer of the Parquet round (bench/parquet.py), one query over every file.
//   node bench/duckdb_parquet.mjs QUERY THREADS FILE...
// QUERY:
//   count     rows per passenger_count value:           prints `value,count` lines
//   agg       sum and mean of total_amount per value:    prints `value,sum,mean` lines
//             (the sum exact: a DECIMAL sum of the values cast to DECIMAL(18,2))
//   aggfloat  the same with DuckDB's own sum of the DOUBLEs (binary floating point,
//             its fastest form; compared with a tolerance)
//   decimals  the check the exact sum relies on (run once, untimed): prints one line
//             `rows,null_total_amount,not_2_decimals,codecs,row_groups`
// The files are read by one read_parquet([FILE, ...]) (they share one schema: 2019 and
// 2020 months, passenger_count and total_amount DOUBLE); DuckDB reads only the columns
// the query names. NULL is a group of its own, printed as the empty value.
// fanout sums exactly in decimal; so that the sums can be compared exactly, agg sums
// CAST(total_amount AS DECIMAL(18,2)) (an exact DECIMAL(38,2) sum), which is the value
// itself when every total_amount has at most 2 decimals: `decimals` counts the values
// for which that cast does not round-trip (must be 0). The mean is avg() of the DOUBLE.
import { DuckDBInstance } from '@duckdb/node-api';

const [query, threads, ...files] = process.argv.slice(2);
if (!files.length || !/^[0-9]+$/.test(threads || '') || !['count', 'agg', 'aggfloat', 'decimals'].includes(query)) {
  console.error('usage: node bench/duckdb_parquet.mjs count|agg|aggfloat|decimals THREADS FILE...');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;
const source = `read_parquet([${files.map(sqlString).join(', ')}])`;
const list = `[${files.map(sqlString).join(', ')}]`;

const sql = {
  count: `SELECT passenger_count, count(*) AS n FROM ${source} GROUP BY passenger_count`,
  agg: `SELECT passenger_count,
               CAST(sum(CAST(total_amount AS DECIMAL(18, 2))) AS VARCHAR) AS s,
               avg(total_amount) AS m
        FROM ${source} GROUP BY passenger_count`,
  aggfloat: `SELECT passenger_count, sum(total_amount) AS s, avg(total_amount) AS m
             FROM ${source} GROUP BY passenger_count`,
  decimals: `SELECT (SELECT count(*) FROM ${source}),
                    (SELECT count(*) FILTER (WHERE total_amount IS NULL) FROM ${source}),
                    (SELECT count(*) FILTER (WHERE CAST(CAST(total_amount AS DECIMAL(18, 2)) AS DOUBLE)
                                                   <> total_amount) FROM ${source}),
                    (SELECT string_agg(DISTINCT compression, ' ' ORDER BY compression)
                       FROM parquet_metadata(${list})),
                    (SELECT count(DISTINCT (file_name, row_group_id)) FROM parquet_metadata(${list}))`,
}[query];

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${Number(threads)}`);
const reader = await con.runAndReadAll(sql);
let out = '';
for (const row of reader.getRows()) out += row.map((x) => `${x ?? ''}`).join(',') + '\n';
process.stdout.write(out);
