#!/usr/bin/env python3
"""fnguard and semgrep on the OWASP Benchmark for Java, side by side, in one run.

The benchmark (https://github.com/OWASP-Benchmark/BenchmarkJava, v1.2; GPL-2.0, never commit it)
is 2,740 servlet test cases (src/main/java/org/owasp/benchmark/testcode/BenchmarkTest*.java) with
published expected results (expectedresults-1.2.csv). Each test case becomes one Lambda function
(Runtime java21) of a generated SAM template. Its code package (CodeUri) is a Maven-style source
tree holding the test case, the benchmark's `helpers` package (hard links to the benchmark's files
by default) and an adapter handler, fnguard.bench.StreamLambdaHandler, that serves the servlet
through aws-serverless-java-container (SpringBootLambdaContainerHandler.proxyStream), as a Java
web application is deployed on Lambda. The handler imports com.amazonaws.serverless.proxy, so
the servlet's doGet/doPost (HttpServletRequest parameters) are the function's entry points and
the request is event data.

Scoring follows the OWASP scorecard: a test case is flagged by a tool when the tool reports a
finding of the test's category in the test's file (by rule id for fnguard; by the CWE in the
rule metadata for semgrep, with the scorecard's own aliases: CWE-23/35 path traversal, 326/696
weak crypto, 338 weak random, 80 XSS). Findings in the helpers or the adapter do not count.
Per category and overall: TPR, FPR and Youden's J = TPR - FPR.

The peer is semgrep with the java/ rules of the semgrep-rules repository (LGPL-2.1 with the
Commons Clause; never commit it), run on the benchmark's testcode and helpers directories (the
semgrep.dev registry is not needed). Several of those rules carry OWASP Benchmark test cases as
their own test fixtures, so semgrep's numbers are those of rules tuned on this benchmark.

Usage: bench/owasp_java.py BENCHMARK_DIR [--fnguard PATH | --no-fnguard]
                            [--semgrep PATH --semgrep-rules DIR [--semgrep-json FILE]]
                            [--semgrep-results FILE] [--only CAT,...] [--show-misses CAT]
                            [--keep DIR] [--helpers link|copy|symlink]
e.g.   bench/owasp_java.py ../BenchmarkJava --semgrep ~/venv-semgrep/bin/semgrep \
           --semgrep-rules ../semgrep-rules/java --semgrep-json /tmp/semgrep-java.json
"""
import argparse, csv, json, os, re, shutil, subprocess, sys, tempfile, time
from collections import defaultdict

from owasp_common import case_of, rates, read_expected, run_fnguard, score

HERE = os.path.dirname(os.path.abspath(__file__))
JAVA = os.path.join("src", "main", "java")
TESTCODE = os.path.join(JAVA, "org", "owasp", "benchmark", "testcode")
HELPERS = os.path.join(JAVA, "org", "owasp", "benchmark", "helpers")

# The fnguard rule that answers each benchmark category. fnguard has no weak-cipher rule, so
# the crypto category (CWE-327) is scored for semgrep only.
RULE_CATEGORY = {
    "FG501": "cmdi",
    "FG504": "sqli",
    "FG506": "pathtraver",
    "FG518": "xss",
    "FG520": "ldapi",
    "FG521": "xpathi",
    "FG524": "trustbound",
    "FG525": "weakrand",
    "FG526": "securecookie",
    "FG515": "hash",
    "FG529": "hash",
}

# The categories whose thresholds the taint engine is held to for Java.
GATED = ["cmdi", "sqli", "pathtraver", "ldapi", "xpathi", "trustbound"]

# CWEs a tool may report for a benchmark category, as the OWASP scorecard counts them
# (BenchmarkUtils' SemgrepReader and categories.xml).
CWE_ALIASES = {23: 22, 35: 22, 326: 327, 696: 327, 338: 330, 80: 79}

# How a servlet application is deployed as a Lambda function (aws-serverless-java-container).
ADAPTER = """package fnguard.bench;

import com.amazonaws.serverless.proxy.model.AwsProxyRequest;
import com.amazonaws.serverless.proxy.model.AwsProxyResponse;
import com.amazonaws.serverless.proxy.spring.SpringBootLambdaContainerHandler;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import org.owasp.benchmark.testcode.{name};
import java.io.*;

public class StreamLambdaHandler implements RequestStreamHandler {{
    private static final SpringBootLambdaContainerHandler<AwsProxyRequest, AwsProxyResponse> handler =
        SpringBootLambdaContainerHandler.getAwsProxyHandler({name}.class);
    @Override
    public void handleRequest(InputStream in, OutputStream out, Context context) throws IOException {{
        handler.proxyStream(in, out, context);
    }}
}}
"""
HANDLER = "fnguard.bench.StreamLambdaHandler::handleRequest"

# How the benchmark's generator makes a test case safe: every safe case of the gated
# categories drops the request value in exactly these ways (its sinks are the same calls as in
# the vulnerable cases). Used to label --show-misses.
DROPPERS = [
    ("hashmap-other-key", r'get\("keyA-\d+"\)'),
    ("list-get-1-after-remove-0", r"valuesList\.get\(1\)"),
    ("if-constant-true", r'if \(\(7 \* 42\) - num > 200\) bar = "This_should_always_happen"'),
    ("ternary-constant-true", r'\(7 \* 18\) \+ num > 200 \? "This_should_always_happen"'),
    ("switch-charAt-B", r"guess\.charAt\(1\)"),
    ("static-overwrite", r"barbarians_at_the_gate"),
    ("SeparateClassRequest.getTheValue", r"scr\.getTheValue\("),
]
SOURCES = [
    ("getParameter", r"request\.getParameter\("),
    ("getParameterValues", r"getParameterValues\("),
    ("getParameterMap", r"getParameterMap\(\)"),
    ("getParameterNames", r"getParameterNames\(\)"),
    ("getHeader", r"request\.getHeader\("),
    ("getHeaders", r"request\.getHeaders\("),
    ("getHeaderNames", r"getHeaderNames\(\)"),
    ("getCookies", r"getCookies\(\)"),
    ("getQueryString", r"getQueryString\(\)"),
    ("SeparateClassRequest.getTheParameter", r"getTheParameter\("),
]
FLOWS = [
    ("inner-class", r"new Test\(\)\.doSomething"),
    ("static-doSomething", r"= doSomething\(request, param\)"),
    ("ThingFactory", r"ThingFactory\.createThing"),
    ("HashMap", r"java\.util\.HashMap"),
    ("ArrayList", r"valuesList"),
    ("switch", r"switch \(switchTarget\)"),
    ("ternary/if", r"> 200"),
    ("Base64", r"Base64"),
    ("StringBuilder", r"StringBuilder"),
    ("URLDecoder", r"URLDecoder\.decode"),
]


def place_helpers(src, dst, mode):
    """The helpers package inside one code package: hard links (regular files to a scanner,
    no extra disk), copies, or one symlink to the benchmark's directory."""
    if mode == "symlink":
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.symlink(os.path.abspath(src), dst)
        return
    for dirpath, _, files in os.walk(src):
        out = os.path.join(dst, os.path.relpath(dirpath, src))
        os.makedirs(out, exist_ok=True)
        for fn in files:
            if not fn.endswith(".java"):
                continue
            s, d = os.path.join(dirpath, fn), os.path.join(out, fn)
            if mode == "link":
                try:
                    os.link(s, d)
                    continue
                except OSError:
                    pass  # another file system: copy
            shutil.copy(s, d)


def build_project(bench, cases, out, helpers_mode):
    """One function per test case, each package = the test case + helpers + the adapter."""
    lines = ["AWSTemplateFormatVersion: '2010-09-09'",
             "Transform: AWS::Serverless-2016-10-31",
             "Description: OWASP Benchmark for Java, one function per test case (generated)",
             "Resources:"]
    helpers = os.path.join(bench, HELPERS)
    for name in sorted(cases):
        pkg = os.path.join(out, "cases", name)
        os.makedirs(os.path.join(pkg, TESTCODE))
        shutil.copy(os.path.join(bench, TESTCODE, f"{name}.java"),
                    os.path.join(pkg, TESTCODE, f"{name}.java"))
        place_helpers(helpers, os.path.join(pkg, HELPERS), helpers_mode)
        adapter_dir = os.path.join(pkg, JAVA, "fnguard", "bench")
        os.makedirs(adapter_dir)
        with open(os.path.join(adapter_dir, "StreamLambdaHandler.java"), "w") as f:
            f.write(ADAPTER.format(name=name))
        lines += [f"  F{name[-5:]}:",
                  "    Type: AWS::Serverless::Function",
                  "    Properties:",
                  f"      CodeUri: cases/{name}/",
                  f"      Handler: {HANDLER}",
                  "      Runtime: java21",
                  "      MemorySize: 1024",
                  "      Timeout: 30"]
    with open(os.path.join(out, "template.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(sorted(cases)) + "\n")


def semgrep_flagged(results, cwe_category):
    flagged = defaultdict(set)
    for r in results:
        cwes = (r.get("extra", {}).get("metadata") or {}).get("cwe") or []
        if isinstance(cwes, str):
            cwes = [cwes]
        name = case_of(r.get("path"), ".java")
        if not name:
            continue
        for c in cwes:
            m = re.match(r"\s*CWE-(\d+)", str(c))
            category = m and cwe_category.get(int(m.group(1)))
            if category:
                flagged[name].add(category)
    return flagged


def run_semgrep(binary, rules, bench, cases, cwe_category, save, jobs):
    targets = [os.path.join(bench, HELPERS)]
    every = len(cases) == sum(1 for n in os.listdir(os.path.join(bench, TESTCODE))
                              if case_of(n, ".java"))
    if every:
        targets.append(os.path.join(bench, TESTCODE))
    else:
        targets += [os.path.join(bench, TESTCODE, f"{n}.java") for n in sorted(cases)]
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    start = time.perf_counter()
    out = subprocess.run([binary, "scan", "--config", rules, "--json", "--metrics=off",
                          "--disable-version-check", "--timeout", "30", "-j", str(jobs), *targets],
                         capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    try:
        report = json.loads(out.stdout)
        results = report["results"]
    except (ValueError, KeyError):
        sys.exit(f"semgrep failed (exit {out.returncode}): {out.stderr[-2000:]}")
    if save:
        with open(save, "w") as f:
            f.write(out.stdout)
    return semgrep_flagged(results, cwe_category), elapsed, len(report.get("errors") or [])


def cells(c, ran):
    if not ran:
        return f"{'-':>11} {'-':>5} {'-':>6}"
    t, f, j = rates(c)
    return f"{t:>11.2f} {f:>5.2f} {j:>6.2f}"


def idioms(bench, name):
    with open(os.path.join(bench, TESTCODE, f"{name}.java")) as f:
        text = f.read()
    tags = [t for t, p in SOURCES if re.search(p, text)]
    tags += [t for t, p in FLOWS if re.search(p, text)]
    drops = [t for t, p in DROPPERS if re.search(p, text)]
    return ",".join(tags) + (f"  drops: {','.join(drops)}" if drops else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench", help="a checkout of OWASP-Benchmark/BenchmarkJava")
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--no-fnguard", action="store_true", help="score semgrep only")
    ap.add_argument("--semgrep", metavar="PATH", help="the semgrep binary (peer column)")
    ap.add_argument("--semgrep-rules", metavar="DIR",
                    help="rules for --semgrep, e.g. semgrep-rules/java")
    ap.add_argument("--semgrep-json", metavar="FILE", help="save semgrep's raw JSON output here")
    ap.add_argument("--semgrep-results", metavar="FILE",
                    help="score a saved semgrep JSON output instead of running semgrep")
    ap.add_argument("--jobs", type=int, default=1, help="semgrep -j (default 1)")
    ap.add_argument("--only", metavar="CAT,...", help="only the test cases of these categories")
    ap.add_argument("--show-misses", metavar="CAT", help="list the FN and FP test cases of CAT")
    ap.add_argument("--keep", metavar="DIR", help="build the wrapped project in DIR and keep it")
    ap.add_argument("--helpers", choices=["link", "copy", "symlink"], default="link",
                    help="how each code package gets the helpers package (default: hard links)")
    args = ap.parse_args()

    cases, cwe_category = read_expected(os.path.join(args.bench, "expectedresults-1.2.csv"))
    # The scorecard's own CWE aliases for the peer (CWE-23/35 path traversal, 326/696 crypto, ...).
    for alias, cwe in CWE_ALIASES.items():
        if cwe in cwe_category:
            cwe_category.setdefault(alias, cwe_category[cwe])
    if args.only:
        wanted = {c.strip() for c in args.only.split(",") if c.strip()}
        unknown = wanted - {c for c, _ in cases.values()}
        if unknown:
            sys.exit(f"unknown categories: {', '.join(sorted(unknown))}")
        cases = {n: v for n, v in cases.items() if v[0] in wanted}

    run_fg = not args.no_fnguard
    if run_fg and not (os.path.isfile(args.fnguard) and os.access(args.fnguard, os.X_OK)):
        sys.exit(f"fnguard not found at {args.fnguard}: build it (cargo build --release), pass "
                 "--fnguard PATH, or --no-fnguard to score the peer only")
    if args.semgrep and not args.semgrep_rules:
        sys.exit("--semgrep needs --semgrep-rules DIR (e.g. semgrep-rules/java)")
    if args.semgrep and not shutil.which(args.semgrep):
        sys.exit(f"semgrep not found at {args.semgrep}")
    run_sg = bool(args.semgrep or args.semgrep_results)

    fg, fg_s, problems, elsewhere, functions = {}, 0.0, [], 0, None
    project = args.keep or tempfile.mkdtemp(prefix="fnguard-owasp-java-")
    try:
        listing = os.path.join(project, "cases.txt")
        kept = (args.keep and os.path.exists(listing)
                and open(listing).read().split() == sorted(cases))
        if not kept:  # build (a kept build is reused when it holds the same test cases)
            if args.keep and os.path.exists(os.path.join(project, "cases")):
                shutil.rmtree(os.path.join(project, "cases"))
            os.makedirs(project, exist_ok=True)
            build_project(args.bench, cases, project, args.helpers)
        if run_fg:
            fg, fg_s, report, elsewhere = run_fnguard(args.fnguard, project, RULE_CATEGORY, ".java")
            problems = report.get("errors") or report.get("input_problems") or []
            functions = sum(len(p.get("functions") or []) for p in report.get("projects") or [])
    finally:
        if not args.keep:
            shutil.rmtree(project, ignore_errors=True)

    sg, sg_s, sg_errors = {}, 0.0, 0
    if args.semgrep_results:
        with open(args.semgrep_results) as f:
            saved = json.load(f)
        sg, sg_errors = semgrep_flagged(saved["results"], cwe_category), len(saved.get("errors") or [])
        sg = {n: c for n, c in sg.items() if n in cases}
    elif args.semgrep:
        sg, sg_s, sg_errors = run_semgrep(args.semgrep, args.semgrep_rules, args.bench, cases,
                                          cwe_category, args.semgrep_json, args.jobs)
    fg_per, sg_per = score(cases, fg), score(cases, sg)

    timing = []
    if run_fg:
        timing.append(f"fnguard {fg_s:.1f} s")
    if args.semgrep:
        timing.append(f"semgrep {sg_s:.1f} s")
    ratio = f" (ratio {sg_s / fg_s:.1f}x)" if run_fg and args.semgrep and fg_s else ""
    print(f"OWASP Benchmark for Java: {len(cases)} test cases"
          + (f"; {', '.join(timing)}{ratio}" if timing else "")
          + (f"; project kept in {project}" if args.keep else ""))
    if not run_fg:
        print("fnguard: not run (--no-fnguard)")
    if problems:
        print(f"fnguard input problems: {len(problems)}")
    if functions is not None and functions != len(cases):
        print(f"fnguard found {functions} functions for {len(cases)} test cases")
    if elsewhere:
        print(f"fnguard: {elsewhere} findings of benchmark rules outside a test file (not counted)")
    if args.semgrep_results:
        print(f"semgrep: scored from {args.semgrep_results}")
    if sg_errors:
        print(f"semgrep errors: {sg_errors}")
    print(f"{'category':<16} {'cases':>5}  {'fnguard TPR':>11} {'FPR':>5} {'J':>6}   "
          f"{'semgrep TPR':>11} {'FPR':>5} {'J':>6}")
    tot_fg, tot_sg = [0, 0, 0, 0], [0, 0, 0, 0]
    gate_fg, gate_sg = [0, 0, 0, 0], [0, 0, 0, 0]
    for category in sorted(fg_per):
        f, s = fg_per[category], sg_per[category]
        for i in range(4):
            tot_fg[i] += f[i]
            tot_sg[i] += s[i]
            if category in GATED:
                gate_fg[i] += f[i]
                gate_sg[i] += s[i]
        gate = "*" if category in GATED else " "
        print(f"{category:<15}{gate} {sum(f):>5}  {cells(f, run_fg)}   {cells(s, run_sg)}")
    if sum(gate_fg):
        print(f"{'gated':<16} {sum(gate_fg):>5}  {cells(gate_fg, run_fg)}   {cells(gate_sg, run_sg)}")
    print(f"{'overall':<16} {sum(tot_fg):>5}  {cells(tot_fg, run_fg)}   {cells(tot_sg, run_sg)}")
    print("(* the categories the Java taint engine is held to; fnguard has no weak-cipher rule: "
          "its crypto row is 0)")
    if args.show_misses:
        tools = ([("fnguard", fg)] if run_fg else []) + ([("semgrep", sg)] if run_sg else [])
        for name, (category, real) in sorted(cases.items()):
            if category != args.show_misses:
                continue
            wrong = []
            for tool, flagged in tools:
                hit = category in flagged.get(name, ())
                if real and not hit:
                    wrong.append(f"FN {tool}")
                elif hit and not real:
                    wrong.append(f"FP {tool}")
            if wrong:
                print(f"{name}  {' / '.join(wrong):<25} {idioms(args.bench, name)}")


if __name__ == "__main__":
    main()
