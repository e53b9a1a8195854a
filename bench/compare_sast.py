#!/usr/bin/env python3
"""Speed side by side: bandit (Python) and njsscan (Node.js) against fnguard's code analysis on
the same trees, in one run. Reports each tool's wall time and the ratio; timings are the best of
`--runs` runs for fnguard and one run for the peers (they take minutes).

fnguard analyses only handler code reachable from the functions it finds (plus the whole
descriptor scan, dependency lookup disabled with an empty database); bandit and njsscan scan
every .py / .js file under the tree. Finding counts are printed for context, not compared:
the tools look for different things.

Usage: bench/compare_sast.py TREE [TREE...] [--fnguard PATH] [--bandit PATH] [--njsscan PATH]
"""
import argparse, json, os, subprocess, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, cwd=None):
    # njsscan runs semgrep from PATH: put the tool's own directory (a venv's bin) first.
    env = dict(os.environ)
    tool_dir = os.path.dirname(os.path.abspath(cmd[0])) if os.sep in cmd[0] else None
    if tool_dir:
        env["PATH"] = tool_dir + os.pathsep + env.get("PATH", "")
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env)
    return time.perf_counter() - start, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trees", nargs="+")
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--bandit", default="bandit")
    ap.add_argument("--njsscan", default="njsscan")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    empty_db = tempfile.mkdtemp(prefix="fnguard-empty-db-")
    print(f"{'tree':<12} {'fnguard s':>10} {'bandit s':>9} {'njsscan s':>10} {'vs bandit':>10} {'vs njsscan':>11} {'vs both':>8}   findings (fnguard FG5xx / bandit / njsscan)")
    for tree in args.trees:
        name = os.path.basename(os.path.normpath(tree))
        fg_times = []
        fg_out = None
        for _ in range(args.runs):
            t, fg_out = timed([args.fnguard, "scan", tree, "--select", "FG5,FG901", "--format", "json",
                               "--fail-on", "none", "--no-progress", "--db", empty_db])
            fg_times.append(t)
        fg = min(fg_times)
        fg_n = len(json.loads(fg_out.stdout)["findings"]) if fg_out.stdout else -1
        tb, bo = timed([args.bandit, "-r", tree, "-f", "json", "-q"])
        try:
            b_n = len(json.loads(bo.stdout)["results"])
        except (ValueError, KeyError):
            b_n = -1
        tn, no = timed([args.njsscan, "--json", "-o", os.path.join(empty_db, "njs.json"), tree])
        try:
            nj = json.load(open(os.path.join(empty_db, "njs.json")))
            # Parse warnings on some files are normal; a missing semgrep is not.
            if any("not found" in str(e) for e in nj.get("errors", [])):
                raise SystemExit(f"njsscan failed: {nj['errors']}")
            n_n = sum(len(v.get("files", [])) for v in nj.get("nodejs", {}).values())
        except (OSError, ValueError):
            n_n = -1
        r = lambda x: x / fg if fg > 0 else float("inf")
        print(f"{name:<12} {fg:>10.2f} {tb:>9.2f} {tn:>10.2f} {r(tb):>9.1f}× {r(tn):>10.1f}× {r(tb + tn):>7.0f}×   {fg_n} / {b_n} / {n_n}")


if __name__ == "__main__":
    main()
