"""Several Sluice nodes on one PostgreSQL and one S3 bucket (s3rver), all on loopback.

Pushes go to different nodes (Coveo's Node client to node 1, `sluice push` to node 2) and every
node answers search; node 2 is killed with SIGKILL in the middle of a large batch and the others
finish it with nothing lost or indexed twice; a fourth node, started empty, catches up from the
shared state. Needs SLUICE_TEST_POSTGRES_URI (tests/postgres/with_postgres.sh sets it)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from peers import S3_ACCESS_KEY, S3_SECRET_KEY, S3rver  # noqa: E402
from sluice_process import API_KEY, REQUIRED, Sluice  # noqa: E402

NODE_TIMEOUT_SECONDS = 3


class Cluster:
    def __init__(self):
        self.pg_uri = os.environ["SLUICE_TEST_POSTGRES_URI"]
        self.s3 = S3rver("sluice-cluster").start()
        self.nodes = {}

    def start(self, name):
        node = Sluice(extra_args=[
            "--state", self.pg_uri, "--blob-store", self.s3.blob_store_url("blobs"),
            "--node-name", name, "--node-timeout-seconds", str(NODE_TIMEOUT_SECONDS),
            "--workers", "1", "--ignore-queue-delay"],
            extra_env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
                       "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY})
        self.nodes[name] = node.start()
        return node

    def cleanup(self):
        for node in self.nodes.values():
            node.cleanup()
        self.s3.cleanup()


def sql(query):
    """One value from the shared database, read with psql as an operator would."""
    done = subprocess.run(["psql", os.environ["SLUICE_TEST_POSTGRES_URI"], "-At", "-c", query],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def count(node, word):
    return node.search(word)["totalCount"]


def wait_count(node, word, expected, timeout=300):
    return node.wait_for(lambda: count(node, word) == expected, timeout=timeout,
                         what=f"{expected} items with '{word}' on port {node.port}")


def batch_body(word, n):
    items = [{"documentId": f"https://batch.example.com/{word}/{i}",
              "title": f"Batch item {i}", "data": f"{word} batch item {i}",
              "fileExtension": ".txt"} for i in range(n)]
    return json.dumps({"addOrUpdate": items, "delete": []}).encode()


def indexing_logs(node, uri):
    q = urllib.parse.urlencode({"documentId": uri, "perPage": 100})
    status, answer = node.json("GET", f"/logs/v1/organizations/local?{q}")
    assert status == 200, answer
    return [e for e in answer["documentLogEntries"]
            if e["task"] == "INDEXING" and e["result"] == "COMPLETED"]


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        # Node 1 first: it brings the schema up and makes the organization and its first key.
        cls.n1 = cls.cluster.start("node1")
        cls.n2 = cls.cluster.start("node2")
        cls.n3 = cls.cluster.start("node3")

    @classmethod
    def tearDownClass(cls):
        cls.cluster.cleanup()

    def test_1_any_node_takes_pushes_and_every_node_answers_search(self):
        # Coveo's Node client to node 1: file containers straight to the bucket, then batches.
        done = subprocess.run(
            ["node", os.path.join(HERE, "client_push.mjs"), f"http://127.0.0.1:{self.n1.port}",
             API_KEY, "300", "clientword"], capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

        # `sluice push` to node 2.
        with tempfile.TemporaryDirectory() as files:
            for i in range(200):
                with open(os.path.join(files, f"page{i}.html"), "w") as f:
                    f.write(f"<html><title>Page {i}</title><body>cliword page {i}</body></html>")
            done = subprocess.run(
                [os.environ["SLUICE_BIN"], "push", files, "--url",
                 f"http://127.0.0.1:{self.n2.port}", "--api-key", API_KEY, "--no-manifest", "-q"],
                capture_output=True, text=True, timeout=300)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

        for node in (self.n3, self.n1, self.n2):
            wait_count(node, "clientword", 300)
            wait_count(node, "cliword", 200)
        # One item table: every node lists the same items.
        status, counts = self.n3.json(
            "GET", "/api/v1/organizations/local/sources/local-default/items?perPage=1")
        self.assertEqual(status, 200, counts)

    def test_2_a_node_killed_mid_batch_loses_nothing(self):
        n = 3000
        container = self.n2.create_container()
        status, _, data = self.n2.upload(container["uploadUri"],
                                         zlib.compress(batch_body("killword", n)), REQUIRED)
        self.assertEqual(status, 200, data)
        status, answer = self.n2.json(
            "PUT", "/push/v1/organizations/local/sources/local-default/documents/batch"
            f"?fileId={container['fileId']}&compressionType=ZLIB", {})
        self.assertEqual(status, 202, answer)
        # Some of the batch is searchable, and not all of it, and node 2 holds claims on some of
        # the rest: it is in the middle of it.
        node2_claims = ("SELECT count(*) FROM journal WHERE done_ms IS NULL AND claimed_by LIKE "
                        "'node2-%'")
        self.n1.wait_for(lambda: 0 < count(self.n1, "killword") < n and int(sql(node2_claims)) > 0,
                         timeout=120, what="the batch under way, node 2 holding claims")
        self.n2.kill9()
        self.assertGreater(int(sql(node2_claims)), 0, "node 2 died holding claims")

        started = time.time()
        wait_count(self.n1, "killword", n)
        wait_count(self.n3, "killword", n)
        print(f"\nafter SIGKILL of node 2 the others finished the batch in "
              f"{time.time() - started:.1f} s", file=sys.stderr)
        # Nothing lost: no operation is left pending, every item has its row. Nothing twice:
        # the batch was expanded once, whoever resumed it (one journal entry per item), and
        # exactly one index change put each item into every node's index.
        batch_uris = "'https://batch.example.com/killword/%'"
        self.assertEqual(sql("SELECT count(*) FROM journal WHERE done_ms IS NULL"), "0")
        self.assertEqual(sql(f"SELECT count(*) FROM journal WHERE document_id LIKE {batch_uris}"),
                         str(n))
        self.assertEqual(sql(f"SELECT count(*) FROM items WHERE uri LIKE {batch_uris} "
                             "AND state = 'INDEXED'"), str(n))
        self.assertEqual(sql(f"SELECT count(*) FROM index_changes WHERE uri LIKE {batch_uris} "
                             "AND kind = 1"), str(n))
        # And the item log says so too: one INDEXING COMPLETED line each (a sample of 50).
        for i in range(0, n, n // 50):
            logs = indexing_logs(self.n1, f"https://batch.example.com/killword/{i}")
            self.assertEqual(len(logs), 1, logs)

    def test_3_a_new_node_catches_up(self):
        wait_count(self.n1, "killword", 3000)
        started = time.time()
        n4 = self.cluster.start("node4")
        wait_count(n4, "killword", 3000)
        wait_count(n4, "clientword", 300)
        wait_count(n4, "cliword", 200)
        print(f"\nnode 4 caught up in {time.time() - started:.1f} s", file=sys.stderr)
        # And it takes pushes like the others.
        status, answer = n4.put_document("https://example.com/from-node4",
                                         {"data": "nodefourword", "fileExtension": ".txt"})
        self.assertEqual(status, 202, answer)
        wait_count(self.n1, "nodefourword", 1)


    def test_4_a_wiped_index_is_rebuilt_while_the_others_go_on(self):
        wait_count(self.n3, "killword", 3000)
        self.n3.stop()
        shutil.rmtree(os.path.join(self.n3.data_dir, "index"))
        self.n3.start()
        status, answer = self.n1.put_document("https://example.com/during-rebuild",
                                              {"data": "rebuildword", "fileExtension": ".txt"})
        self.assertEqual(status, 202, answer)
        wait_count(self.n3, "killword", 3000)
        wait_count(self.n3, "rebuildword", 1)

    def test_5_a_search_token_from_one_node_works_on_another(self):
        status, issued = self.n1.json("POST", "/rest/search/v2/token",
                                      {"userIds": [{"name": "alice@example.com"}]})
        self.assertEqual(status, 200, issued)
        status, answer = self.n3.json("POST", "/rest/search/v2", {"q": "cliword"},
                                      key=issued["token"])
        self.assertEqual(status, 200, answer)


if __name__ == "__main__":
    unittest.main()
