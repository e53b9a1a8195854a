"""What the OWASP Benchmark scripts (owasp_python.py, owasp_java.py) share: reading the expected
results, running fnguard on the generated project, and the scorecard's rates (TPR, FPR and
Youden's J per category)."""
import csv, json, os, shutil, subprocess, sys, tempfile, time
from collections import defaultdict


def read_expected(path):
    """{test name: (category, real vulnerability)} and {CWE: category} from expectedresults-*.csv."""
    cases = {}
    cwe_category = {}
    with open(path) as f:
        for row in csv.reader(f):
            if not row or row[0].startswith("#"):
                continue
            name, category, real, cwe = (c.strip() for c in row[:4])
            cases[name] = (category, real == "true")
            cwe_category[int(cwe)] = category
    return cases, cwe_category


def case_of(path, ext):
    """The test case a file is (`BenchmarkTest00001` of `.../BenchmarkTest00001.py`), or None."""
    base = os.path.basename(path or "")
    return base[: -len(ext)] if base.startswith("BenchmarkTest") and base.endswith(ext) else None


def run_fnguard(binary, project, rule_category, ext):
    """Scans the project with the FG5 rules; a test is flagged in a category when a finding of
    that category is in the test's own file. Also returns the report and how many mapped
    findings landed elsewhere (helpers, adapters)."""
    empty_db = tempfile.mkdtemp(prefix="fnguard-empty-db-")
    start = time.perf_counter()
    out = subprocess.run([binary, "scan", project, "--select", "FG5", "--format", "json",
                          "--fail-on", "none", "--no-progress", "--db", empty_db],
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    shutil.rmtree(empty_db, ignore_errors=True)
    if not out.stdout:
        sys.exit(f"fnguard failed (exit {out.returncode}): {out.stderr[-2000:]}")
    report = json.loads(out.stdout)
    flagged = defaultdict(set)
    elsewhere = 0
    for f in report["findings"]:
        category = rule_category.get(f["rule"])
        name = case_of(f.get("location", {}).get("file"), ext)
        if category and name:
            flagged[name].add(category)
        elif category:
            elsewhere += 1
    return flagged, elapsed, report, elsewhere


def score(cases, flagged):
    per = defaultdict(lambda: [0, 0, 0, 0])  # tp, fn, fp, tn
    for name, (category, real) in cases.items():
        hit = category in flagged.get(name, ())
        idx = (0 if hit else 1) if real else (2 if hit else 3)
        per[category][idx] += 1
    return per


def rates(c):
    tp, fn, fp, tn = c
    tpr = tp / (tp + fn) if tp + fn else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return tpr, fpr, tpr - fpr
