#!/usr/bin/env python3
"""Precision of fnguard on the precision corpus, against the hand-triaged verdicts.

Scans every application of bench/precision/apps.toml found under the corpus directory
(<corpus>/<name>, checked out at the recorded commit; their code is never committed), matches
each finding to bench/precision/verdicts.tsv by fingerprint (then by rule and location, when
only the message changed), and prints:

  - new findings (no verdict yet: triage them and add rows),
  - gone findings (a verdict whose finding no longer appears: explain it),
  - changed findings (same rule and location, new fingerprint),
  - per rule and overall: findings, TP, FP, noise, unjudged, and the false-positive rate
    FP / judged findings.

    python3 bench/precision.py --corpus /path/to/corpus [--fnguard target/release/fnguard]
    python3 bench/precision.py --corpus DIR --app cisagov+crossfeed --show-fp
    python3 bench/precision.py --scans DIR   # reuse <DIR>/<name>.json from an earlier run

With --check the exit status is 1 when the overall FP rate exceeds 5% or a rule with at least
five findings exceeds 15% (the targets of issue 17), or when a finding has no verdict.
"""

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
APPS = HERE / "precision" / "apps.toml"
VERDICTS = HERE / "precision" / "verdicts.tsv"
COLUMNS = ["app", "rule", "fingerprint", "function", "location", "verdict", "reason"]


def load_verdicts():
    rows = []
    with open(VERDICTS, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != COLUMNS:
            sys.exit(f"{VERDICTS}: header must be {COLUMNS}")
        for n, line in enumerate(f, start=2):
            cells = line.rstrip("\n").split("\t")
            if len(cells) != len(COLUMNS):
                sys.exit(f"{VERDICTS}:{n}: expected {len(COLUMNS)} columns, got {len(cells)}")
            row = dict(zip(COLUMNS, cells))
            if row["verdict"] not in ("TP", "FP", "noise"):
                sys.exit(f"{VERDICTS}:{n}: verdict must be TP, FP or noise")
            rows.append(row)
    return rows


def default_binary():
    target = os.environ.get("CARGO_TARGET_DIR", str(HERE.parent / "target"))
    return str(pathlib.Path(target) / "release" / "fnguard")


def scan(binary, directory):
    out = subprocess.run(
        [binary, "scan", str(directory), "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    # 0: no findings, 1: findings, 2: nothing loaded (a CDK app without cdk.out, for one).
    if out.returncode not in (0, 1, 2) or not out.stdout.strip():
        sys.exit(f"fnguard failed on {directory} (exit {out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def location(finding):
    loc = finding["location"]
    return f"{loc['file']}:{loc['line']}"


def functions(finding):
    names = finding.get("functions") or ([finding["function"]] if finding.get("function") else [])
    return ",".join(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="directory holding <name>/ checkouts of the apps")
    ap.add_argument("--scans", help="directory of <name>.json scans to read instead of scanning")
    ap.add_argument("--save", help="write each app's scan to <DIR>/<name>.json")
    ap.add_argument("--fnguard", default=default_binary())
    ap.add_argument("--app", action="append", help="only these apps (repeatable)")
    ap.add_argument("--show-fp", action="store_true", help="list the FP and noise verdicts still reported")
    ap.add_argument("--check", action="store_true", help="fail when the precision targets are missed")
    args = ap.parse_args()
    if not args.corpus and not args.scans:
        ap.error("give --corpus or --scans")

    apps = tomllib.loads(APPS.read_text(encoding="utf-8"))["app"]
    verdicts = load_verdicts()
    by_fp = {(v["app"], v["fingerprint"]): v for v in verdicts}
    by_loc = collections.defaultdict(list)
    for v in verdicts:
        by_loc[(v["app"], v["rule"], v["location"])].append(v)

    per_rule = collections.defaultdict(collections.Counter)
    new, changed, missing_apps = [], [], []
    seen = set()
    scanned_apps = set()
    for app in apps:
        name = app["name"]
        if args.app and name not in args.app:
            continue
        if args.scans:
            path = pathlib.Path(args.scans) / f"{name}.json"
            if not path.is_file():
                missing_apps.append(name)
                continue
            report = json.loads(path.read_text(encoding="utf-8"))
        else:
            directory = pathlib.Path(args.corpus) / name
            if not directory.is_dir():
                missing_apps.append(name)
                continue
            report = scan(args.fnguard, directory)
            if args.save:
                pathlib.Path(args.save).mkdir(parents=True, exist_ok=True)
                (pathlib.Path(args.save) / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")
        scanned_apps.add(name)
        for f in report["findings"]:
            key = (name, f["fingerprint"])
            v = by_fp.get(key)
            if v is None:
                candidates = [c for c in by_loc.get((name, f["rule"], location(f)), []) if (c["app"], c["fingerprint"]) not in seen]
                if candidates:
                    v = candidates[0]
                    changed.append((name, f, v))
            if v is None:
                new.append((name, f))
                per_rule[f["rule"]]["unjudged"] += 1
                per_rule[f["rule"]]["findings"] += 1
                continue
            seen.add((v["app"], v["fingerprint"]))
            per_rule[f["rule"]][v["verdict"]] += 1
            per_rule[f["rule"]]["findings"] += 1
            if args.show_fp and v["verdict"] != "TP":
                print(f"{v['verdict']:5} {name} {f['rule']} {location(f)} — {v['reason']}")

    gone = [v for v in verdicts if v["app"] in scanned_apps and (v["app"], v["fingerprint"]) not in seen]

    if missing_apps:
        print(f"not found (check them out to include them): {', '.join(missing_apps)}\n")
    if new:
        print(f"NEW ({len(new)}): no verdict yet")
        for name, f in new:
            print(f"  {name}\t{f['rule']}\t{f['fingerprint']}\t{functions(f)}\t{location(f)}\t{f['message']}")
        print()
    if changed:
        print(f"CHANGED ({len(changed)}): same rule and location, new fingerprint")
        for name, f, v in changed:
            print(f"  {name}\t{f['rule']}\t{v['fingerprint']} -> {f['fingerprint']}\t{location(f)}\t({v['verdict']})")
        print()
    if gone:
        print(f"GONE ({len(gone)}): verdicts whose finding no longer appears")
        for v in gone:
            print(f"  {v['app']}\t{v['rule']}\t{v['fingerprint']}\t{v['location']}\t({v['verdict']}) {v['reason']}")
        print()

    print(f"{'rule':6} {'findings':>8} {'TP':>4} {'FP':>4} {'noise':>5} {'new':>4} {'FP rate':>8}")
    total = collections.Counter()
    failed = []
    for rule in sorted(per_rule):
        c = per_rule[rule]
        total.update(c)
        judged = c["TP"] + c["FP"] + c["noise"]
        rate = c["FP"] / judged if judged else 0.0
        print(f"{rule:6} {c['findings']:>8} {c['TP']:>4} {c['FP']:>4} {c['noise']:>5} {c['unjudged']:>4} {rate:>8.1%}")
        if c["findings"] >= 5 and rate > 0.15:
            failed.append(f"{rule} FP rate {rate:.1%} > 15%")
    judged = total["TP"] + total["FP"] + total["noise"]
    rate = total["FP"] / judged if judged else 0.0
    print(f"{'all':6} {total['findings']:>8} {total['TP']:>4} {total['FP']:>4} {total['noise']:>5} {total['unjudged']:>4} {rate:>8.1%}")
    if rate > 0.05:
        failed.append(f"overall FP rate {rate:.1%} > 5%")
    if new:
        failed.append(f"{len(new)} findings without a verdict")
    if args.check and failed:
        print("\nprecision targets missed: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
