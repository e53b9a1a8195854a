#!/usr/bin/env python3
"""fnguard and bandit on the OWASP Benchmark for Python, side by side, in one run.

The benchmark (https://github.com/OWASP-Benchmark/BenchmarkPython, mirrored e.g. as
ongamse/BenchPython, v0.1; GPL-3.0, never commit it) is 1,243 Flask test cases with published
expected results. Each test module becomes one Lambda function of a generated SAM template: its
code package holds the test module, the benchmark's `helpers/` package and a serverless-wsgi
handler that serves the module's Flask routes, so fnguard sees what a deployed function would see. Flask routes are entry points and the request object is event data.

Scoring follows the OWASP scorecard: a test case is flagged by a tool when the tool reports a
finding of the test's category (by CWE for bandit, by rule id for fnguard) in the test's module.
Per category and overall: TPR, FPR and Youden's J = TPR - FPR.

Usage: bench/owasp_python.py BENCHMARK_DIR [--fnguard PATH] [--bandit PATH] [--only CAT,...]
                              [--show-misses CAT] [--keep DIR]
"""
import argparse, csv, json, os, shutil, subprocess, sys, tempfile, time
from collections import defaultdict

from owasp_common import case_of, rates, read_expected, run_fnguard, score

HERE = os.path.dirname(os.path.abspath(__file__))

# The fnguard rule that answers each benchmark category.
RULE_CATEGORY = {
    "FG501": "cmdi",
    "FG502": "codeinj",
    "FG517": "codeinj",
    "FG503": "deserialization",
    "FG504": "sqli",
    "FG506": "pathtraver",
    "FG508": "xxe",
    "FG518": "xss",
    "FG519": "redirect",
    "FG520": "ldapi",
    "FG521": "xpathi",
    "FG524": "trustbound",
    "FG525": "weakrand",
    "FG526": "securecookie",
    "FG515": "hash",
    "FG529": "hash",
}

# The categories whose thresholds the taint engine is held to (issue 21).
GATED = ["cmdi", "codeinj", "deserialization", "pathtraver", "sqli", "xxe", "redirect", "xss",
         "ldapi", "xpathi", "trustbound"]


# How a Flask application is deployed as a Lambda function (serverless-wsgi, as Serverless
# Framework and Zappa-style deployments do).
ADAPTER = """import serverless_wsgi
from flask import Flask

import {module}

app = Flask(__name__)
{module}.init(app)


def handler(event, context):
    return serverless_wsgi.handle_request(app, event, context)
"""


def build_project(bench, cases, out):
    """One function per test module, each package = the module + helpers/."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'",
             "Transform: AWS::Serverless-2016-10-31",
             "Resources:"]
    helpers = os.path.join(bench, "helpers")
    for name in sorted(cases):
        pkg = os.path.join(out, "cases", name)
        os.makedirs(pkg)
        shutil.copy(os.path.join(bench, "testcode", f"{name}.py"), os.path.join(pkg, f"{name}.py"))
        shutil.copytree(helpers, os.path.join(pkg, "helpers"),
                        ignore=shutil.ignore_patterns("resources", "__pycache__"))
        with open(os.path.join(pkg, "lambda_function.py"), "w") as f:
            f.write(ADAPTER.format(module=name))
        lines += [f"  F{name[-5:]}:",
                  "    Type: AWS::Serverless::Function",
                  "    Properties:",
                  f"      CodeUri: cases/{name}/",
                  "      Handler: lambda_function.handler",
                  "      Runtime: python3.12"]
    with open(os.path.join(out, "template.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def run_bandit(binary, bench, cwe_category):
    start = time.perf_counter()
    out = subprocess.run([binary, "-r", os.path.join(bench, "testcode"), "-f", "json", "-q"],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    flagged = defaultdict(set)
    try:
        results = json.loads(out.stdout)["results"]
    except (ValueError, KeyError):
        sys.exit(f"bandit failed: {out.stderr[-2000:]}")
    for r in results:
        category = cwe_category.get((r.get("issue_cwe") or {}).get("id"))
        name = case_of(r.get("filename"), ".py")
        if category and name:
            flagged[name].add(category)
    return flagged, elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench")
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--bandit", default="bandit")
    ap.add_argument("--no-bandit", action="store_true")
    ap.add_argument("--show-misses", metavar="CAT", help="list the FN and FP test cases of CAT")
    ap.add_argument("--keep", metavar="DIR", help="build the wrapped project in DIR and keep it")
    args = ap.parse_args()

    cases, cwe_category = read_expected(os.path.join(args.bench, "expectedresults-0.1.csv"))
    project = args.keep or tempfile.mkdtemp(prefix="fnguard-owasp-py-")
    if args.keep and os.path.exists(os.path.join(project, "template.yaml")):
        pass  # reuse a kept build
    else:
        if args.keep:
            os.makedirs(project, exist_ok=True)
        build_project(args.bench, cases, project)
    fg, fg_s, report, _ = run_fnguard(args.fnguard, project, RULE_CATEGORY, ".py")
    problems = report.get("errors") or report.get("input_problems") or []
    if args.no_bandit:
        bd, bd_s = {}, 0.0
    else:
        bd, bd_s = run_bandit(args.bandit, args.bench, cwe_category)
    fg_per, bd_per = score(cases, fg), score(cases, bd)

    print(f"OWASP Benchmark for Python: {len(cases)} test cases; "
          f"fnguard {fg_s:.1f} s, bandit {bd_s:.1f} s (ratio {bd_s / fg_s if fg_s else 0:.1f}x)")
    if problems:
        print(f"fnguard input problems: {len(problems)}")
    print(f"{'category':<16} {'cases':>5}  {'fnguard TPR':>11} {'FPR':>5} {'J':>6}   "
          f"{'bandit TPR':>10} {'FPR':>5} {'J':>6}")
    tot_fg, tot_bd = [0, 0, 0, 0], [0, 0, 0, 0]
    for category in sorted(fg_per):
        f, b = fg_per[category], bd_per[category]
        for i in range(4):
            tot_fg[i] += f[i]
            tot_bd[i] += b[i]
        ft, ff, fj = rates(f)
        bt, bf, bj = rates(b)
        gate = "*" if category in GATED else " "
        print(f"{category:<15}{gate} {sum(f):>5}  {ft:>11.2f} {ff:>5.2f} {fj:>6.2f}   "
              f"{bt:>10.2f} {bf:>5.2f} {bj:>6.2f}")
    ft, ff, fj = rates(tot_fg)
    bt, bf, bj = rates(tot_bd)
    print(f"{'overall':<16} {sum(tot_fg):>5}  {ft:>11.2f} {ff:>5.2f} {fj:>6.2f}   "
          f"{bt:>10.2f} {bf:>5.2f} {bj:>6.2f}")
    print("(* the categories issue 21 holds the taint engine to)")
    if args.show_misses:
        for name, (category, real) in sorted(cases.items()):
            if category != args.show_misses:
                continue
            hit = category in fg.get(name, ())
            if real and not hit:
                print(f"FN {name}")
            elif hit and not real:
                print(f"FP {name}")


if __name__ == "__main__":
    main()
