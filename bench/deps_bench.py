#!/usr/bin/env python3
"""Benchmark the offline OSV database: import osv.dev-sized archives, then match 10,000 packages.

osv.dev's archives cannot be downloaded from the benchmark machines, so this builds synthetic
archives with the entry counts osv.dev published in 2026 (npm 218,531 entries; PyPI 24,491;
Maven 6,565; Go and crates.io estimated at 6,000 and 2,000). Each entry is a real record from
crates/fnguard-deps/tests/fixtures/osv (GHSA, PyPA, RustSec, MAL) with a fresh id and package
name, so sizes and shapes follow the real data (npm is mostly small MAL records, as on osv.dev).

Then a Serverless project whose lockfile holds 10,000 packages (80% of them with advisories)
is checked with `fnguard deps`; the same project is also run against an empty database so the
matching cost can be told apart from loading and parsing.

Usage: bench/deps_bench.py [--fnguard target/release/fnguard] [--scale 1.0]
"""
import argparse, gzip, json, os, random, shutil, subprocess, tempfile, time, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "crates", "fnguard-deps", "tests", "fixtures", "osv")
COUNTS = {"npm": 218_531, "PyPI": 24_491, "Maven": 6_565, "Go": 6_000, "crates.io": 2_000}
MAL_SHARE = {"npm": 0.9, "PyPI": 0.4}


def templates():
    by_eco = {}
    for root, _, files in os.walk(FIXTURES):
        for f in files:
            if f.endswith(".json"):
                rec = json.load(open(os.path.join(root, f)))
                eco = rec["affected"][0]["package"]["ecosystem"]
                by_eco.setdefault(eco, []).append(rec)
    with gzip.open(os.path.join(FIXTURES, "pypa-affected.jsonl.gz"), "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            rec.setdefault("details", "Synthetic details " + "x" * 400)
            by_eco.setdefault("PyPI", []).append(rec)
    return by_eco


def build(eco, n, tpl, out, rng):
    mal = [t for t in tpl.get("npm", []) if t["id"].startswith("MAL-")]
    pool = tpl.get(eco) or tpl["npm"]
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            use_mal = rng.random() < MAL_SHARE.get(eco, 0.0) and mal
            rec = json.loads(json.dumps(rng.choice(mal if use_mal else pool)))
            rec["id"] = f"{'MAL' if use_mal else 'SYN'}-{eco}-{i}"
            name = f"pkg-{eco.lower().replace('.', '')}-{i // 2}"
            if eco == "Maven":
                name = f"org.example:{name}"
            for a in rec.get("affected", []):
                a["package"] = {"ecosystem": eco, "name": name}
            names.append(name)
            z.writestr(f"{rec['id']}.json", json.dumps(rec))
    return names


def timed(cmd):
    start = time.perf_counter()
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {out.stderr}")
    peak_kb = int(out.stderr.strip().splitlines()[-1])
    return elapsed, peak_kb / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--keep", action="store_true", help="keep the archives, database and project")
    args = ap.parse_args()
    rng = random.Random(7)
    tpl = templates()
    work = tempfile.mkdtemp(prefix="fnguard-deps-bench-")
    try:
        db = os.path.join(work, "db")
        total_t, peak, all_names, total_bytes = 0.0, 0.0, {}, 0
        print(f"{'ecosystem':<10} {'entries':>8} {'zip MB':>7} {'import s':>9} {'peak MB':>8}")
        for eco, n in COUNTS.items():
            n = int(n * args.scale)
            archive = os.path.join(work, f"{eco}.zip")
            all_names[eco] = build(eco, n, tpl, archive, rng)
            size = os.path.getsize(archive)
            total_bytes += size
            t, mb = timed([args.fnguard, "db", "--db", db, "import", archive, "--ecosystem", eco])
            total_t += t
            peak = max(peak, mb)
            print(f"{eco:<10} {n:>8} {size / 2**20:>7.1f} {t:>9.2f} {mb:>8.1f}")
        print(f"{'total':<10} {sum(len(v) for v in all_names.values()):>8} {total_bytes / 2**20:>7.1f} {total_t:>9.2f} {peak:>8.1f}")

        proj = os.path.join(work, "project")
        os.makedirs(proj)
        with open(os.path.join(proj, "serverless.yml"), "w") as f:
            f.write("service: bench\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  api:\n    handler: index.handler\n")
        open(os.path.join(proj, "index.js"), "w").write("exports.handler = async () => ({});\n")
        names = sorted(set(all_names["npm"]))
        chosen = rng.sample(names, min(8000, len(names))) + [f"absent-{i}" for i in range(2000)]
        packages = {"": {"name": "bench"}}
        for i, name in enumerate(chosen):
            packages[f"node_modules/{name}"] = {"version": f"{i % 5}.{i % 7}.{i % 3}"}
        json.dump({"name": "bench", "lockfileVersion": 3, "packages": packages}, open(os.path.join(proj, "package-lock.json"), "w"), indent=2)
        empty = os.path.join(work, "empty-db")
        runs = []
        for _ in range(3):
            t_json, m_json = timed([args.fnguard, "deps", "--db", db, "--format", "json", "--fail-on", "none", "-o", os.path.join(work, "out.json"), proj])
            t_full, m_full = timed([args.fnguard, "deps", "--db", db, "--fail-on", "none", "-o", os.path.join(work, "out.txt"), proj])
            t_empty, _ = timed([args.fnguard, "deps", "--db", empty, "--fail-on", "none", "-o", os.path.join(work, "out0.txt"), proj])
            runs.append((t_full, t_empty, m_full, t_json, m_json))
        t_full, t_empty, m_full, t_json, m_json = min(runs)
        out = json.load(open(os.path.join(work, "out.json")))
        vulns = sum(len(f["vulnerabilities"]) for f in out["functions"])
        print(f"\nmatching {len(chosen)} packages ({vulns} advisories matched): fnguard deps {t_full:.2f} s with the database, "
              f"{t_empty:.2f} s without (matching itself {max(t_full - t_empty, 0):.2f} s), peak {m_full:.0f} MB; "
              f"with the JSON report {t_json:.2f} s, peak {m_json:.0f} MB")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
