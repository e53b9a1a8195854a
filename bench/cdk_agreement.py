#!/usr/bin/env python3
"""How well fnguard's reading of a CDK app's SOURCE agrees with its `cdk synth` output.

For each app the script runs `fnguard map` and `fnguard iam` twice: on a copy of the app without
`cdk.out` (fnguard reads the TypeScript/Python source) and on a copy with the synthesized
`cdk.out/*.template.json` (fnguard reads the templates). It then compares, per app:

- functions: a synthesized function (logical id `FooBar1A2B3C4D`, construct path
  `Stack/Foo/Bar/Resource` from the template's `aws:cdk:path` metadata) matches a static one
  (`Bar` or `FooBar`: the construct id, without CDK's 8-hex hash) by logical-id stem, by joined
  construct path, by last path segment, then by suffix of the stem;
- per matched function: runtime, handler, triggers (kind of source, source, detail), function URL
  auth type, and the set of IAM actions granted by its role (`fnguard iam` granted_actions).

Functions that CDK itself adds (S3 bucket-notification handler, auto-delete-objects and other
custom-resource providers, log retention, AwsCustomResource, BucketDeployment) are counted in
their own column (`cdk+`) and left out of the scores, as no source construct declares them.

Preparing the inputs (nothing here downloads anything; fetched example code is never committed:
it stays in the scratch directory, outside the repository):

  1. A shared synth toolchain outside the repo, e.g. /tmp/cdksynth:
       npm init -y && npm install aws-cdk aws-cdk-lib constructs tsx ts-node typescript esbuild \
           source-map-support @types/node [cdk-nag ...per-app extras]
       python3 -m venv venv && venv/bin/pip install aws-cdk-lib constructs [cdk-nag]
  2. Per app, two copies under /tmp/cdksynth/work/<lang>-<app>/ (the work dir lies below the
     toolchain so Node finds its node_modules): `src/` (no cdk.out, no node_modules) and
     `synth/`, then in `synth/`:
       PATH=/tmp/cdksynth/node_modules/.bin:$PATH CDK_DEFAULT_ACCOUNT=123456789012 \
       CDK_DEFAULT_REGION=us-east-1 cdk synth -q -a "<cdk.json app>" -o cdk.out
     with the cdk.json `app` command rewritten to the shared tools (`npx tsc && npx tsx X.ts`
     -> `tsx X.ts`; `python3 app.py` -> `/tmp/cdksynth/venv/bin/python app.py`), under a
     3-minute timeout. NodejsFunction bundles with the local esbuild; apps that need Docker
     bundling (PythonFunction, DockerImageFunction built locally) are skipped.

Usage:
  bench/cdk_agreement.py [--fnguard BIN] [--details] [--json OUT] APP_DIR...
  (each APP_DIR holds `src/` and `synth/`; `--root DIR` takes every such DIR/*)
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

HASH = re.compile(r"[0-9A-F]{8}$")
# Construct path segments of functions CDK adds by itself.
CDK_INTERNAL = (
    "BucketNotificationsHandler",
    "Custom::",
    "LogRetention",
    "AWS679f53fac002430cb0da5b7982bd2287",
    "CustomCDKBucketDeployment",
    "CustomResourceProvider",
    "framework-onEvent",
    "framework-isComplete",
    "framework-onTimeout",
    "waiter-state-machine",
)


def norm(s):
    return re.sub(r"[^a-z0-9]", "", (s or "").lower())


def run_json(binary, args, cwd=None):
    p = subprocess.run([binary] + args, capture_output=True, text=True, cwd=cwd)
    try:
        return json.loads(p.stdout), p.stderr
    except ValueError:
        return None, p.stderr + p.stdout[:500]


def template_paths(synth_dir):
    """logical id -> construct path, per template file (relative as fnguard names it)."""
    out = {}
    for t in glob.glob(os.path.join(synth_dir, "cdk.out", "*.template.json")):
        rel = os.path.relpath(t, synth_dir)
        try:
            doc = json.load(open(t))
        except ValueError:
            continue
        m = {}
        for lid, r in (doc.get("Resources") or {}).items():
            path = ((r or {}).get("Metadata") or {}).get("aws:cdk:path")
            m[lid] = path or ""
        out[rel] = m
    return out


def synth_aliases(lid, path):
    """Names a static id may carry for a synthesized logical id."""
    stem = HASH.sub("", lid)
    segs = [s for s in path.split("/")[1:] if s]
    while segs and segs[-1] in ("Resource", "Default"):
        segs.pop()
    al = [norm(stem)]
    if segs:
        al.append(norm("".join(segs)))
        al.append(norm(segs[-1]))
    return [a for a in al if a]


def node_kind(node_id):
    return node_id.split(":", 1)[0] if ":" in node_id else "?"


def node_name(node_id):
    return node_id.split(":", 1)[1] if ":" in node_id else node_id


class View:
    """One fnguard reading (map + iam) of one copy of an app."""

    def __init__(self, binary, root, synthesized):
        self.root = root
        self.synth = synthesized
        self.map, self.map_err = run_json(binary, ["map", "--format", "json", root])
        self.iam, _ = run_json(binary, ["iam", "--format", "json", root])
        self.paths = template_paths(root) if synthesized else {}
        self.functions = []  # dicts
        if not self.map:
            return
        urls = {}
        for r in self.map.get("resources", []):
            if r["id"].startswith("url:"):
                urls[(r.get("project", ""), r["id"][4:])] = (r.get("type") or "").replace("AuthType ", "")
        grants = {}
        for f in (self.iam or {}).get("functions", []):
            grants[(f.get("project", ""), f["function"])] = set(f.get("granted_actions") or [])
        for f in self.map.get("functions", []):
            proj = f.get("project", "")
            path = self.paths.get(proj, {}).get(f["id"], "") if synthesized else ""
            self.functions.append(
                {
                    "id": f["id"],
                    "project": proj,
                    "path": path,
                    "aliases": synth_aliases(f["id"], path) if synthesized else [norm(f["id"])],
                    "internal": synthesized and any(c in path or c in f["id"] for c in CDK_INTERNAL),
                    "runtime": f.get("runtime") or "",
                    "handler": f.get("handler") or "",
                    "triggers": [
                        (node_kind(t["from"]), t["from"], t.get("detail") or "")
                        for t in f.get("triggers", [])
                        if not t["from"].startswith("url:")
                    ],
                    "url": urls.get((proj, f["id"])),
                    "actions": grants.get((proj, f["id"])),
                    "location": f.get("location") or {},
                }
            )

    def source_aliases(self, project, node_id):
        name = node_name(node_id)
        if not self.synth:
            return {norm(name)}
        path = self.paths.get(project, {}).get(name, "")
        # Without a construct path (APIs, buses), the logical id without CDK's hash.
        return set(synth_aliases(name, path)) | {norm(HASH.sub("", name))}


def match_functions(static, synth):
    """One-to-one pairs (static, synth), in tiers of decreasing strictness."""
    pairs = []
    free_s = list(static)
    free_y = [f for f in synth if not f["internal"]]

    def take(pred, strip_digits=False):
        for s in list(free_s):
            n = norm(s["id"])
            if strip_digits:
                # fnguard numbers a repeated construct id (`LambdaFunction2`) when the same id
                # is used in two stacks.
                n = re.sub(r"[0-9]+$", "", n)
            cands = [y for y in free_y if pred(n, y)]
            # One candidate, or several with the same construct id in different stacks.
            if cands and len({c["aliases"][0] for c in cands}) == 1:
                pairs.append((s, cands[0]))
                free_s.remove(s)
                free_y.remove(cands[0])

    tiers = [
        lambda n, y: n == y["aliases"][0],
        lambda n, y: n in y["aliases"],
        lambda n, y: any(a.endswith(n) for a in y["aliases"]),
        lambda n, y: n and any(n in a for a in y["aliases"]),
    ]
    for t in tiers:
        take(t)
    for t in tiers[:2]:
        take(t, strip_digits=True)
    return pairs, free_s, free_y


def same_bundled_handler(static, synth):
    """A bundled function (NodejsFunction) deploys `index.<export>`, esbuild's output file;
    from the source fnguard names the entry it bundles (`create.<export>`), which is where
    the code it reads is. The same export of the bundle's entry agrees."""
    return (
        synth.startswith("index.")
        and "." in static
        and static.rsplit(".", 1)[1] == synth.split(".", 1)[1]
    )


def match_triggers(s, y, sv, yv):
    """(matched, static-only, synth-only) trigger lists of one function pair."""
    left = list(y["triggers"]) if y else []
    matched, only_s = [], []
    for t in s["triggers"] if s else []:
        sa = sv.source_aliases(s["project"], t[1])
        hit = None
        for u in left:
            # An API's routes are listed in the order each reader met them.
            if u[0] != t[0] or sorted(u[2].split("; ")) != sorted(t[2].split("; ")):
                continue
            ya = yv.source_aliases(y["project"], u[1])
            if sa & ya or any(a.endswith(b) or b.endswith(a) for a in ya for b in sa if a and b):
                hit = u
                break
        if hit:
            left.remove(hit)
            matched.append(t)
        else:
            only_s.append(t)
    return matched, only_s, left


def compare_app(binary, app_dir):
    sv = View(binary, os.path.join(app_dir, "src"), False)
    yv = View(binary, os.path.join(app_dir, "synth"), True)
    pairs, only_s, only_y = match_functions(sv.functions, yv.functions)
    internal = [f for f in yv.functions if f["internal"]]
    row = {
        "app": os.path.basename(os.path.normpath(app_dir)),
        "static": len(sv.functions),
        "synth": len(yv.functions) - len(internal),
        "cdk_internal": len(internal),
        "matched": len(pairs),
        "fn_identical": 0,
        "trig_match": 0,
        "trig_union": 0,
        "url_same": 0,
        "url_total": 0,
        "act_same": 0,
        "act_total": 0,
        "diffs": [],
        "static_notes": [l for l in sv.map_err.splitlines() if l.strip()],
    }
    d = row["diffs"]
    for f in only_s:
        d.append(("fn-static-only", f["id"], f"{f['location'].get('file')}:{f['location'].get('line')}"))
        row["trig_union"] += len(f["triggers"])
    for f in only_y:
        d.append(("fn-synth-only", f["id"], f["path"]))
        row["trig_union"] += len(f["triggers"])
    for s, y in pairs:
        same = True
        name = f"{s['id']} ~ {y['id']}"
        for k in ("runtime", "handler"):
            if k == "handler" and same_bundled_handler(s[k], y[k]):
                continue
            if s[k] != y[k]:
                same = False
                d.append((k, name, f"static={s[k]!r} synth={y[k]!r}"))
        m, os_, oy = match_triggers(s, y, sv, yv)
        row["trig_match"] += len(m)
        row["trig_union"] += len(m) + len(os_) + len(oy)
        if os_ or oy:
            same = False
            d.append(("triggers", name, f"static-only={os_} synth-only={oy}"))
        if s["url"] or y["url"]:
            row["url_total"] += 1
            if s["url"] == y["url"]:
                row["url_same"] += 1
            else:
                same = False
                d.append(("url", name, f"static={s['url']} synth={y['url']}"))
        sa, ya = s["actions"] or set(), y["actions"] or set()
        row["act_total"] += 1
        if sa == ya:
            row["act_same"] += 1
        else:
            same = False
            d.append(("actions", name, f"static-only={sorted(sa - ya)} synth-only={sorted(ya - sa)}"))
        row["fn_identical"] += same
    return row


def pct(a, b):
    return f"{100.0 * a / b:5.1f}%" if b else "    -"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("apps", nargs="*")
    ap.add_argument("--root", help="take every DIR/* that has src/ and synth/")
    ap.add_argument("--fnguard", default=os.environ.get("FNGUARD", "fnguard"))
    ap.add_argument("--details", action="store_true", help="print every disagreement")
    ap.add_argument("--json", help="write the rows and disagreements to this file")
    a = ap.parse_args()
    apps = list(a.apps)
    if a.root:
        apps += sorted(
            d for d in glob.glob(os.path.join(a.root, "*")) if os.path.isdir(os.path.join(d, "src"))
        )
    apps = [x for x in apps if glob.glob(os.path.join(x, "synth", "cdk.out", "*.template.json"))]
    if not apps:
        sys.exit("no app dir with src/ and synth/cdk.out/*.template.json")
    rows = [compare_app(a.fnguard, x) for x in apps]
    hdr = f"{'app':42} {'fn st/sy/match':>14} {'cdk+':>4} {'fn same':>7} {'trig same':>9} {'urls':>5} {'actions':>7}"
    print(hdr)
    print("-" * len(hdr))
    tot = {k: 0 for k in rows[0] if isinstance(rows[0][k], int)}
    for r in rows:
        for k in tot:
            tot[k] += r[k]
        fn = f"{r['static']}/{r['synth']}/{r['matched']}"
        urls = f"{r['url_same']}/{r['url_total']}" if r["url_total"] else "-"
        print(
            f"{r['app'][:42]:42} {fn:>14} {r['cdk_internal']:>4} {r['fn_identical']:>3}/{r['synth']:<3}"
            f" {pct(r['trig_match'], r['trig_union']):>9} {urls:>5} {pct(r['act_same'], r['act_total']):>7}"
        )
    print("-" * len(hdr))
    fn = f"{tot['static']}/{tot['synth']}/{tot['matched']}"
    urls = f"{tot['url_same']}/{tot['url_total']}" if tot["url_total"] else "-"
    print(
        f"{'TOTAL (' + str(len(rows)) + ' apps)':42} {fn:>14} {tot['cdk_internal']:>4} {tot['fn_identical']:>3}/{tot['synth']:<3}"
        f" {pct(tot['trig_match'], tot['trig_union']):>9} {urls:>5} {pct(tot['act_same'], tot['act_total']):>7}"
    )
    union_fn = tot["static"] + tot["synth"] - tot["matched"]
    print()
    print(f"functions found by both (matched / union):      {pct(tot['matched'], union_fn)}")
    print(f"synthesized functions found from source:         {pct(tot['matched'], tot['synth'])}")
    print(f"functions identical in every compared field:     {pct(tot['fn_identical'], union_fn)} of union, "
          f"{pct(tot['fn_identical'], tot['matched'])} of matched")
    print(f"triggers identical (matched / union):            {pct(tot['trig_match'], tot['trig_union'])}")
    print(f"granted-action sets identical (matched fns):     {pct(tot['act_same'], tot['act_total'])}")
    if a.details:
        for r in rows:
            if r["diffs"]:
                print(f"\n## {r['app']}")
                for kind, name, what in r["diffs"]:
                    print(f"  [{kind}] {name}: {what}")
                for note in r["static_notes"]:
                    if "read from the CDK source" not in note:
                        print(f"  (static reader said) {note}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1, default=sorted)


if __name__ == "__main__":
    main()
