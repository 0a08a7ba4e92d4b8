// DuckDB peer for bench/groups.sh: count per key, ordered by count descending, then key.
//   node bench/duckdb_groups.mjs THREADS FILE OUT
// The file has a header `k,v`; both columns are read as VARCHAR (no sniffing),
// so keys group as the text they are, like fanout. Writes `key,count` lines
// (no header) to OUT.
import { DuckDBInstance } from '@duckdb/node-api';

const [threads, file, out] = process.argv.slice(2);
if (!out || !/^[0-9]+$/.test(threads)) {
  console.error('usage: node bench/duckdb_groups.mjs THREADS FILE OUT');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:', { threads });
const c = await db.connect();
await c.run(`COPY (SELECT k, count(*) AS n
                   FROM read_csv(${q(file)}, header = true, auto_detect = false, delim = ',', quote = '"',
                                 columns = {'k': 'VARCHAR', 'v': 'VARCHAR'})
                   GROUP BY k ORDER BY n DESC, k)
             TO ${q(out)} (HEADER false)`);
