"""Nothing acknowledged is lost: `sluice serve` is killed with SIGKILL at random moments
while clients push single items, deletes, batches and large items through file containers.

Every client records what it sent and how the server answered. After the last restart the
index must hold exactly what the acknowledged operations imply (per item, the highest
orderingId wins, deletes included). An operation whose answer was lost to the kill may or may
not have been applied, but only as a whole: its metadata and its text arrive together, and no
item appears twice. An upload the server acknowledged (200) must still be usable after a kill.

SLUICE_CRASH_KILLS sets the number of kills (default 30); SLUICE_CRASH_SEED the random seed.
"""

import http.client
import itertools
import json
import os
import random
import signal
import sqlite3
import threading
import time
import unittest
import urllib.parse
import zlib

from sluice_process import API_KEY, REQUIRED, Sluice

ORG_PATH = "/push/v1/organizations/local"
DOCS = f"{ORG_PATH}/sources/local-default/documents"
SHARED_ITEMS = 120  # single pushes, deletes and batches all touch these
LARGE_ITEMS = 6
MARK = "crashmark"  # a word in every item, so one search lists them all
VOCABULARY = [f"filler{i}" for i in range(500)]


def uri_of(n):
    return f"https://crash.test/item/{n}"


def large_uri_of(n):
    return f"https://crash.test/large/{n}"


def word_of(uri, version):
    """A word only this version of this item contains."""
    kind, n = uri.rsplit("/", 2)[1:]
    return f"w{version}{kind[0]}{n}"


class Outcome:
    ACKED = "acked"  # 2xx: the server promised it
    REFUSED = "refused"  # a clear 4xx: must not be applied
    UNKNOWN = "unknown"  # no answer (the kill) or a 5xx: applied wholly or not at all


class History:
    """Every operation sent, per item: (orderingId, version or None for a delete, outcome)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}  # uri -> list of (ordering_id, version, outcome)
        self.counts = {Outcome.ACKED: 0, Outcome.REFUSED: 0, Outcome.UNKNOWN: 0}

    def record(self, effects, outcome):
        with self.lock:
            self.counts[outcome] += 1
            for uri, ordering_id, version in effects:
                self.ops.setdefault(uri, []).append((ordering_id, version, outcome))

    def allowed_final_states(self, uri):
        """The versions (None: absent) the item may show once everything is applied."""
        ops = self.ops.get(uri, [])
        acked = [op for op in ops if op[2] == Outcome.ACKED]
        latest = max(acked, default=(0, None, None))
        allowed = {latest[1]}
        allowed.update(v for (o, v, outcome) in ops if outcome == Outcome.UNKNOWN and o > latest[0])
        return allowed


class Client:
    """One pushing thread; a connection error is the kill, not a failure of the test."""

    def __init__(self, test, kind, seed):
        self.test = test
        self.kind = kind
        self.rng = random.Random(seed)
        self.pending_uploads = []  # acknowledged uploads whose push was lost to a kill

    def request(self, method, target, body=None, headers=None):
        port = self.test.sluice.port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            h = {"Authorization": f"Bearer {self.test.api_key}", **(headers or {})}
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                h["Content-Type"] = "application/json"
            conn.request(method, target, body=body, headers=h)
            res = conn.getresponse()
            return res.status, res.read()
        finally:
            conn.close()

    def send(self, effects, method, target, body=None, headers=None):
        """Sends one operation and records its outcome; returns the status (None: no answer)."""
        try:
            status, data = self.request(method, target, body, headers)
        except ConnectionRefusedError:
            return None  # never reached a server
        except (OSError, http.client.HTTPException):
            self.test.history.record(effects, Outcome.UNKNOWN)
            return None
        if 200 <= status < 300:
            outcome = Outcome.ACKED
        elif status >= 500:
            outcome = Outcome.UNKNOWN
        else:
            outcome = Outcome.REFUSED
            self.test.refusals.append((status, data[:300]))
        self.test.history.record(effects, outcome)
        return status

    def run(self, stop):
        while not stop.is_set():
            try:
                getattr(self, "step_" + self.kind)()
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)  # the server is down; a request of a setup step failed

    # One kind of operation per client ----------------------------------------------

    def step_single(self):
        n = self.rng.randrange(SHARED_ITEMS)
        oid = self.test.next_ordering_id()
        q = urllib.parse.urlencode({"documentId": uri_of(n), "orderingId": oid})
        body = {"title": f"v{oid}", "data": f"{MARK} {word_of(uri_of(n), oid)} single item"}
        self.send([(uri_of(n), oid, oid)], "PUT", f"{DOCS}?{q}", body)

    def step_delete(self):
        n = self.rng.randrange(SHARED_ITEMS)
        oid = self.test.next_ordering_id()
        q = urllib.parse.urlencode({"documentId": uri_of(n), "orderingId": oid})
        self.send([(uri_of(n), oid, None)], "DELETE", f"{DOCS}?{q}")
        time.sleep(0.01)

    def step_batch(self):
        adds = self.rng.sample(range(SHARED_ITEMS), 6)
        deletes, adds = adds[:1], adds[1:]
        oid = self.test.next_ordering_id()
        batch = {
            "addOrUpdate": [{"documentId": uri_of(n), "title": f"v{oid}",
                             "data": f"{MARK} {word_of(uri_of(n), oid)} batch item"} for n in adds],
            "delete": [{"documentId": uri_of(n)} for n in deletes],
        }
        effects = [(uri_of(n), oid, oid) for n in adds] + [(uri_of(n), oid, None) for n in deletes]
        file_id = self.upload(zlib.compress(json.dumps(batch).encode()))
        if file_id is None:
            return
        self.push_batch(file_id, effects, oid)

    def step_large(self):
        n = self.rng.randrange(LARGE_ITEMS)
        oid = self.test.next_ordering_id()
        # About 1.5 MB of text from a small vocabulary (cheap to index, but it does not
        # compress to nothing), with a unique word at each end: a partially stored item
        # would lose the last one.
        words = " ".join(self.rng.choices(VOCABULARY, k=150_000))
        text = f"{MARK} {word_of(large_uri_of(n), oid)} {words} tail{oid}".encode()
        file_id = self.upload(zlib.compress(text, 1))
        if file_id is None:
            return
        self.push_large(file_id, n, oid)

    # Steps shared by batches and large items ---------------------------------------

    def upload(self, body):
        """A file container with `body`; None if the kill interrupted the upload."""
        status, data = self.request("POST", f"{ORG_PATH}/files", {})
        if status != 201:
            return None
        container = json.loads(data)
        u = urllib.parse.urlsplit(container["uploadUri"])
        status, _ = self.request("PUT", f"{u.path}?{u.query}", body, REQUIRED)
        if status != 200:
            return None
        self.test.uploads_acked += 1
        return container["fileId"]

    def push_batch(self, file_id, effects, oid):
        target = f"{DOCS}/batch?fileId={file_id}&orderingId={oid}"
        if self.send(effects, "PUT", target) is None:
            self.pending_uploads.append(("batch", file_id, effects, oid))

    def push_large(self, file_id, n, oid):
        q = urllib.parse.urlencode({"documentId": large_uri_of(n), "orderingId": oid,
                                    "compressionType": "ZLIB"})
        body = {"title": f"v{oid}", "compressedBinaryDataFileId": file_id, "fileExtension": ".txt"}
        if self.send([(large_uri_of(n), oid, oid)], "PUT", f"{DOCS}?{q}", body) is None:
            self.pending_uploads.append(("large", file_id, n, oid))

    def push_pending_uploads(self):
        """After a restart: an upload acknowledged before the kill must still be pushable."""
        pending, self.pending_uploads = self.pending_uploads, []
        for kind, file_id, what, oid in pending:
            if kind == "batch":
                status = self.send(what, "PUT", f"{DOCS}/batch?fileId={file_id}&orderingId={oid}")
            else:
                q = urllib.parse.urlencode({"documentId": large_uri_of(what), "orderingId": oid,
                                            "compressionType": "ZLIB"})
                body = {"title": f"v{oid}", "compressedBinaryDataFileId": file_id,
                        "fileExtension": ".txt"}
                status = self.send([(large_uri_of(what), oid, oid)], "PUT", f"{DOCS}?{q}", body)
            self.test.retried_uploads.append((file_id, status))


class CrashTest(unittest.TestCase):
    """SIGKILL at random moments under load; the index converges to the acknowledged state."""

    def setUp(self):
        self.kills = int(os.environ.get("SLUICE_CRASH_KILLS", "30"))
        seed = int(os.environ.get("SLUICE_CRASH_SEED", str(int(time.time()))))
        print(f"\ncrash test: {self.kills} kills, seed {seed}", flush=True)
        self.rng = random.Random(seed)
        self.sluice = Sluice(extra_args=["--rate-limit", "0"])
        self.addCleanup(self.sluice.cleanup)
        self.api_key = API_KEY
        self.history = History()
        self.refusals = []
        self.retried_uploads = []
        self.uploads_acked = 0
        self._ordering = itertools.count(int(time.time() * 1000))
        self._ordering_lock = threading.Lock()
        kinds = ["single", "single", "delete", "batch", "large"]
        self.clients = [Client(self, kind, seed * 10 + i) for i, kind in enumerate(kinds)]

    def next_ordering_id(self):
        with self._ordering_lock:
            return next(self._ordering)

    def run_until_killed(self):
        stop = threading.Event()
        threads = [threading.Thread(target=c.run, args=(stop,)) for c in self.clients]
        for t in threads:
            t.start()
        time.sleep(self.rng.uniform(0.2, 1.5))
        self.sluice.proc.send_signal(signal.SIGKILL)
        stop.set()
        self.sluice.proc.wait(timeout=30)
        for t in threads:
            t.join(timeout=60)

    def test_acknowledged_operations_survive_sigkill(self):
        self.sluice.start()
        for _ in range(self.kills):
            self.run_until_killed()
            self.sluice.start()
            for c in self.clients:
                c.push_pending_uploads()
        self.wait_until_applied()
        self.sluice.stop()
        self.assert_journal_intact()
        self.sluice.start()
        self.wait_until_applied()
        self.assert_index_matches_history()

    def wait_until_applied(self):
        def drained():
            status, _, data = self.sluice.request("GET", "/readyz")
            return status == 200 and json.loads(data)["pendingOperations"] == 0
        self.sluice.wait_for(drained, timeout=300, what="the journal to drain")

    def assert_journal_intact(self):
        db = sqlite3.connect(f"file:{self.sluice.data_dir}/state.db?mode=ro", uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            db.close()

    def assert_index_matches_history(self):
        h = self.history
        self.assertGreater(h.counts[Outcome.ACKED], 10 * self.kills, "the clients got work done")
        self.assertEqual(self.refusals, [], "nothing was refused")
        self.assertTrue(all(status == 202 for _, status in self.retried_uploads),
                        f"acknowledged uploads stay usable after a kill: {self.retried_uploads}")
        found = self.indexed_versions()
        uris = [uri_of(n) for n in range(SHARED_ITEMS)] + [large_uri_of(n) for n in range(LARGE_ITEMS)]
        wrong = {}
        for uri in uris:
            version = found.get(uri)
            allowed = h.allowed_final_states(uri)
            if version not in allowed:
                wrong[uri] = (version, sorted(allowed, key=str))
        self.assertEqual(wrong, {}, "items whose state no acknowledged history explains")
        self.assertTrue(set(found) <= set(uris), "no item that was never pushed")
        for uri, version in found.items():
            self.assert_whole(uri, version)
        present = sum(1 for v in found.values() if v is not None)
        print(f"crash test: {self.kills} kills survived, {h.counts[Outcome.ACKED]} operations "
              f"acknowledged and checked ({h.counts[Outcome.UNKNOWN]} unanswered), "
              f"{self.uploads_acked} uploads, {len(self.retried_uploads)} pushed after a restart, "
              f"{len(uris)} items verified ({present} present)", flush=True)

    def indexed_versions(self):
        """uri -> version (the orderingId in the title) of every item the index returns."""
        status, res = self.sluice.json("POST", "/rest/search/v2",
                                       {"q": MARK, "numberOfResults": 1000})
        self.assertEqual(status, 200, res)
        uris = [r["uri"] for r in res["results"]]
        self.assertEqual(len(uris), len(set(uris)), "no item appears twice")
        self.assertEqual(res["totalCount"], len(uris))
        return {r["uri"]: int(r["title"][1:]) for r in res["results"]}

    def assert_whole(self, uri, version):
        """The item's text is the one pushed with its metadata, end to end."""
        words = [word_of(uri, version)] + ([f"tail{version}"] if "/large/" in uri else [])
        for word in words:
            res = self.sluice.search(word)
            self.assertEqual([r["uri"] for r in res["results"]], [uri],
                             f"'{word}' finds exactly {uri}, version {version}")


if __name__ == "__main__":
    unittest.main()
