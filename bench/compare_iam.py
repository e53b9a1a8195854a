#!/usr/bin/env python3
"""Run parliament, Cloudsplaining and fnguard on the policy cases in bench/iam-cases and print
what each reports per case. fnguard sees each case as one SAM function whose role carries the
case's policies (split across `Policies` entries exactly as in the case file).

Usage: bench/compare_iam.py [--fnguard PATH] [--parliament PATH] [--cloudsplaining PATH]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def parliament(binary, doc):
    # --string: parliament refuses --file when standard input is not a terminal.
    out = subprocess.run([binary, "--string", json.dumps(doc), "--json"], capture_output=True, text=True)
    issues = []
    for line in out.stdout.splitlines():
        try:
            issues.append(json.loads(line)["issue"])
        except (ValueError, KeyError):
            pass
    return issues


def cloudsplaining(binary, docs):
    merged = {"Version": "2012-10-17", "Statement": [s for d in docs for s in d["Statement"]]}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "policy.json")
        with open(path, "w") as f:
            json.dump(merged, f)
        out = subprocess.run([binary, "scan-policy-file", "--input-file", path], capture_output=True, text=True)
    found = []
    text = out.stdout
    for key in ("Privilege Escalation", "Data Exfiltration", "Resource Exposure", "Credentials Exposure", "Infrastructure Modification"):
        block = text.split(key, 1)[1].split("\n\n", 1)[0] if key in text else ""
        if block.strip() and "None" not in block.splitlines()[0]:
            found.append(key)
    return found


def fnguard(binary, docs):
    with tempfile.TemporaryDirectory() as d:
        lines = ["Transform: AWS::Serverless-2016-10-31", "Resources:", "  Fn:", "    Type: AWS::Serverless::Function",
                 "    Properties:", "      Runtime: python3.12", "      Handler: app.handler", "      Policies:"]
        for doc in docs:
            lines.append("        - " + json.dumps(doc))
        with open(os.path.join(d, "template.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        out = subprocess.run([binary, "scan", d, "--format", "json", "--select", "FG3", "--fail-on", "none"],
                             capture_output=True, text=True)
        report = json.loads(out.stdout)
        return sorted({x["rule"] for x in report["findings"]})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--parliament", default=shutil.which("parliament") or "parliament")
    ap.add_argument("--cloudsplaining", default=shutil.which("cloudsplaining") or "cloudsplaining")
    a = ap.parse_args()
    print(f"{'case':<38} {'parliament':<34} {'cloudsplaining':<40} fnguard")
    for path in sorted(glob.glob(os.path.join(HERE, "iam-cases", "*.json"))):
        docs = json.load(open(path))
        p = sorted({i for d in docs for i in parliament(a.parliament, d)})
        c = cloudsplaining(a.cloudsplaining, docs)
        g = fnguard(a.fnguard, docs)
        name = os.path.basename(path)[:-5]
        print(f"{name:<38} {','.join(p) or '-':<34} {','.join(c) or '-':<40} {','.join(g) or '-'}")


if __name__ == "__main__":
    main()
