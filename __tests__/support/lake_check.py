"""Read a local run's lake with DuckDB, as Athena would read it through the Glue tables.

    python lake_check.py SPEC.json

SPEC (written by __tests__/lake/tables-over-parquet.test.ts from the synthesized stack):
  {"tables": [{"name", "location", "template", "partition_keys": [names]}],
   "queries": [{"name", "sql"}],
   "files": [paths of JSON files to read]}
Locations are local folders. Prints one JSON report on stdout:
  {"tables": {name: {"partitions": [folder names], "stray": [...], "columns": [[name, type]],
                     "rows": n, "template_ok": bool}},
   "queries": {name: {"columns": [...], "rows": n} | {"error": "..."}},
   "files": {path: parsed JSON | null}}
DuckDB stands in for Athena (both read Hive-partitioned Parquet); the test compares the
report with the synthesized tables, so the check is not the jobs' or the stack's own code.
"""
import json
import os
import re
import sys

import duckdb

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def partition_folders(location, keys):
    """The partition folders under a table's location, and anything else found there."""
    if not os.path.isdir(location):
        return [], []
    good, stray = [], []
    for entry in sorted(os.listdir(location)):
        if entry.startswith(("_", ".")):  # Athena skips these too (_SUCCESS, .crc)
            continue
        key, _, value = entry.partition("=")
        if len(keys) == 1 and key == keys[0] and DAY.match(value):
            good.append(entry)
        else:
            stray.append(entry)
    return good, stray


def table_report(con, table):
    location = table["location"].rstrip("/")
    keys = table["partition_keys"]
    partitions, stray = partition_folders(location, keys)
    report = {"partitions": partitions, "stray": stray, "columns": [], "rows": 0}
    # The projected location of the first partition, as Athena would compute it.
    if partitions:
        value = partitions[0].split("=", 1)[1]
        projected = table["template"].replace("${" + keys[0] + "}", value).rstrip("/")
        report["template_ok"] = os.path.isdir(projected) and os.path.samefile(projected, os.path.join(location, partitions[0]))
        files = [
            os.path.join(location, p, f)
            for p in partitions
            for f in sorted(os.listdir(os.path.join(location, p)))
            if f.endswith(".parquet")
        ]
        # The files' own columns: a partition key must not be stored in them.
        rel = con.read_parquet(files, hive_partitioning=False)
        report["columns"] = [[name, str(dtype)] for name, dtype in zip(rel.columns, rel.dtypes)]
        report["rows"] = rel.count("*").fetchone()[0]
        # A view cannot take parameters: the file list is written out as SQL string literals.
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(
            f"CREATE OR REPLACE VIEW {table['name']} AS SELECT * FROM "
            f"read_parquet([{listed}], hive_partitioning = true, hive_types = {{'{keys[0]}': DATE}})"
        )
    return report


def main(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    con = duckdb.connect()
    report = {"tables": {}, "queries": {}, "files": {}}
    for table in spec["tables"]:
        report["tables"][table["name"]] = table_report(con, table)
    for query in spec["queries"]:
        try:
            rel = con.sql(query["sql"])
            report["queries"][query["name"]] = {"columns": list(rel.columns), "rows": len(rel.fetchall())}
        except duckdb.Error as err:
            report["queries"][query["name"]] = {"error": str(err).splitlines()[0]}
    for path in spec["files"]:
        try:
            with open(path) as f:
                report["files"][path] = json.load(f)
        except FileNotFoundError:
            report["files"][path] = None
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
