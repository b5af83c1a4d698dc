#!/usr/bin/env python3
"""Durable single-item pushes: wrk PUTs small items with inline `data`, one unique documentId per
request, to `sluice serve` (started with --rate-limit 0 and a large --max-pending-operations, on a
fresh data directory for every run), and counts every status that is not 202.

Peers in the same run, with the same wrk command and Lua script (bench/nginx/push.lua):
  - nginx answering `return 202` with a small JSON body (the HTTP ceiling of this box),
  - the disk's limit on durable commits: a loop of 4 KiB os.write + os.fdatasync on a file on the
    repository's disk for 5 s (what one fsync per push would allow).
Concurrency 64 is the headline figure; 16 and 1 connections are measured as well.

Usage: python3 bench/pushes.py [--sluice PATH] [--runs N] [--quick] [--connections 64,16,1]
                               [--seconds 10]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

import run

LUA = os.path.join(run.BENCH_DIR, "nginx", "push.lua")
PUSH_PATH = "/push/v1/organizations/local/sources/local-default/documents"


def seconds_of(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return None
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[m.group(2)]
    return float(m.group(1)) * scale


def wrk(url, connections, seconds, key, tag):
    """One wrk run: {"rps", "p50_ms", "p99_ms", "statuses", "socket_errors", "requests"}."""
    threads = min(2, connections)
    env = dict(os.environ, PUSH_PATH=PUSH_PATH if key else "/push/documents", PUSH_KEY=key or "",
               PUSH_TAG=tag)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", LUA, url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    text = out.stdout
    result = {"rps": None, "p50_ms": None, "p99_ms": None, "statuses": {}, "socket_errors": 0,
              "requests": None, "command": " ".join(cmd)}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        result["rps"] = float(m.group(1))
    for pct, field in (("50", "p50_ms"), ("99", "p99_ms")):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M):
            s = seconds_of(m.group(1))
            result[field] = s * 1000 if s is not None else None
    if m := re.search(r"^statuses (\{.*\})$", text, re.M):
        result["statuses"] = {int(k): v for k, v in json.loads(m.group(1)).items()}
    socket_errors = r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"
    if m := re.search(socket_errors, text):
        result["socket_errors"] = sum(int(g) for g in m.groups())
    if m := re.search(r"(\d+) requests in", text):
        result["requests"] = int(m.group(1))
    if out.returncode != 0 or result["rps"] is None:
        result["failure"] = (text + out.stderr)[-2000:]
    return result


def errors_of(result, expected=202):
    bad = sum(n for status, n in result["statuses"].items() if status != expected)
    return bad + result["socket_errors"] + (1 if result.get("failure") else 0)


def fdatasync_loop(seconds):
    """4 KiB write + fdatasync per operation for `seconds`: operations per second."""
    work = run.scratch_dir("fdatasync-")
    try:
        fd = os.open(os.path.join(work, "wal"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        block = os.urandom(4096)
        n = 0
        start = time.monotonic()
        deadline = start + seconds
        try:
            while time.monotonic() < deadline:
                os.write(fd, block)
                os.fdatasync(fd)
                n += 1
        finally:
            os.close(fd)
        return n / (time.monotonic() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def readyz(server):
    try:
        status, _, body = server.request("GET", "/readyz", key=None)
        return body.decode("utf-8", "replace").strip()[:200]
    except OSError as e:
        return f"({e})"


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--connections", default=None,
                        help="comma-separated concurrencies (default 64,16,1; 64 with --quick)")
    parser.add_argument("--seconds", type=int, default=None,
                        help="wrk duration per run (default 10; 2 with --quick)")
    parser.add_argument("--fsync-seconds", type=float, default=None,
                        help="duration of one write+fdatasync run (default 5; 1 with --quick)")
    args = parser.parse_args()
    conns = [int(c) for c in (args.connections or ("64" if args.quick else "64,16,1")).split(",")]
    duration = args.seconds or (2 if args.quick else 10)
    fsync_seconds = args.fsync_seconds or (1 if args.quick else 5)
    runs = max(1, args.runs)
    for tool in ("wrk", "nginx"):
        if not run.have(tool):
            sys.exit(f"pushes: {tool} is missing; run scripts/install-bench-deps.sh")
    key = run.api_key()

    sluice = {c: [] for c in conns}
    nginx = {c: [] for c in conns}
    backlog = {c: [] for c in conns}
    with run.Nginx() as ngx:
        for i in range(runs):
            for c in conns:
                server = run.start_sluice(args.sluice, ["--rate-limit", "0",
                                                        "--max-pending-operations", "100000000"])
                try:
                    s = wrk(f"http://127.0.0.1:{server.port}", c, duration, key, f"r{i}c{c}")
                    backlog[c].append(readyz(server))
                finally:
                    run.stop_sluice(server)
                n = wrk(ngx.url("/"), c, duration, None, f"r{i}c{c}")
                sluice[c].append(s)
                nginx[c].append(n)
                print(f"  run {i + 1}/{runs} c={c}: Sluice {run.num(s['rps'])} req/s "
                      f"p50 {run.num(s['p50_ms'])} ms p99 {run.num(s['p99_ms'])} ms "
                      f"statuses {s['statuses']} socket errors {s['socket_errors']}; "
                      f"nginx {run.num(n['rps'])} req/s p99 {run.num(n['p99_ms'])} ms "
                      f"errors {errors_of(n)}", flush=True)
                for r in (s, n):
                    if r.get("failure"):
                        print("  wrk failed:\n" + r["failure"], file=sys.stderr)
    fsync = [fdatasync_loop(fsync_seconds) for _ in range(runs)]
    print(f"  4 KiB write + fdatasync: " + ", ".join(f"{v:,.0f}/s" for v in fsync), flush=True)

    def st(results, field):
        return run.stats([r[field] for r in results])

    print()
    print(f"### Durable single-item pushes, wrk -d{duration}s --latency, {runs} runs "
          "(median [min–max])")
    print()
    rows = []
    summary = {}
    for c in conns:
        for name, results in (("Sluice", sluice[c]), ("nginx return 202", nginx[c])):
            errs = [errors_of(r) for r in results]
            summary[(name, c)] = {"rps": st(results, "rps"), "p50_ms": st(results, "p50_ms"),
                                  "p99_ms": st(results, "p99_ms"), "errors": errs}
            flag = " **ERRORS**" if any(errs) else ""
            rows.append([f"{name}{flag}", c, run.fmt(summary[(name, c)]["rps"]),
                         run.fmt(summary[(name, c)]["p50_ms"]),
                         run.fmt(summary[(name, c)]["p99_ms"]),
                         ", ".join(str(e) for e in errs)])
    fs = run.stats(fsync)
    rows.append([f"4 KiB write + fdatasync ({fsync_seconds:g} s loop)", 1, run.fmt(fs),
                 "—", "—", "—"])
    print(run.table(["Target", "Connections", "req/s", "p50 ms", "p99 ms",
                     "non-202 + socket errors per run"], rows))
    print()
    for c in conns:
        print(f"Sluice /readyz right after each c={c} run: {backlog[c]}")
        for i, r in enumerate(sluice[c]):
            bad = {k: v for k, v in r["statuses"].items() if k != 202}
            if bad or r["socket_errors"]:
                print(f"**run {i + 1} c={c} had errors: statuses {bad}, socket errors "
                      f"{r['socket_errors']}**")

    head = conns[0]
    s64 = summary[("Sluice", head)]
    n64 = summary[("nginx return 202", head)]
    errors = any(summary[("Sluice", c)]["errors"][i] for c in conns for i in range(runs))
    met = (s64["rps"]["median"] is not None and s64["rps"]["median"] >= 25000
           and s64["p99_ms"]["median"] is not None and s64["p99_ms"]["median"] <= 20
           and not any(s64["errors"]))
    rows_json = [{
        "figure": f"durable single-item pushes, {head} connections", "unit": "req/s",
        "sluice": s64["rps"],
        "peers": {"nginx return 202": dict(n64["rps"], unit="req/s"),
                  "4 KiB write+fdatasync": dict(fs, unit="ops/s")},
        "goal": ">= 25k pushes/s, p99 <= 20 ms", "met": met,
        "flag": "errors" if any(s64["errors"]) else None,
    }, {
        "figure": f"durable pushes, {head} connections: p99 latency", "unit": "ms",
        "sluice": s64["p99_ms"],
        "peers": {"nginx return 202": dict(n64["p99_ms"], unit="ms")},
        "goal": "p99 <= 20 ms",
        "met": s64["p99_ms"]["median"] is not None and s64["p99_ms"]["median"] <= 20,
    }]
    for c in conns[1:]:
        rows_json.append({
            "figure": f"durable pushes, {c} connection{'s' if c > 1 else ''}", "unit": "req/s",
            "sluice": summary[("Sluice", c)]["rps"],
            "peers": {"nginx return 202": dict(summary[("nginx return 202", c)]["rps"],
                                               unit="req/s")},
            "goal": "—", "met": None,
            "flag": "errors" if any(summary[("Sluice", c)]["errors"]) else None,
        })
    run.write_result("pushes", {
        "figure": f"durable single-item pushes, {head} connections",
        "unit": "req/s",
        "goal": ">= 25k pushes/s, p99 <= 20 ms",
        "sluice": s64["rps"],
        "peers": rows_json[0]["peers"],
        "met": met,
        "extra": {
            "duration_s": duration,
            "per_concurrency": {str(c): {name: summary[(name, c)] for name in
                                         ("Sluice", "nginx return 202")} for c in conns},
            "raw": {str(c): {"sluice": sluice[c], "nginx": nginx[c]} for c in conns},
            "readyz_after": {str(c): backlog[c] for c in conns},
            "fdatasync_ops_per_s": fs, "fdatasync_seconds": fsync_seconds,
            "quick": args.quick,
        },
        "rows": rows_json,
    })
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
