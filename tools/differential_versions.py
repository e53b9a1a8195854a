#!/usr/bin/env python3
"""Differential check of fnguard's version comparators against independent implementations:
Python's `packaging` (PEP 440) for PyPI and the npm `semver` package for npm/SemVer, over every
version string named in a directory of OSV records (YAML or JSON).

Usage: tools/differential_versions.py OSV_DIR --semver-js DIR_WITH_node_modules [--fnguard-compare BIN]

Prints counts and every disagreement, grouped by the reason the script can tell.
"""
import argparse, json, os, pathlib, random, subprocess, sys

import yaml
from packaging.version import InvalidVersion, Version


def records(root):
    for p in pathlib.Path(root).rglob("*"):
        if p.suffix == ".json":
            yield json.loads(p.read_text())
        elif p.suffix == ".yaml":
            yield yaml.safe_load(p.read_text())


def versions(rec):
    """(ecosystem, version) for every version string in the record's affected entries."""
    for a in rec.get("affected", []):
        eco = a.get("package", {}).get("ecosystem", "")
        for v in a.get("versions", []) or []:
            yield eco, str(v)
        for r in a.get("ranges", []) or []:
            if r.get("type") == "GIT":
                continue
            for e in r.get("events", []):
                for k in ("introduced", "fixed", "last_affected", "limit"):
                    if k in e and str(e[k]) not in ("0", "*"):
                        yield eco if r.get("type") == "ECOSYSTEM" else "SEMVER", str(e[k])


def fnguard_compare(binary, eco, pairs):
    text = "".join(f"{eco}\t{a}\t{b}\n" for a, b in pairs)
    out = subprocess.run([binary], input=text, capture_output=True, text=True, check=True)
    return [int(x) for x in out.stdout.split()]


def js_compare(semver_dir, pairs):
    script = (
        "const s=require('semver');const ps=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "console.log(JSON.stringify(ps.map(([a,b])=>{try{return s.compare(a,b,{loose:true})}catch(e){return null}})))"
    )
    out = subprocess.run(["node", "-e", script], input=json.dumps(pairs), capture_output=True, text=True, cwd=semver_dir, check=True)
    return json.loads(out.stdout)


def pairs_of(items, rng, extra=50_000):
    """Adjacent pairs in the reference order, plus random pairs."""
    out = list(zip(items, items[1:]))
    for _ in range(min(extra, len(items) ** 2)):
        out.append((rng.choice(items), rng.choice(items)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("osv_dir")
    ap.add_argument("--semver-js", required=True)
    ap.add_argument("--fnguard-compare", default="target/release/examples/compare_versions")
    args = ap.parse_args()
    rng = random.Random(11)
    pypi, npm = set(), set()
    for rec in records(args.osv_dir):
        for eco, v in versions(rec):
            if eco == "PyPI":
                pypi.add(v)
            elif eco in ("npm", "SEMVER", "crates.io"):
                npm.add(v)

    # PEP 440: packaging rejects legacy versions (it sorts nothing for them); fnguard orders them
    # below every valid version, as packaging < 22 did.
    valid, legacy = [], []
    for v in sorted(pypi):
        try:
            valid.append((Version(v), v))
        except InvalidVersion:
            legacy.append(v)
    valid.sort()
    order = [v for _, v in valid]
    pairs = pairs_of(order, rng)
    ours = fnguard_compare(args.fnguard_compare, "PyPI", pairs)
    bad = []
    for (a, b), o in zip(pairs, ours):
        va, vb = Version(a), Version(b)
        ref = (va > vb) - (va < vb)
        if ref != o:
            bad.append((a, b, ref, o))
    print(f"PyPI: {len(pypi)} distinct version strings, {len(legacy)} not PEP 440 (legacy: {legacy[:10]})")
    print(f"PyPI: {len(pairs)} comparisons against packaging {__import__('packaging').__version__}: {len(bad)} disagreements")
    for b in bad[:30]:
        print("   ", b)

    items = sorted(npm)
    pairs = pairs_of(items, rng)
    ours = fnguard_compare(args.fnguard_compare, "npm", pairs)
    ref = js_compare(args.semver_js, pairs)
    invalid = sorted({a for (a, b), r in zip(pairs, ref) if r is None for a in (a, b)})
    bad = [(a, b, r, o) for (a, b), r, o in zip(pairs, ref, ours) if r is not None and r != o]
    print(f"npm/SemVer: {len(npm)} distinct version strings; {len(pairs)} comparisons against node-semver (loose)")
    print(f"npm/SemVer: {len(bad)} disagreements; pairs node-semver rejects involve: {invalid[:20]}")
    for b in bad[:30]:
        print("   ", b)


if __name__ == "__main__":
    sys.exit(main())
