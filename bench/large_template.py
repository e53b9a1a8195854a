#!/usr/bin/env python3
"""Peak memory and time of one scan of a large CloudFormation template, in two shapes:

- `realistic`: what a 19 MB template that CloudFormation accepts looks like (at most 500
  resources): functions with inline code, roles with hundreds of statements, state machines
  with long definitions, tables;
- `functions`: 19 MB of nothing but small functions (about 95,000: far beyond the 500-resource
  limit), the worst case for the per-function model.

Usage: bench/large_template.py [--fnguard PATH] [--mb 19] [--format human]
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import scaling


def realistic(target_bytes):
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    # Inline code is most of the size; its length is scaled to reach the target.
    helpers = max(10, int(560 * target_bytes / 19_155_800))
    for i in range(150):
        out += [f"  Fn{i}:", "    Type: AWS::Lambda::Function", "    Properties:",
                "      Runtime: python3.12", "      Handler: index.handler",
                f"      Role: !GetAtt Role{i % 50}.Arn", "      Code:", "        ZipFile: |",
                "          import json, os, boto3"]
        for j in range(helpers):
            out += [f"          def helper_{i}_{j}(event):",
                    f"              value = event.get('k{j}', {j}) * 3 + len(os.environ.get('X', ''))",
                    f"              return json.dumps({{'v': value, 'n': '{j}'}})"]
        out += ["          def handler(event, context):", f"              return helper_{i}_0(event)"]
    for i in range(50):
        out += [f"  Role{i}:", "    Type: AWS::IAM::Role", "    Properties:",
                "      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}",
                "      Policies:", "        - PolicyName: p", "          PolicyDocument:", "            Statement:"]
        for s in range(300):
            out += ["              - Effect: Allow", "                Action: [s3:GetObject, s3:PutObject, dynamodb:GetItem]",
                    f"                Resource: !Sub 'arn:aws:s3:::bucket-{i}-{s}/*'"]
    for i in range(100):
        states = {f"S{j}": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": f"fn-{j}", "Payload.$": "$"}, "Next": f"S{j + 1}"}
                  for j in range(120)}
        states["S120"] = {"Type": "Succeed"}
        out += [f"  Machine{i}:", "    Type: AWS::StepFunctions::StateMachine", "    Properties:",
                f"      RoleArn: !GetAtt Role{i % 50}.Arn",
                "      DefinitionString: " + json.dumps(json.dumps({"StartAt": "S0", "States": states}))]
    for i in range(150):
        out += [f"  Table{i}:", "    Type: AWS::DynamoDB::Table", "    Properties:",
                "      BillingMode: PAY_PER_REQUEST",
                "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]",
                "      KeySchema: [{AttributeName: id, KeyType: HASH}]"]
    return "\n".join(out) + "\n"


def functions(target_bytes):
    # The same shape as bench/scaling.py's template; about 202 bytes per function.
    return scaling.cfn(target_bytes // 202)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "fnguard"))
    ap.add_argument("--mb", type=float, default=19)
    ap.add_argument("--format", default="human")
    a = ap.parse_args()
    for name, gen in (("realistic", realistic), ("functions", functions)):
        with tempfile.TemporaryDirectory() as d:
            text = gen(int(a.mb * 1_000_000))
            with open(os.path.join(d, "template.yaml"), "w") as f:
                f.write(text)
            t = time.perf_counter()
            proc = subprocess.Popen([a.fnguard, "scan", d, "--format", a.format, "--fail-on", "none",
                                     "--no-progress", "-o", os.devnull],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - t
            resources = text.count("\n    Type: AWS::")
            print(f"{name:10} {len(text) / 1e6:5.1f} MB, {resources} resources: {elapsed:6.2f} s, "
                  f"peak {usage.ru_maxrss / 1024:6.0f} MiB (exit {os.waitstatus_to_exitcode(status)})")


if __name__ == "__main__":
    main()
