#!/usr/bin/env python3
"""Check that a scan's cost grows linearly with the input: time fnguard on generated
templates of N and 10*N functions (and serverless services of the same sizes) and print the
ratio. A ratio near 10 is linear; near 100 means something quadratic crept in.

Usage: bench/scaling.py [--fnguard PATH] [--n 10000]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time


def cfn(n):
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(n):
        out += [f"  Fn{i}:", "    Type: AWS::Lambda::Function", "    Properties:",
                "      Runtime: nodejs16.x", "      Handler: a.b", f"      Role: !GetAtt Role{i % 50}.Arn",
                "      Environment:", "        Variables:", f"          QUEUE: !Ref Queue{i % 100}"]
    for i in range(50):
        out += [f"  Role{i}:", "    Type: AWS::IAM::Role", "    Properties:",
                "      AssumeRolePolicyDocument: {Statement: []}"]
    for i in range(100):
        out += [f"  Queue{i}:", "    Type: AWS::SQS::Queue"]
    return "\n".join(out) + "\n"


def sls(n):
    out = ["service: big", "provider:", "  name: aws", "  runtime: nodejs16.x", "functions:"]
    for i in range(n):
        out += [f"  f{i}:", f"    handler: h.f{i}", "    events:", f"      - http: GET /f{i}"]
    return "\n".join(out) + "\n"


def timed(binary, path, runs=3):
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([binary, "scan", path, "--format", "json", "--fail-on", "none", "--no-progress"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "fnguard"))
    ap.add_argument("--n", type=int, default=5000)
    a = ap.parse_args()
    for name, gen, file in (("CloudFormation", cfn, "template.yaml"), ("Serverless", sls, "serverless.yml")):
        times = []
        for n in (a.n, 10 * a.n):
            with tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, file), "w") as f:
                    f.write(gen(n))
                times.append(timed(a.fnguard, d))
        print(f"{name}: {a.n} functions {times[0]:.3f} s, {10 * a.n} functions {times[1]:.3f} s; "
              f"ratio {times[1] / times[0]:.1f} (10 is linear)")


if __name__ == "__main__":
    main()
