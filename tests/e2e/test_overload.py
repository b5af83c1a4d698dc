"""Load is held: pushers flooding Sluice far beyond what its pipeline can index are shed
with 429 + Retry-After instead of a backlog, memory or latency that grows without bound.
A well-behaved client (its own API key, a few pushes and searches a second) keeps being
answered quickly; every push that got a 202 is indexed once the flood stops; memory
settles back near where it started.

SLUICE_OVERLOAD_SECONDS sets the flood's length (default 15; `make test-long` runs 60).
"""

import http.client
import json
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import API_KEY, MEMORY_IS_MEASURABLE, Sluice  # noqa: E402

DOCS = "/push/v1/organizations/local/sources/local-default/documents"
MAX_PENDING = 400  # the journal backlog at which Sluice starts answering 429
FLOODERS = 6
MARK = "overloadmark"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


class Pusher:
    """Pushes on one keep-alive connection; records every answer."""

    def __init__(self, port, key, name):
        self.port, self.key, self.name = port, key, name
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.accepted = []  # documentIds answered 202
        self.statuses = {}
        self.latencies = []
        self.missing_retry_after = 0

    def push(self, n, text):
        uri = f"https://overload.test/{self.name}/{n}"
        q = urllib.parse.urlencode({"documentId": uri})
        body = json.dumps({"title": uri, "data": f"{MARK} {text}"})
        start = time.perf_counter()
        self.conn.request("PUT", f"{DOCS}?{q}", body=body, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        res = self.conn.getresponse()
        res.read()
        self.latencies.append(time.perf_counter() - start)
        self.statuses[res.status] = self.statuses.get(res.status, 0) + 1
        if res.status == 202:
            self.accepted.append(uri)
        elif res.status == 429 and not res.getheader("Retry-After", "").isdigit():
            self.missing_retry_after += 1
        return res.status

    def search(self):
        start = time.perf_counter()
        self.conn.request("POST", "/rest/search/v2", body=json.dumps({"q": "healthy"}), headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        res = self.conn.getresponse()
        res.read()
        self.latencies.append(time.perf_counter() - start)
        return res.status


class OverloadTest(unittest.TestCase):
    def setUp(self):
        self.seconds = float(os.environ.get("SLUICE_OVERLOAD_SECONDS", "15"))
        self.sluice = Sluice(extra_args=["--rate-limit", "0",
                                         "--max-pending-operations", str(MAX_PENDING)]).start()
        self.addCleanup(self.sluice.cleanup)

    def healthy_key(self):
        status, res = self.sluice.json("POST", "/rest/organizations/local/apikeys",
                                       {"displayName": "healthy", "privileges": ["push", "search"]})
        self.assertEqual(status, 201, res)
        return res["value"]

    def pending(self):
        # Counted in both answers: /readyz is 503 while the backlog is at the limit.
        status, _, data = self.sluice.request("GET", "/readyz")
        return json.loads(data)["pendingOperations"] if status in (200, 503) else None

    def test_a_flood_is_shed_with_429_and_nothing_accepted_is_lost(self):
        pid = self.sluice.proc.pid
        healthy = Pusher(self.sluice.port, self.healthy_key(), "healthy")
        for n in range(20):  # warm up, then take the baseline
            healthy.push(n, "healthy warmup")
        baseline_kib = rss_kib(pid)
        flooders = [Pusher(self.sluice.port, API_KEY, f"flood{i}") for i in range(FLOODERS)]
        stop = threading.Event()
        # ~2 KB of text per item: the pipeline indexes a few hundred a second, the
        # flooders offer thousands.
        filler = " ".join(f"word{i % 997}" for i in range(400))

        def flood(p):
            n = 0
            while not stop.is_set():
                p.push(n, filler)
                n += 1

        threads = [threading.Thread(target=flood, args=(p,)) for p in flooders]
        for t in threads:
            t.start()
        healthy.latencies.clear()
        peak_pending, peak_kib = 0, baseline_kib
        deadline = time.time() + self.seconds
        n = 100
        while time.time() < deadline:
            healthy.push(n, "healthy client item")
            healthy.search()
            n += 1
            peak_pending = max(peak_pending, self.pending() or 0)
            peak_kib = max(peak_kib, rss_kib(pid))
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        for p in flooders + [healthy]:
            p.conn.close()

        offered = sum(sum(p.statuses.values()) for p in flooders)
        shed = sum(p.statuses.get(429, 0) for p in flooders)
        accepted = [uri for p in flooders + [healthy] for uri in p.accepted]
        self.assertEqual({s for p in flooders for s in p.statuses} - {202, 429}, set(),
                         [p.statuses for p in flooders])
        self.assertGreater(shed, 0, "a flood this size must be shed")
        self.assertEqual(sum(p.missing_retry_after for p in flooders), 0, "every 429 says when")
        # The backlog is bounded: the limit, plus what was in flight when it was reached.
        self.assertLess(peak_pending, MAX_PENDING + 50 * (FLOODERS + 1))

        self.sluice.wait_for(lambda: self.pending() == 0, timeout=600, what="the backlog to drain")
        time.sleep(3)  # the pipeline hands freed memory back after a second of idleness
        settled_kib = rss_kib(pid)
        status, res = self.sluice.json("POST", "/rest/search/v2",
                                       {"q": MARK, "numberOfResults": 0})
        self.assertEqual(status, 200, res)
        self.assertEqual(res["totalCount"], len(set(accepted)), "every 202 was indexed")

        p50, p99 = percentile(healthy.latencies, 0.5), percentile(healthy.latencies, 0.99)
        print(f"\noverload: {self.seconds:.0f} s, {offered} pushes offered "
              f"({offered / self.seconds:.0f}/s), {shed} shed with 429, {len(accepted)} accepted "
              f"and indexed; peak backlog {peak_pending} (limit {MAX_PENDING}); healthy client "
              f"p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms over {len(healthy.latencies)} "
              f"calls; RSS {baseline_kib // 1024} MiB before, peak {peak_kib // 1024} MiB, "
              f"{settled_kib // 1024} MiB after", flush=True)
        # Generous bounds that only unbounded queueing or growth would cross.
        self.assertLess(p99, 5.0, "the healthy client is answered within seconds")
        if MEMORY_IS_MEASURABLE:
            self.assertLess(peak_kib - baseline_kib, 512 * 1024, "memory stays bounded")
            self.assertLess(settled_kib - baseline_kib, 64 * 1024, "memory settles after the flood")


if __name__ == "__main__":
    unittest.main()
