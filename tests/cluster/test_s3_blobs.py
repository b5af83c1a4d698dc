"""File containers in an S3 bucket: `sluice serve --blob-store s3://...` against s3rver on
loopback. The uploadUri is pre-signed for the bucket itself, so the bytes go straight to S3 and
never through Sluice; the signature is checked against botocore's (s3rver does not check
SigV4 signatures, so botocore is the judge of the upload URI, and AWS's documented examples
of the worker's header-signed requests in sluice_auth_tests); s3cmd reads the object back
as an ordinary S3 object; the worker reads it with signed GETs and deletes it once consumed."""

import os
import random
import sys
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from peers import S3_ACCESS_KEY, S3_SECRET_KEY, S3rver  # noqa: E402
from sluice_process import REQUIRED, Sluice  # noqa: E402
from test_auth_table import botocore_presign  # noqa: E402

BUCKET = "sluice-e2e"
PREFIX = "node-blobs"


def words_html(n_bytes, marker, seed=7):
    """HTML of random words: compresses about 2:1, so big items stay big once compressed."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 12)))
             for _ in range(200000)]
    words = " ".join(rng.choices(vocab, k=n_bytes // 7))
    return (f"<html><head><title>{marker}</title></head><body><p>{marker} {words} "
            f"{marker}end</p></body></html>").encode()


class S3BlobStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s3 = S3rver(BUCKET).start()
        cls.sluice = Sluice(
            extra_args=["--blob-store", cls.s3.blob_store_url(PREFIX)],
            extra_env={"AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
                       "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY}).start()

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()
        cls.s3.cleanup()

    def object_url(self, file_id):
        return f"{self.s3.endpoint}/{BUCKET}/{PREFIX}/{self.container_key(file_id)}"

    @staticmethod
    def container_key(file_id):
        return f"containers/{file_id}"

    def s3_object(self, file_id):
        """The object's bytes as s3cmd reads them, or None when there is none."""
        target = os.path.join(self.s3._tmp.name, f"get-{file_id}")
        code, out = self.s3.s3cmd("get", "--force",
                                  f"s3://{BUCKET}/{PREFIX}/{self.container_key(file_id)}", target)
        if code != 0:
            self.assertTrue(b"404" in out or b"does not exist" in out, out)
            return None
        with open(target, "rb") as f:
            return f.read()

    def push_item(self, uri, file_id):
        return self.sluice.put_document(
            uri, {"compressedBinaryDataFileId": file_id, "compressionType": "ZLIB",
                  "fileExtension": ".html"})

    def wait_indexed(self, marker):
        return self.sluice.wait_for(
            lambda: self.sluice.search(marker)["totalCount"] == 1, what=f"{marker} indexed")

    def test_upload_uri_points_at_the_bucket_and_matches_botocore(self):
        container = self.sluice.create_container()
        upload_uri = container["uploadUri"]
        self.assertTrue(upload_uri.startswith(self.object_url(container["fileId"]) + "?"),
                        upload_uri)
        self.assertEqual(container["requiredHeaders"], REQUIRED)
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(upload_uri).query))
        self.assertIn("x-amz-server-side-encryption", query["X-Amz-SignedHeaders"].split(";"))
        self.assertIn("content-type", query["X-Amz-SignedHeaders"].split(";"))
        expected = botocore_presign(
            upload_uri.split("?")[0], REQUIRED, S3_ACCESS_KEY, S3_SECRET_KEY,
            query["X-Amz-Date"], int(query["X-Amz-Expires"]))
        self.assertEqual(upload_uri, expected)

    def test_seed_procedure_through_the_bucket(self):
        body = words_html(9 << 20, "bucketmarker")
        compressed = zlib.compress(body, 6)
        self.assertGreater(len(compressed), 5 << 20, "a large item, as the seed procedure has")
        container = self.sluice.create_container()
        file_id = container["fileId"]

        # Nothing uploaded yet: Sluice asks the bucket and refuses the push.
        status, answer = self.push_item("https://example.com/big", file_id)
        self.assertEqual(status, 412, answer)
        self.assertIn("has no content yet", answer["message"])

        status, _, data = self.sluice.upload(container["uploadUri"], compressed, REQUIRED)
        self.assertEqual(status, 200, data)
        self.assertEqual(self.s3_object(file_id), compressed, "an ordinary S3 object")
        self.assertFalse(os.path.exists(os.path.join(self.sluice.data_dir, "blobs")),
                         "no byte of the upload went through the node's disk")

        status, answer = self.push_item("https://example.com/big", file_id)
        self.assertEqual(status, 202, answer)
        self.wait_indexed("bucketmarker")
        # The Content Browser, the seed procedure's last step.
        status, items = self.sluice.json(
            "GET", "/api/v1/organizations/local/sources/local-default/items")
        self.assertEqual(status, 200, items)
        self.assertIn("https://example.com/big", [i["uri"] for i in items["items"]])

        # Consumed: the object is deleted from the bucket, and the container cannot be reused.
        self.sluice.wait_for(lambda: self.s3_object(file_id) is None, what="object deleted")
        status, answer = self.push_item("https://example.com/again", file_id)
        self.assertEqual(status, 412, answer)

    def test_a_corrupt_object_fails_the_item_with_a_reason(self):
        container = self.sluice.create_container()
        status, _, data = self.sluice.upload(container["uploadUri"], b"not zlib at all", REQUIRED)
        self.assertEqual(status, 200, data)
        status, answer = self.push_item("https://example.com/corrupt", container["fileId"])
        self.assertEqual(status, 202, answer)
        entry = self.sluice.wait_for(lambda: self.final_log("https://example.com/corrupt"),
                                     what="the item's log line")
        self.assertIn(entry["result"], ("ERROR", "REJECTED"), entry)
        self.assertIn("zlib", entry["meta"]["reason"].lower(), entry)

    def final_log(self, uri):
        q = urllib.parse.urlencode({"documentId": uri, "perPage": 100})
        status, answer = self.sluice.json("GET", f"/logs/v1/organizations/local?{q}")
        self.assertEqual(status, 200, answer)
        done = [e for e in answer["documentLogEntries"] if e["result"] != "COMPLETED"
                or e["task"] == "INDEXING"]
        return max(done, key=lambda e: e["datetime"]) if done else None


class S3SettingsTest(unittest.TestCase):
    def test_bad_settings_are_refused_at_start_with_the_reason(self):
        import subprocess
        cases = [
            (["--blob-store", "s3://Bad_Bucket"], {}, "not a valid S3 bucket name"),
            (["--blob-store", "s3://bucket?endpoint=ftp://x"], {}, "endpoint"),
            (["--blob-store", "s3://bucket"], {"AWS_ACCESS_KEY_ID": ""}, "needs credentials"),
        ]
        for args, env, why in cases:
            done = subprocess.run(
                [os.environ["SLUICE_BIN"], "serve", "--data-dir", "/nonexistent/x", *args],
                env={**os.environ, "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", **env},
                capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 2, done.stderr)
            self.assertIn(why, done.stderr)

    def test_secrets_are_masked_in_print_config(self):
        import subprocess
        done = subprocess.run(
            [os.environ["SLUICE_BIN"], "serve", "--print-config", "--blob-store", "s3://bucket"],
            env=dict(os.environ, AWS_ACCESS_KEY_ID="AKIDVISIBLE",
                     AWS_SECRET_ACCESS_KEY="very-secret-value"),
            capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("s3-access-key-id = AKIDVISIBLE", done.stdout)
        self.assertIn("s3-secret-access-key = (set, not shown)", done.stdout)
        self.assertNotIn("very-secret-value", done.stdout)


if __name__ == "__main__":
    unittest.main()
