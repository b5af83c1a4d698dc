#!/usr/bin/env python3
"""Push -> searchable latency under steady load.

A background loader pushes single small items (inline `data`) at a steady rate (default 200/s,
spread over a few keep-alive connections) for the length of a run (default 30 s). Meanwhile a
probe every 250 ms pushes one item carrying a word no other item has and polls the Search API
(`POST /rest/search/v2 {"q": word}`) every 10 ms until the item is found; its latency runs from
just before the push is sent to the search answer that found it. Each run uses a fresh
`sluice serve` (--rate-limit 0). There is no peer: the figure is Sluice's own, next to the load
rate actually achieved.

Usage: python3 bench/freshness.py [--sluice PATH] [--runs N] [--quick] [--rate 200]
                                  [--seconds 30]
"""

import argparse
import http.client
import json
import math
import random
import string
import sys
import threading
import time
import urllib.parse

import run

PUSH = "/push/v1/organizations/local/sources/local-default/documents"
PROBE_INTERVAL = 0.25
POLL_INTERVAL = 0.01
PROBE_TIMEOUT = 30.0
LOADER_CONNECTIONS = 4


def percentile(values, p):
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Client:
    """One keep-alive connection to Sluice that reconnects after an error."""

    def __init__(self, port, key):
        self.port, self.key = port, key
        self.conn = None

    def call(self, method, path, body):
        data = json.dumps(body)
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                res = self.conn.getresponse()
                payload = res.read()
                return res.status, payload
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def push(self, document_id, body):
        q = urllib.parse.urlencode({"documentId": document_id})
        return self.call("PUT", f"{PUSH}?{q}", body)

    def close(self):
        if self.conn:
            self.conn.close()


def loader(port, key, rate, stop, counts, index, lock):
    """Pushes at `rate` items/s (paced on a fixed schedule, so a slow answer is caught up)."""
    client = Client(port, key)
    interval = 1.0 / rate
    n = 0
    next_at = time.monotonic()
    try:
        while not stop.is_set():
            now = time.monotonic()
            if now < next_at:
                stop.wait(next_at - now)
                continue
            n += 1
            next_at += interval
            try:
                status, _ = client.push(
                    f"bench://load/{index}/{n}",
                    {"title": f"Load {index} {n}", "fileExtension": ".txt",
                     "data": f"Background item {n} of loader {index}, a few words of steady "
                             "load text about pipelines, journals and indexes."})
            except (OSError, http.client.HTTPException):
                status = "connection error"
            with lock:
                counts[status] = counts.get(status, 0) + 1
    finally:
        client.close()


def probe(port, key, word, results, lock):
    client = Client(port, key)
    try:
        start = time.monotonic()
        status, payload = client.push(f"bench://probe/{word}",
                                      {"title": f"Probe {word}", "fileExtension": ".txt",
                                       "data": f"Freshness probe carrying the word {word}."})
        accepted = time.monotonic() - start
        if status != 202:
            with lock:
                results.append({"word": word, "error": f"push answered {status}: {payload[:200]}"})
            return
        deadline = start + PROBE_TIMEOUT
        while time.monotonic() < deadline:
            status, payload = client.call("POST", "/rest/search/v2",
                                          {"q": word, "numberOfResults": 1})
            if status == 200 and json.loads(payload).get("totalCount", 0) >= 1:
                with lock:
                    results.append({"word": word, "latency": time.monotonic() - start,
                                    "accepted": accepted})
                return
            if status != 200:
                with lock:
                    results.append({"word": word,
                                    "error": f"search answered {status}: {payload[:200]}"})
                return
            time.sleep(POLL_INTERVAL)
        with lock:
            results.append({"word": word, "error": f"not searchable after {PROBE_TIMEOUT:g} s"})
    except (OSError, http.client.HTTPException, ValueError) as e:
        with lock:
            results.append({"word": word, "error": repr(e)})
    finally:
        client.close()


def one_run(binary, rate, seconds, rng):
    server = run.start_sluice(binary, ["--rate-limit", "0"])
    key = run.api_key()
    stop = threading.Event()
    lock = threading.Lock()
    counts, results = {}, []
    try:
        loaders = [threading.Thread(target=loader, daemon=True,
                                    args=(server.port, key, rate / LOADER_CONNECTIONS, stop, counts,
                                          i, lock))
                   for i in range(LOADER_CONNECTIONS)]
        start = time.monotonic()
        for t in loaders:
            t.start()
        probes = []
        next_probe = start + 1.0  # the loader reaches its rate first
        end = start + seconds
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_probe:
                word = "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(12))
                t = threading.Thread(target=probe, daemon=True,
                                     args=(server.port, key, word, results, lock))
                t.start()
                probes.append(t)
                next_probe += PROBE_INTERVAL
            time.sleep(min(0.01, max(0.0, next_probe - time.monotonic())))
        stop.set()
        elapsed = time.monotonic() - start
        for t in loaders:
            t.join(timeout=70)
        for t in probes:
            t.join(timeout=PROBE_TIMEOUT + 70)
    finally:
        stop.set()
        run.stop_sluice(server)
    latencies = [r["latency"] * 1000 for r in results if "latency" in r]
    accepted = [r["accepted"] * 1000 for r in results if "accepted" in r]
    errors = [r for r in results if "error" in r]
    return {
        "probes": len(results), "found": len(latencies), "errors": errors,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies) if latencies else None,
        "push_p50_ms": percentile(accepted, 50),
        "load_rate": counts.get(202, 0) / elapsed, "load_statuses": {str(k): v for k, v in
                                                                     counts.items()},
        "latencies_ms": latencies,
    }


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--rate", type=float, default=200, help="background pushes per second")
    parser.add_argument("--seconds", type=float, default=None,
                        help="length of one run (default 30; 6 with --quick)")
    args = parser.parse_args()
    seconds = args.seconds or (6 if args.quick else 30)
    runs = max(1, args.runs)
    rng = random.Random()
    results = []
    for i in range(runs):
        r = one_run(args.sluice, args.rate, seconds, rng)
        results.append(r)
        print(f"  run {i + 1}/{runs}: {r['found']}/{r['probes']} probes found, p50 "
              f"{run.num(r['p50_ms'])} ms p99 {run.num(r['p99_ms'])} ms max "
              f"{run.num(r['max_ms'])} ms; load {r['load_rate']:.0f}/s statuses "
              f"{r['load_statuses']}", flush=True)
        for e in r["errors"][:5]:
            print(f"    probe {e['word']}: {e['error']}", file=sys.stderr)

    p50 = run.stats([r["p50_ms"] for r in results])
    p99 = run.stats([r["p99_ms"] for r in results])
    mx = run.stats([r["max_ms"] for r in results])
    push = run.stats([r["push_p50_ms"] for r in results])
    load = run.stats([r["load_rate"] for r in results])
    pooled = [v for r in results for v in r["latencies_ms"]]
    n_errors = sum(len(r["errors"]) for r in results)
    non202 = sum(v for r in results for k, v in r["load_statuses"].items() if k != "202")

    print()
    print(f"### Push -> searchable under a steady load of {args.rate:g} pushes/s, "
          f"{seconds:g} s runs, a probe every {PROBE_INTERVAL * 1000:.0f} ms, {runs} runs "
          "(median [min–max] of the runs)")
    print()
    print(run.table(["Figure", "Sluice"], [
        ["push -> searchable p50", run.fmt(p50, "ms")],
        ["push -> searchable p99", run.fmt(p99, "ms")],
        ["push -> searchable max", run.fmt(mx, "ms")],
        ["all probes pooled: p50 / p99 / max",
         f"{run.num(percentile(pooled, 50))} / {run.num(percentile(pooled, 99))} / "
         f"{run.num(max(pooled) if pooled else None)} ms ({len(pooled)} probes)"],
        ["probe push answered (202) p50", run.fmt(push, "ms")],
        ["load rate achieved", run.fmt(load, "pushes/s") + f" (asked {args.rate:g}/s)"],
        ["probes not found / failed", str(n_errors)],
        ["load pushes not answered 202", str(non202)],
    ]))
    if n_errors or non202:
        print("\n**This run had errors: see above.**")
    met = p99["median"] is not None and p99["median"] <= 1000 and not n_errors
    run.write_result("freshness", {
        "figure": "push -> searchable latency under steady load (p99)",
        "unit": "ms",
        "goal": "p99 <= 1 s",
        "sluice": p99,
        "peers": {},
        "met": met,
        "extra": {"p50_ms": p50, "max_ms": mx, "push_p50_ms": push, "load_rate": load,
                  "asked_rate": args.rate, "seconds": seconds,
                  "pooled": {"p50_ms": percentile(pooled, 50), "p99_ms": percentile(pooled, 99),
                             "max_ms": max(pooled) if pooled else None, "probes": len(pooled)},
                  "probe_errors": [e for r in results for e in r["errors"]][:20],
                  "load_non_202": non202, "quick": args.quick},
        "rows": [{
            "figure": f"push -> searchable p99 at {load['median'] or 0:.0f} pushes/s of load",
            "unit": "ms", "sluice": p99, "peers": {},
            "note": f"no peer; p50 {run.fmt(p50, 'ms')}, max {run.fmt(mx, 'ms')}",
            "goal": "p99 <= 1 s", "met": met,
            "flag": "errors" if n_errors or non202 else None,
        }],
    })
    return 1 if n_errors else 0


if __name__ == "__main__":
    sys.exit(main())
