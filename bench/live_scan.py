#!/usr/bin/env python3
"""Time `fnguard aws scan` on an account with many functions, served by moto server.

Deploys N functions (default 500) with roles, URLs, permissions, queues with mappings, buckets
with notifications and HTTP APIs through tests/live/deploy.py (boto3), then runs
`fnguard aws scan --endpoint-url` three times and prints the times, the number of API calls
fnguard made and the findings. The same N-function template is also scanned statically, so the
live cost can be read as a ratio to the static scan in the same run.

Usage: bench/live_scan.py [--fnguard target/release/fnguard] [--functions 500]
       [--endpoint http://127.0.0.1:PORT]   (default: start moto_server on a free port)
"""
import argparse, json, os, socket, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.join(HERE, "..", "crates", "fnguard", "tests", "live", "deploy.py")


def spec(account, n):
    fns = []
    for i in range(n):
        f = {
            "name": f"fn{i:03}",
            "runtime": "python3.12" if i % 2 else "nodejs22.x",
            "handler": "app.handler" if i % 2 else "index.handler",
            "role": ["fg-admin", "fg-reader", "fg-worker"][i % 3],
            "memory": 128 + 64 * (i % 4),
            "timeout": 3 + (i % 5) * 10,
            "env": {"STAGE": "prod", "INDEX": str(i)},
        }
        if i % 20 == 1:
            f["url"] = "NONE"
        if i % 5 == 0:
            f["reserved"] = 5
        if i % 3 == 0:
            f["log_retention"] = 14
        fns.append(f)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    read = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    return {
        "account": account,
        "roles": [
            {"name": "fg-admin", "policies": {"all": doc}},
            {"name": "fg-reader", "policies": {"read": read}},
            {"name": "fg-worker", "policies": {"read": read}},
        ],
        "functions": fns,
        "queues": [{"name": f"q{i}", "function": f"fn{i * 7:03}"} for i in range(min(20, n // 7))],
        "buckets": [{"name": f"b{i}-{account}", "function": f"fn{i * 11 + 1:03}"} for i in range(min(10, n // 11))],
        "topics": [],
        "http_apis": [
            {"name": f"api{i}", "routes": [{"key": "GET /x", "function": f"fn{i * 13 + 2:03}"}], "stage": {"name": "$default"}}
            for i in range(min(10, n // 13))
        ],
    }


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fnguard", default=os.path.join(HERE, "..", "target", "release", "fnguard"))
    ap.add_argument("--functions", type=int, default=500)
    ap.add_argument("--endpoint")
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    server = None
    endpoint = args.endpoint
    if not endpoint:
        port = free_port()
        server = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/moto-api/")
                break
            except OSError:
                time.sleep(0.2)
    try:
        account = f"3{int(time.time() * 1000) % 10**11:011}"
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "spec.json")
            json.dump(spec(account, args.functions), open(path, "w"))
            t = time.time()
            out = subprocess.run([sys.executable, DEPLOY, endpoint, account, "us-east-1", "apply", path],
                                 check=True, capture_output=True, text=True).stdout
            print(f"deployed {args.functions} functions in {time.time() - t:.1f} s")
            env = dict(os.environ, **json.loads(out))
            env.pop("AWS_PROFILE", None)
            times = []
            for _ in range(3):
                calls = os.path.join(tmp, "calls.txt")
                t = time.time()
                r = subprocess.run([args.fnguard, "aws", "scan", "--region", "us-east-1", "--endpoint-url", endpoint,
                                    "--format", "json", "--no-progress", "--concurrency", str(args.concurrency),
                                    "--calls-log", calls], env=env, capture_output=True, text=True)
                times.append(time.time() - t)
            report = json.loads(r.stdout)
            n_calls = sum(1 for _ in open(calls))
            # The same account from a saved snapshot: the model and rules alone, no AWS calls.
            snap = os.path.join(tmp, "snapshot.json")
            subprocess.run([args.fnguard, "aws", "scan", "--region", "us-east-1", "--endpoint-url", endpoint,
                            "--format", "json", "--no-progress", "--save-snapshot", snap],
                           env=env, capture_output=True, check=False)
            offline = []
            for _ in range(3):
                t = time.time()
                subprocess.run([args.fnguard, "aws", "scan", "--snapshot", snap, "--format", "json"],
                               capture_output=True, check=False)
                offline.append(time.time() - t)
            print(f"aws scan: {', '.join(f'{x:.2f}' for x in times)} s; {n_calls} API calls; "
                  f"{len(report['projects'][0]['functions'])} functions; {len(report['findings'])} findings; "
                  f"{len(report['errors'])} errors")
            print(f"from the saved snapshot: {', '.join(f'{x:.2f}' for x in offline)} s "
                  f"(reading the account costs {min(times) / min(offline):.0f}x the analysis)")
    finally:
        if server:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
