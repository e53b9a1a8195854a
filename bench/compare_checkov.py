#!/usr/bin/env python3
"""Run fnguard and Checkov on the same trees in the same run; print wall-time and peak-memory
ratios and, for the perimeter risks fnguard targets, how many each tool reports.

Usage: bench/compare_checkov.py [--checkov PATH] [--fnguard PATH] [--runs N] DIR [DIR...]

Nothing here is committed data: point it at local exports of public corpora, e.g.
serverless/examples and aws-samples/serverless-patterns.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Checkov checks that correspond to fnguard rules (same concept, same descriptor formats).
CHECKOV_EQUIVALENTS = {
    "FG201": {"CKV_AWS_258"},               # Lambda function URL AuthType NONE (Terraform only)
    "FG202": {"CKV_AWS_301", "CKV_AWS_364"},  # public / unscoped Lambda permission
    "FG203": {"CKV_AWS_59"},                # API Gateway method without authorization
    "FG206": set(),                         # no CORS check for API Gateway / URLs in Checkov
    "FG601": {"CKV_AWS_363"},               # deprecated runtime
    "FG602": {"CKV_AWS_45"},                # secrets in Lambda environment
    "FG607": {"CKV_AWS_76", "CKV_AWS_95"},  # API Gateway access logging
}


def run_measured(cmd):
    """Run cmd in a fresh child; return (wall seconds, peak RSS in MiB of that child, stdout)."""
    wrapper = (
        "import resource,subprocess,sys,time,json;"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL);"
        "w=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
        "sys.stderr.write(json.dumps([w,r,p.returncode]));sys.stdout.buffer.write(p.stdout)"
    )
    p = subprocess.run([sys.executable, "-c", wrapper, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall, rss_kib, code = json.loads(p.stderr.decode().strip().splitlines()[-1])
    return wall, rss_kib / 1024.0, code, p.stdout


def fnguard_cmd(binary, d):
    return [binary, "scan", d, "--format", "json", "--fail-on", "none", "--no-progress"]


def checkov_cmd(binary, d, out_dir, frameworks):
    return [binary, "-d", d, "--framework", *frameworks, "-o", "json",
            "--quiet", "--compact", "--skip-download", "--output-file-path", out_dir]


def checkov_failed(out_dir):
    path = os.path.join(out_dir, "results_json.json")
    try:
        data = json.load(open(path))
    except (OSError, ValueError):
        return []
    reports = data if isinstance(data, list) else [data]
    failed = []
    for rep in reports:
        failed.extend(rep.get("results", {}).get("failed_checks", []))
    return failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkov", default=shutil.which("checkov") or "checkov")
    ap.add_argument("--fnguard", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "fnguard"))
    ap.add_argument("--runs", type=int, default=3, help="fnguard runs per tree (median taken)")
    ap.add_argument("--checkov-framework", default="cloudformation serverless",
                    help="space-separated Checkov frameworks (use 'terraform' for .tf trees)")
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()
    for d in a.dirs:
        print(f"\n== {d}")
        fn_runs = [run_measured(fnguard_cmd(a.fnguard, d)) for _ in range(a.runs)]
        fn_wall = statistics.median(r[0] for r in fn_runs)
        fn_rss = max(r[1] for r in fn_runs)
        report = json.loads(fn_runs[0][3])
        with tempfile.TemporaryDirectory() as out_dir:
            ck_wall, ck_rss, _, _ = run_measured(checkov_cmd(a.checkov, d, out_dir, a.checkov_framework.split()))
            ck_failed = checkov_failed(out_dir)
        print(f"fnguard: {fn_wall:.3f} s wall (median of {a.runs}), {fn_rss:.0f} MiB peak; "
              f"{len(report['projects'])} projects, {sum(len(p['functions']) for p in report['projects'])} functions, "
              f"{len(report['findings'])} findings, {len(report['errors'])} input problems")
        print(f"checkov: {ck_wall:.3f} s wall, {ck_rss:.0f} MiB peak; {len(ck_failed)} failed checks")
        print(f"ratio:   fnguard is {ck_wall / fn_wall:.0f}x faster and uses {fn_rss / ck_rss:.3f}x "
              f"(1/{ck_rss / fn_rss:.0f}) of Checkov's peak memory")
        by_rule = {}
        for f in report["findings"]:
            by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
        ck_by = {}
        for c in ck_failed:
            ck_by[c["check_id"]] = ck_by.get(c["check_id"], 0) + 1
        print(f"{'fnguard rule':<14}{'fnguard':>8}  {'checkov equivalent':<28}{'checkov':>8}")
        for rule, eq in CHECKOV_EQUIVALENTS.items():
            n_ck = sum(ck_by.get(c, 0) for c in eq)
            print(f"{rule:<14}{by_rule.get(rule, 0):>8}  {(','.join(sorted(eq)) or '(none)'):<28}{n_ck:>8}")


if __name__ == "__main__":
    main()
