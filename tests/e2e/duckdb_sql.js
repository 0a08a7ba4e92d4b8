// Runs one SQL query in DuckDB (@duckdb/node-api), the independent engine the
// taxi questions' answers are compared with, and prints its result as CSV:
// a header line of the column names, then one line per row, NULL as the empty
// value, numbers in DuckDB's own text (an exact DECIMAL's digits as they are).
//
//   node duckdb_sql.js 'SELECT ... FROM read_csv(...)'
//
// Exit status 1 (and the error on stderr) when DuckDB refuses the query.
'use strict';

async function main() {
  const sql = process.argv[2];
  if (!sql) {
    process.stderr.write('usage: node duckdb_sql.js SQL\n');
    process.exit(2);
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const reader = await con.runAndReadAll(sql);
  const quote = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [reader.columnNames().map(quote).join(',')];
  for (const row of reader.getRows()) lines.push(row.map((v) => (v === null ? '' : quote(String(v)))).join(','));
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`duckdb_sql: ${e.message}\n`);
  process.exit(1);
});
