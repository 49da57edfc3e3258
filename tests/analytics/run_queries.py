#!/usr/bin/env python3
"""Runs docs/analytics.md's ClickHouse table and queries on rows a collector
wrote (JSONEachRow), in chDB: ClickHouse's own engine in-process, so the SQL
is the one a partner runs on a cluster.

usage: run_queries.py DOC.md EVENTS.jsonl
prints {"QUERY_NAME": [ROW, ...], ...} as JSON; fails on any SQL error.
"""
import json
import re
import sys
import tempfile

from chdb import session


def main():
    doc, rows_path = sys.argv[1], sys.argv[2]
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    create = [b for b in blocks if b.lstrip().startswith("CREATE TABLE")]
    queries = {}
    for b in blocks:
        m = re.match(r"\s*-- query: (\w+)\n", b)
        if m:
            queries[m.group(1)] = b[m.end():].strip().rstrip(";")
    if len(create) != 1 or not queries:
        sys.exit(f"{doc}: want one CREATE TABLE and named queries, found {len(create)} and {len(queries)}")
    with open(rows_path, encoding="utf-8") as f:
        rows = f.read()
    out = {}
    with tempfile.TemporaryDirectory() as d:
        s = session.Session(d)
        s.query(create[0].strip().rstrip(";"))
        s.query("INSERT INTO pillarbox_events FORMAT JSONEachRow\n" + rows)
        for name, sql in queries.items():
            r = s.query(sql + " SETTINGS output_format_json_quote_64bit_integers = 0", "JSON")
            out[name] = json.loads(r.bytes())["data"]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
