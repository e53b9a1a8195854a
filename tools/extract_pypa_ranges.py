#!/usr/bin/env python3
"""Extract the `affected` entries of the PyPA Advisory Database (YAML) into one gzipped JSON-lines
file, for fnguard-deps' property test (every listed version is affected through the ranges).

Usage: tools/extract_pypa_ranges.py PYPA_VULNS_DIR OUT.jsonl.gz

The PyPA Advisory Database is CC-BY-4.0; the output keeps each record's id so it can be traced.
"""
import gzip, json, pathlib, sys

import yaml

src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
lines = []
for path in sorted(src.glob("*/PYSEC-*.yaml")):
    rec = yaml.safe_load(path.read_text())
    keep = []
    for a in rec.get("affected", []):
        keep.append({k: a[k] for k in ("package", "ranges", "versions") if k in a})
    lines.append(json.dumps({"id": rec["id"], "affected": keep}, sort_keys=True, separators=(",", ":")))
with gzip.open(out, "wt", compresslevel=9) as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} records -> {out}")
