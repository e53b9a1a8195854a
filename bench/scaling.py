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


# Every command and report format: each has its own loops over functions, findings and graph
# edges, and a quadratic one hides in whichever the benchmark does not run (the human report,
# `map` and `iam` each took minutes on 95,000 functions while `scan --format json` took seconds).
def terraform(n):
    """n functions, each with its own role, queue and event source mapping (the graph)."""
    out = []
    for j in range(n):
        out.append(f"""resource "aws_iam_role" "r{j}" {{
  name               = "r{j}"
  assume_role_policy = jsonencode({{ Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole" }}] }})
}}
resource "aws_sqs_queue" "q{j}" {{
  name = "q{j}"
}}
resource "aws_lambda_function" "f{j}" {{
  function_name = "f{j}"
  role          = aws_iam_role.r{j}.arn
  handler       = "index.handler"
  runtime       = "nodejs20.x"
  filename      = "fn.zip"
}}
resource "aws_lambda_event_source_mapping" "m{j}" {{
  event_source_arn = aws_sqs_queue.q{j}.arn
  function_name    = aws_lambda_function.f{j}.arn
}}
""")
    return "\n".join(out)


def sam_destinations(n):
    """n functions on one handler, each with its dead-letter queue and the table its code reads
    through an environment variable (destinations and code edges of the graph)."""
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31", "Resources:"]
    for j in range(n):
        out += [f"  D{j}:", "    Type: AWS::SQS::Queue",
                f"  T{j}:", "    Type: AWS::DynamoDB::Table",
                f"  F{j}:", "    Type: AWS::Serverless::Function", "    Properties:", "      CodeUri: src/",
                "      Handler: app.handler", "      Runtime: python3.12", "      DeadLetterQueue:",
                "        Type: SQS", f"        TargetArn: !GetAtt D{j}.Arn", "      Environment:",
                "        Variables:", f"          TABLE: !Ref T{j}"]
    return "\n".join(out) + "\n"


def sls_shared_role(n):
    """n functions on the provider's one role, which allows dynamodb:* on *, each with its own
    queue event and customer table (every function reaches every table through the role)."""
    out = ["service: shared", "provider:", "  name: aws", "  runtime: python3.12", "  iam:", "    role:",
           "      statements:", "        - Effect: Allow", "          Action: dynamodb:*", "          Resource: '*'",
           "functions:"]
    for j in range(n):
        out += [f"  f{j}:", "    handler: app.handler", "    events:", f"      - http: GET /f{j}",
                f"      - sqs:", f"          arn: !GetAtt Q{j}.Arn"]
    out += ["resources:", "  Resources:"]
    for j in range(n):
        out += [f"    Q{j}:", "      Type: AWS::SQS::Queue", f"    T{j}:", "      Type: AWS::DynamoDB::Table",
                "      Properties:", f"        TableName: customers{j}"]
    return "\n".join(out) + "\n"


SAM_HANDLER = """import os, boto3
ddb = boto3.client('dynamodb')
def handler(event, context):
    return ddb.get_item(TableName=os.environ['TABLE'], Key={'id': {'S': event['id']}})
"""


def handler_module(n):
    """One function whose handler module defines and calls n helpers (the taint analysis)."""
    code = ["import json, os, subprocess, boto3", "s3 = boto3.client('s3')"]
    for j in range(n):
        code += [f"def helper_{j}(event):", f"    v = event.get('k{j}')",
                 "    s3.put_object(Bucket='b', Key=str(v), Body=json.dumps(event))", "    return v"]
    code += ["def handler(event, context):", "    body = json.loads(event['body'])",
             "    subprocess.run(body['cmd'], shell=True)"] + [f"    helper_{j}(body)" for j in range(n)]
    return "\n".join(code) + "\n"


HANDLER_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
"""


COMMANDS = [["scan", "--fail-on", "none", "--no-progress", "--format", f]
            for f in ("human", "json", "sarif", "markdown", "junit", "github", "gitlab", "html")] + [
    ["map"], ["map", "--format", "json"], ["map", "--format", "dot"], ["map", "--format", "mermaid"],
    ["iam"], ["iam", "--format", "json"], ["wallet"], ["model"], ["deps"], ["sbom"],
]


def timed(binary, args, path, runs):
    """Median wall time and the largest peak RSS (MiB) of `runs` runs."""
    ts, peak = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.Popen([binary, args[0], path, *args[1:]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        ts.append(time.perf_counter() - t)
        peak = max(peak, usage.ru_maxrss / 1024)
    return statistics.median(ts), peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "fnguard"))
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="run only commands whose line contains this text")
    a = ap.parse_args()
    worst = 0.0
    for name, gen, file in (("CloudFormation", cfn, "template.yaml"), ("Serverless", sls, "serverless.yml")):
        with tempfile.TemporaryDirectory() as small, tempfile.TemporaryDirectory() as large:
            for d, n in ((small, a.n), (large, 10 * a.n)):
                with open(os.path.join(d, file), "w") as f:
                    f.write(gen(n))
            for args in COMMANDS:
                label = " ".join(args)
                if a.only and a.only not in label:
                    continue
                t1, _ = timed(a.fnguard, args, small, a.runs)
                t10, rss = timed(a.fnguard, args, large, a.runs)
                ratio = t10 / t1 if t1 > 0 else float("inf")
                worst = max(worst, ratio)
                print(f"{name:14} {label:34} {a.n} fns {t1:7.3f} s, {10 * a.n} fns {t10:7.3f} s; "
                      f"ratio {ratio:5.1f} (10 is linear); peak {rss:6.0f} MiB", flush=True)
    # Shapes whose cost is in the graph and the code analysis: each is scanned at n and 10n
    # functions (n a fifth or a tenth of --n) from the files its generator gives.
    shapes = (
        ("Terraform", "scan (a role and queue each)", "terraform", 5,
         lambda size: {"main.tf": terraform(size)}),
        ("SAM", "scan (destinations and code edges)", "destinations", 5,
         lambda size: {"template.yaml": sam_destinations(size), "src/app.py": SAM_HANDLER}),
        ("Serverless", "scan (one role reaches every table)", "shared-role", 10,
         lambda size: {"serverless.yml": sls_shared_role(size)}),
        ("Handler code", "scan (one module of helpers)", "handler", 10,
         lambda size: {"template.yaml": HANDLER_TEMPLATE, "src/app.py": handler_module(size)}),
    )
    for name, label, key, divisor, files in shapes:
        if a.only and key not in a.only:
            continue
        n = max(10, a.n // divisor)
        times = []
        for size in (n, 10 * n):
            with tempfile.TemporaryDirectory() as d:
                for rel, text in files(size).items():
                    os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                    with open(os.path.join(d, rel), "w") as f:
                        f.write(text)
                times.append(timed(a.fnguard, ["scan", "--fail-on", "none", "--no-progress"], d, a.runs))
        (t1, _), (t10, rss) = times
        ratio = t10 / t1 if t1 > 0 else float("inf")
        worst = max(worst, ratio)
        print(f"{name:14} {label:34} {n} fns {t1:7.3f} s, {10 * n} fns {t10:7.3f} s; "
              f"ratio {ratio:5.1f} (10 is linear); peak {rss:6.0f} MiB", flush=True)
    print(f"worst ratio {worst:.1f}")


if __name__ == "__main__":
    main()
