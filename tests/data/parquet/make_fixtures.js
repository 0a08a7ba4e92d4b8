// Writes the Parquet fixtures of src/parquet/metadata_test.cc with DuckDB, a writer
// independent of fanout's. Run from the repository root after scripts/install-deps.sh
// (npm ci):  node tests/data/parquet/make_fixtures.js
// The files are committed; the test reads only them, so it needs neither node nor DuckDB.
'use strict';

const path = require('node:path');

const DIR = __dirname;

// 2100 rows in row groups of 1000, which DuckDB rounds up to its vector size: two
// row groups, of 2048 and 52 rows. Most columns repeat a few values (dictionary
// pages, and a small file).
const FLAT = `
  SELECT i::INTEGER AS id,
         (i % 10 * 1000003)::BIGINT AS big,
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'name ' || (i % 13) END AS name,
         (i % 40 / 8.0)::DECIMAL(9, 2) AS price,
         (i % 30 * 3.25)::DECIMAL(18, 4) AS amount,
         DATE '2020-01-01' + (i % 60)::INTEGER AS day,
         TIMESTAMP '2020-01-01 00:00:00' + to_seconds(i % 90 * 37) AS ts,
         TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(i % 70 * 41) AS tstz,
         (i % 2 = 0) AS flag,
         (i % 50) / 4.0 AS ratio,
         (i % 200)::UTINYINT AS small,
         (i % 100 - 50)::SMALLINT AS delta
  FROM range(2100) t(i)`;

// A struct, a list and a map beside a flat column.
const NESTED = `
  SELECT i::INTEGER AS id,
         {'a': i, 'b': 'x' || i} AS s,
         CASE WHEN i % 5 = 0 THEN NULL ELSE [i, i + 1, i + 2] END AS l,
         MAP {'k' || (i % 3): i} AS m
  FROM range(300) t(i)`;

async function main() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const write = async (sql, name) => {
    const file = path.join(DIR, name).replaceAll("'", "''");
    await con.run(`COPY (${sql}) TO '${file}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 1000)`);
  };
  await write(FLAT, 'duckdb_flat.parquet');
  await write(NESTED, 'duckdb_nested.parquet');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
