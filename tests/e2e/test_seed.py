"""The seed procedure, step by step, against the real binary: create a file
container, PUT a ~50 MB HTML item's zlib bytes to the pre-signed uploadUri,
push it by CompressedBinaryDataFileId, then find it in search and in the
Content Browser JSON. Also every 403 of the upload, the Coveo errors, a corrupt
item, and a kill -9 right after a 202."""

import base64
import gzip
import http.client
import json
import lzma
import os
import random
import sys
import time
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import API_KEY, REQUIRED, Sluice, SluiceTestCase  # noqa: E402


def make_large_html(target_bytes, marker):
    rng = random.Random(42)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 10)))
             for _ in range(50000)]
    parts = [f"<html><head><title>Big page {marker}</title>"
             "<script>var hidden = 'scriptword';</script></head><body>"]
    size = len(parts[0])
    while size < target_bytes:
        words = " ".join(rng.choices(vocab, k=2000))
        p = f"<p>{words}</p>\n"
        parts.append(p)
        size += len(p)
    parts.append(f"<p>closing {marker}end</p></body></html>")
    return "".join(parts).encode()


class SeedProcedureTest(SluiceTestCase):
    def create_container(self, prefix="/push/v1"):
        status, body = self.sluice.json("POST", f"{prefix}/organizations/local/files", {})
        self.assertEqual(status, 201, body)
        return body

    def test_1_large_item_end_to_end(self):
        s = self.sluice
        container = self.create_container()
        self.assertEqual(container["requiredHeaders"], REQUIRED)
        uri = urllib.parse.urlsplit(container["uploadUri"])
        query = dict(urllib.parse.parse_qsl(uri.query))
        self.assertEqual(query["X-Amz-Algorithm"], "AWS4-HMAC-SHA256")
        self.assertEqual(query["X-Amz-Expires"], "3600")
        self.assertEqual(query["X-Amz-SignedHeaders"],
                         "content-type;host;x-amz-server-side-encryption")
        self.assertIn(container["fileId"], uri.path)
        self.assertEqual(uri.port, s.port)

        html = make_large_html(50 * 1024 * 1024, "zebracorn")
        compressed = zlib.compress(html, 6)
        self.assertGreater(len(compressed), 5 * 1024 * 1024, "the item must need a container")

        started = time.time()
        status, headers, body = s.upload(container["uploadUri"], compressed, REQUIRED)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-amz-server-side-encryption"), "AES256")
        status, body = s.put_document("http://mydocument/big.html", {
            "FileExtension": ".html", "CompressedBinaryDataFileId": container["fileId"]})
        self.assertEqual(status, 202, body)

        res = s.wait_for(lambda: (r := s.search("zebracornend"))["totalCount"] == 1 and r,
                         what="the large item to be searchable")
        elapsed = time.time() - started
        hit = res["results"][0]
        self.assertEqual(hit["uri"], "http://mydocument/big.html")
        self.assertEqual(hit["clickUri"], "http://mydocument/big.html")
        self.assertEqual(hit["title"], "Big page zebracorn")
        for key in ("source", "filetype", "size", "date", "indexeddate", "permanentid"):
            self.assertIn(key, hit["raw"])
        self.assertEqual(hit["raw"]["filetype"], "html")
        self.assertEqual(hit["raw"]["size"], len(html))
        self.assertEqual(s.search("scriptword")["totalCount"], 0, "scripts are not text")
        print(f"\nE2E_LARGE_ITEM bytes={len(html)} zlib={len(compressed)} "
              f"upload_to_searchable_s={elapsed:.2f} peak_rss_kib={s.peak_rss_kib()}",
              file=sys.stderr)

        # The container is single-use.
        status, body = s.put_document("http://mydocument/again.html", {
            "FileExtension": ".html", "CompressedBinaryDataFileId": container["fileId"]})
        self.assertEqual(status, 412, body)
        self.assertEqual(body["errorCode"], "INVALID_PARAMETER")

        # The Content Browser's JSON.
        status, sources = s.json("GET", "/api/v1/organizations/local/sources")
        self.assertEqual(status, 200)
        default = [x for x in sources["sources"] if x["id"] == "local-default"][0]
        self.assertGreaterEqual(default["itemCount"], 1)
        status, items = s.json("GET", "/api/v1/organizations/local/sources/local-default/items")
        self.assertIn("http://mydocument/big.html", [i["uri"] for i in items["items"]])
        q = urllib.parse.urlencode({"uri": "http://mydocument/big.html"})
        status, detail = s.json(
            "GET", f"/api/v1/organizations/local/sources/local-default/items/detail?{q}")
        self.assertEqual(status, 200, detail)
        self.assertEqual(detail["state"], "INDEXED")
        self.assertEqual(detail["title"], "Big page zebracorn")
        self.assertTrue(detail["textTruncated"])
        self.assertIn("Big page", detail["fields"]["title"])
        status, _, page = s.request("GET", "/", key=None)
        self.assertEqual(status, 200)
        self.assertIn(b"<html", page.lower())
        status, headers, _ = s.request("GET", "/app.js", key=None)
        self.assertEqual(status, 200)
        self.assertIn("javascript", headers["Content-Type"])
        status, body = s.json("GET", "/api/v1/organizations/local/sources/nope/items")
        self.assertEqual((status, body["errorCode"]), (404, "SOURCE_DOES_NOT_EXIST"))

    def test_2_upload_refusals_are_s3_access_denied(self):
        s = self.sluice
        container = self.create_container()
        url = container["uploadUri"]
        cases = {
            "missing encryption header": (url, {"Content-Type": "application/octet-stream"}),
            "missing content type": (url, {"x-amz-server-side-encryption": "AES256"}),
            "different encryption": (url, dict(REQUIRED, **{"x-amz-server-side-encryption": "aws:kms"})),
            "different content type": (url, dict(REQUIRED, **{"Content-Type": "text/plain"})),
            "tampered signature": (url[:-4] + ("0000" if not url.endswith("0000") else "1111"), REQUIRED),
            "tampered expiry": (url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"), REQUIRED),
            "old date (expired)": (url.replace("X-Amz-Date=2", "X-Amz-Date=1", 1), REQUIRED),
            "other file": (url.replace(container["fileId"], "0" * 36), REQUIRED),
        }
        for name, (u, headers) in cases.items():
            with self.subTest(name):
                status, h, body = s.upload(u, b"x" * 100, headers)
                self.assertEqual(status, 403, body)
                self.assertIn(b"<Code>AccessDenied</Code>", body)
                self.assertEqual(h.get("Content-Type"), "application/xml")
                if name.startswith("missing"):
                    self.assertIn(b"Missing required header", body)
        # Wrong method.
        u = urllib.parse.urlsplit(url)
        status, _, body = s.request("GET", u.path + "?" + u.query, key=None, headers=REQUIRED)
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        # A refused upload left nothing behind: the container still has no content.
        status, body = s.put_document("http://x/none", {"compressedBinaryDataFileId": container["fileId"]})
        self.assertEqual(status, 412, body)

    def test_3_corrupt_item_shows_as_failed_with_reason(self):
        s = self.sluice
        container = self.create_container(prefix="/v1")
        good = zlib.compress(b"<html><body>" + b"truncated words " * 100000 + b"</body></html>")
        status, _, body = s.upload(container["uploadUri"], good[: len(good) // 2], REQUIRED)
        self.assertEqual(status, 200, body)
        status, body = s.put_document("http://x/corrupt.html", {
            "fileExtension": ".html", "compressedBinaryDataFileId": container["fileId"]}, prefix="/v1")
        self.assertEqual(status, 202, body)
        q = urllib.parse.urlencode({"uri": "http://x/corrupt.html"})
        path = f"/api/v1/organizations/local/sources/local-default/items/detail?{q}"
        detail = s.wait_for(lambda: (d := s.json("GET", path)[1]).get("state") == "FAILED" and d,
                            what="the corrupt item to fail")
        self.assertIn("ZLIB", detail["reason"])
        self.assertIn("truncated", detail["reason"])
        status, logs = s.json("GET", "/api/v1/organizations/local/logs?" + urllib.parse.urlencode(
            {"documentId": "http://x/corrupt.html"}))
        self.assertEqual(logs["entries"][0]["result"], "ERROR")
        self.assertEqual(logs["entries"][0]["operation"], "ADD_BY_REFERENCE")

    def test_4_coveo_errors(self):
        s = self.sluice
        docs = "/push/v1/organizations/local/sources/local-default/documents?documentId=http://x/e"
        cases = [
            ("no key", dict(method="PUT", path=docs, body={"data": "x"}, key=None), 401, "UNAUTHORIZED"),
            ("bad key", dict(method="PUT", path=docs, body={"data": "x"}, key="nope"), 401, "INVALID_TOKEN"),
            ("unknown org", dict(method="PUT", path=docs.replace("/local/", "/nope/"), body={"data": "x"}), 404,
             "ORGANIZATION_NOT_FOUND"),
            ("unknown source", dict(method="PUT", path=docs.replace("local-default", "nope"), body={"data": "x"}),
             412, "SOURCE_DOES_NOT_EXIST"),
            ("missing documentId", dict(method="PUT", path=docs.split("?")[0], body={"data": "x"}), 412,
             "MISSING_PARAMETER"),
            ("bad orderingId", dict(method="PUT", path=docs + "&orderingId=-1", body={"data": "x"}), 412,
             "INVALID_PARAMETER"),
            ("invalid json", dict(method="PUT", path=docs, body="{'data':'x'}",
                                  headers={"Content-Type": "application/json"}), 400, "INVALID_JSON"),
            ("duplicate keys", dict(method="PUT", path=docs, body='{"data":"a","DATA":"b"}',
                                    headers={"Content-Type": "application/json"}), 400, "INVALID_JSON"),
            ("wrong content type", dict(method="PUT", path=docs, body="data=x",
                                        headers={"Content-Type": "application/x-www-form-urlencoded"}), 415,
             "UNSUPPORTED_MEDIA_TYPE"),
            ("too large", dict(method="PUT", path=docs, body=json.dumps({"data": "x" * (6 * 1024 * 1024)}),
                               headers={"Content-Type": "application/json"}), 413, None),
        ]
        for name, kwargs, want_status, want_code in cases:
            with self.subTest(name):
                status, _, data = s.request(**kwargs)
                self.assertEqual(status, want_status, data)
                body = json.loads(data)
                self.assertEqual(body["statusCode"], want_status)
                self.assertTrue(body["message"])
                if want_code:
                    self.assertEqual(body["errorCode"], want_code)

    def test_5_ordering_id_decides_between_updates(self):
        s = self.sluice
        self.assertEqual(s.put_document("http://x/ordered", {"data": "newer pelican"},
                                        query="&orderingId=9")[0], 202)
        self.assertEqual(s.put_document("http://x/ordered", {"data": "older walrus"},
                                        query="&orderingId=5")[0], 202)
        # Two workers may finish the two in either order; either way 9 must win.
        entries = s.wait_for(lambda: len(e := s.json(
            "GET", "/api/v1/organizations/local/logs?documentId=http://x/ordered")[1]["entries"]) == 2
            and e, what="both updates to be applied")
        self.assertEqual(s.search("pelican")["totalCount"], 1)
        self.assertEqual(s.search("walrus")["totalCount"], 0)
        results = sorted((e["result"], e["reason"]) for e in entries)
        self.assertIn(results, ([("COMPLETED", ""), ("COMPLETED", "")],
                                [("COMPLETED", ""), ("SKIPPED", "orderingId 5 not newer than 9")]))
        # Deletes are ordered too, and leave a tombstone.
        self.assertEqual(s.json("DELETE", "/push/v1/organizations/local/sources/local-default/documents"
                                "?documentId=http://x/ordered&orderingId=20")[0], 202)
        s.wait_for(lambda: s.search("pelican")["totalCount"] == 0, what="the delete")
        self.assertEqual(s.put_document("http://x/ordered", {"data": "late heron"},
                                        query="&orderingId=15")[0], 202)
        s.wait_for(lambda: any("not newer than 20" in e["reason"] for e in s.json(
            "GET", "/api/v1/organizations/local/logs?documentId=http://x/ordered")[1]["entries"]),
            what="the late add to be skipped")
        self.assertEqual(s.search("heron")["totalCount"], 0)


def compress(kind, data):
    if kind == "UNCOMPRESSED":
        return data
    if kind == "ZLIB":
        return zlib.compress(data)
    if kind == "GZIP":  # two members, as concatenated .gz files are
        half = len(data) // 2
        return gzip.compress(data[:half]) + gzip.compress(data[half:])
    if kind == "DEFLATE":
        c = zlib.compressobj(wbits=-15)
        return c.compress(data) + c.flush()
    if kind == "LZMA":
        return lzma.compress(data, format=lzma.FORMAT_XZ)
    if kind == "LZMA_ALONE":
        return lzma.compress(data, format=lzma.FORMAT_ALONE)
    raise ValueError(kind)


class PushVariantsTest(SluiceTestCase):
    """Every compressionType, inline and by file container, the Logs API, source status and
    documents/olderthan (run at once: --ignore-queue-delay)."""

    server_args = ("--ignore-queue-delay",)

    def source(self):
        status, body = self.sluice.json("GET", "/api/v1/organizations/local/sources")
        return [x for x in body["sources"] if x["id"] == "local-default"][0]

    def test_source_status_opens_and_closes_activities(self):
        s = self.sluice
        base = "/push/v1/organizations/local/sources/local-default/status"
        status, body = s.json("POST", base + "?statusType=REBUILD", {})
        self.assertEqual((status, body), (201, {}))
        self.assertEqual(self.source()["status"], "REBUILD")
        self.assertEqual(s.json("POST", "/v1/organizations/local/sources/local-default/status"
                                "?sourceType=incremental")[0], 201)
        self.assertEqual(self.source()["status"], "INCREMENTAL")
        self.assertEqual(s.json("POST", base + "?statusType=IDLE")[0], 201)
        self.assertEqual(self.source()["status"], "IDLE")
        for query, code in [("?statusType=PAUSED", "INVALID_PARAMETER"), ("", "MISSING_PARAMETER")]:
            status, body = s.json("POST", base + query)
            self.assertEqual((status, body["errorCode"]), (412, code))

    def container_with(self, data):
        status, c = self.sluice.json("POST", "/push/v1/organizations/local/files", {})
        self.assertEqual(status, 201)
        self.assertEqual(self.sluice.upload(c["uploadUri"], data, REQUIRED)[0], 200)
        return c["fileId"]

    def batch_logs(self):
        status, res = self.sluice.json("POST", "/logs/v1/organizations/local",
                                       {"operations": ["BATCH_FILE"]})
        return res["documentLogEntries"]

    def test_batch_from_a_file_container(self):
        s = self.sluice
        self.assertEqual(s.put_document("http://batch/old", {"data": "obsolete marmot"})[0], 202)
        s.wait_for(lambda: s.search("marmot")["totalCount"] == 1, what="the item to delete")
        own = self.container_with(zlib.compress(b"<html><body>referenced capybara</body></html>"))
        batch = {
            "AddOrUpdate": [
                {"DocumentId": "http://batch/a", "Data": "inline tapir", "title": "A"},
                {"documentId": "http://batch/b", "fileExtension": ".html", "compressionType": "DEFLATE",
                 "compressedBinaryData": base64.b64encode(compress("DEFLATE", b"<p>inline okapi</p>")).decode()},
                {"documentId": "http://batch/c", "fileExtension": ".html",
                 "compressedBinaryDataFileId": own},
                {"data": "no id at all"},
            ],
            "Delete": [{"documentId": "http://batch/old"}],
        }
        file_id = self.container_with(json.dumps(batch).encode())
        path = "/push/v1/organizations/local/sources/local-default/documents/batch"
        status, body = s.json("PUT", f"{path}?fileId={file_id}", {})
        self.assertEqual(status, 202, body)
        for word in ("tapir", "okapi", "capybara"):
            s.wait_for(lambda: s.search(word)["totalCount"] == 1, what=word)
        s.wait_for(lambda: s.search("marmot")["totalCount"] == 0, what="the batch delete")
        done = s.wait_for(lambda: [e for e in self.batch_logs() if e["result"] == "COMPLETED"],
                          what="the BATCH_FILE line")
        self.assertEqual(done[0]["meta"]["reason"], "4 operations")
        status, res = s.json("GET", "/logs/v1/organizations/local?results=REJECTED")
        reasons = [e["meta"]["reason"] for e in res["documentLogEntries"]]
        self.assertTrue(any("batch item 4" in r and "documentId" in r for r in reasons), reasons)
        # A batch container is used once.
        status, body = s.json("PUT", f"{path}?fileId={file_id}")
        self.assertEqual((status, body["errorCode"]), (412, "INVALID_PARAMETER"))

        # gzip-compressed and empty batches; a broken one is reported in the log.
        gz = self.container_with(gzip.compress(json.dumps(
            {"addOrUpdate": [{"documentId": "http://batch/gz", "data": "gzipped quokka"}]}).encode()))
        self.assertEqual(s.json("PUT", f"{path}?fileId={gz}&orderingId=5")[0], 202)
        s.wait_for(lambda: s.search("quokka")["totalCount"] == 1, what="the gzip batch")
        empty = self.container_with(b'{"addOrUpdate":[],"delete":[]}')
        self.assertEqual(s.json("PUT", f"{path}?fileId={empty}")[0], 202)
        broken = self.container_with(b'{"addOrUpdate":[{"documentId":"http://batch/z","data":"x"},')
        self.assertEqual(s.json("PUT", f"{path}?fileId={broken}")[0], 202)
        s.wait_for(lambda: any(e["result"] == "ERROR" and "not valid JSON" in e["meta"]["reason"]
                               for e in self.batch_logs()), what="the broken batch's error")
        s.wait_for(lambda: any(e["meta"].get("reason") == "0 operations" for e in self.batch_logs()),
                   what="the empty batch")
        status, body = s.json("PUT", path)
        self.assertEqual((status, body["errorCode"]), (412, "MISSING_PARAMETER"))

    def test_delete_older_than(self):
        s = self.sluice
        for uri, ordering in [("http://old/a", 100), ("http://old/b", 200), ("http://old/c", 300)]:
            self.assertEqual(s.put_document(uri, {"data": f"olderthan{ordering} kiwi"},
                                            query=f"&orderingId={ordering}")[0], 202)
        s.wait_for(lambda: s.search("kiwi")["totalCount"] == 3, what="three kiwis")
        path = "/push/v1/organizations/local/sources/local-default/documents/olderthan"
        status, body = s.json("DELETE", path + "?orderingId=250&queueDelay=0")
        self.assertEqual(status, 202, body)
        res = s.wait_for(lambda: (r := s.search("kiwi"))["totalCount"] == 1 and r,
                         what="the delete older than 250")
        self.assertEqual(res["results"][0]["uri"], "http://old/c")
        # The index commits before the log entries are written, so the log can trail the search.
        entries = s.wait_for(lambda: s.json("GET", "/logs/v1/organizations/local?documentId=http://old/a"
                                                   "&operations=DELETE_OLDER_THAN")[1]["documentLogEntries"],
                             what="the DELETE_OLDER_THAN log line")
        self.assertEqual(entries[0]["result"], "COMPLETED")
        # An add older than the threshold stays out; a newer one comes back.
        self.assertEqual(s.put_document("http://old/a", {"data": "stale kiwi"},
                                        query="&orderingId=150")[0], 202)
        self.assertEqual(s.put_document("http://old/b", {"data": "revived kiwi"},
                                        query="&orderingId=260")[0], 202)
        s.wait_for(lambda: s.search("revived")["totalCount"] == 1, what="the newer add")
        self.assertEqual(s.search("stale")["totalCount"], 0)
        for query, code in [("", "MISSING_PARAMETER"), ("?orderingId=x", "INVALID_PARAMETER"),
                            ("?orderingId=5&queueDelay=-1", "INVALID_PARAMETER")]:
            status, body = s.json("DELETE", path + query)
            self.assertEqual((status, body["errorCode"]), (412, code), query)

    def test_every_compression_type_inline_and_by_container(self):
        s = self.sluice
        kinds = ["UNCOMPRESSED", "ZLIB", "GZIP", "DEFLATE", "LZMA", "LZMA_ALONE"]
        for i, kind in enumerate(kinds):
            wire = "LZMA" if kind == "LZMA_ALONE" else kind
            page = f"<html><title>{kind}</title><body>inline{i}word container{i}word</body></html>"
            data = compress(kind, page.replace(f"container{i}word", "").encode())
            # Inline, compressionType in the body in mixed case (as the Node client sends it).
            status, body = s.put_document(f"http://v/inline-{i}", {
                "compressedBinaryData": base64.b64encode(data).decode(),
                "compressionType": wire.capitalize(), "fileExtension": ".html"})
            self.assertEqual(status, 202, body)
            # By container, compressionType in the query.
            status, container = s.json("POST", "/push/v1/organizations/local/files", {})
            self.assertEqual(status, 201)
            data = compress(kind, page.replace(f"inline{i}word", "").encode())
            self.assertEqual(s.upload(container["uploadUri"], data, REQUIRED)[0], 200)
            status, body = s.put_document(
                f"http://v/container-{i}",
                {"fileExtension": ".html", "compressedBinaryDataFileId": container["fileId"]},
                query=f"&compressionType={wire.lower()}")
            self.assertEqual(status, 202, body)
        for i, kind in enumerate(kinds):
            with self.subTest(kind):
                for where in ("inline", "container"):
                    res = s.wait_for(lambda: (r := s.search(f"{where}{i}word"))["totalCount"] and r,
                                     what=f"{kind} {where}")
                    self.assertEqual(res["results"][0]["uri"], f"http://v/{where}-{i}")
                    self.assertEqual(res["results"][0]["title"], kind)
        status, body = s.put_document("http://v/bad", {"data": "x"}, query="&compressionType=BROTLI")
        self.assertEqual((status, body["errorCode"]), (412, "INVALID_PARAMETER"))
        self.assertIn("BROTLI", body["message"])

    def test_logs_api_filters_and_pages(self):
        s = self.sluice
        for i in range(3):
            self.assertEqual(s.put_document(f"http://logs/ok-{i}", {"data": "fine"})[0], 202)
        bad = base64.b64encode(zlib.compress(b"x" * 10000)[:20]).decode()
        self.assertEqual(s.put_document("http://logs/bad", {"compressedBinaryData": bad})[0], 202)
        s.wait_for(lambda: s.json("GET", "/logs/v1/organizations/local?documentId=http://logs/bad")[1]
                   ["documentLogEntries"], what="the bad item's log line")

        status, res = s.json("POST", "/logs/v1/organizations/local?from=2000-01-01T00:00:00Z"
                             "&to=2999-01-01T00:00:00Z", {"sourcesIds": ["local-default"],
                                                         "results": ["ERROR"], "operations": ["ADD"]})
        self.assertEqual(status, 200, res)
        entries = [e for e in res["documentLogEntries"] if e["id"] == "http://logs/bad"]
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual((e["operation"], e["result"], e["task"], e["sourceId"], e["organizationId"]),
                         ("ADD", "ERROR", "PROCESSING", "local-default", "local"))
        self.assertIn("ZLIB", e["meta"]["reason"])
        self.assertRegex(e["datetime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

        path = "/logs/v1/organizations/local?documentId=http://logs/ok-*&documentIdMatching=WILDCARD"
        status, page0 = s.json("GET", path + "&perPage=2&page=0")
        status, page1 = s.json("GET", path + "&perPage=2&page=1")
        self.assertEqual(len(page0["documentLogEntries"]), 2)
        self.assertTrue(page0["hasNextPage"])
        self.assertEqual(len(page1["documentLogEntries"]), 1)
        self.assertFalse(page1["hasNextPage"])
        ids = {e["id"] for e in page0["documentLogEntries"] + page1["documentLogEntries"]}
        self.assertEqual(ids, {f"http://logs/ok-{i}" for i in range(3)})

        status, res = s.json("POST", "/logs/v1/organizations/local",
                             {"excludeResults": ["COMPLETED"], "operations": ["ADD"]})
        self.assertTrue(res["documentLogEntries"])
        self.assertTrue(all(e["result"] != "COMPLETED" for e in res["documentLogEntries"]))

        for query, word in [("?operations=ADDD", "ADDD"), ("?from=yesterday", "from"),
                            ("?perPage=0", "perPage"), ("?documentIdMatching=FUZZY", "FUZZY")]:
            with self.subTest(query):
                status, res = s.json("GET", "/logs/v1/organizations/local" + query)
                self.assertEqual((status, res["errorCode"]), (412, "INVALID_PARAMETER"))
                self.assertIn(word, res["message"])
        self.assertEqual(s.json("GET", "/logs/v1/organizations/local", key="nope")[0], 401)


class ContainerLimitsTest(SluiceTestCase):
    """A server whose containers expire after 1 s and hold at most 1 MiB."""

    server_args = ("--container-ttl-seconds", "1", "--max-container-bytes", str(1 << 20))

    def container(self):
        status, body = self.sluice.json("POST", "/push/v1/organizations/local/files", {})
        self.assertEqual(status, 201, body)
        return body

    def test_expired_upload_uri_is_access_denied(self):
        c = self.container()
        time.sleep(2.1)
        status, _, body = self.sluice.upload(c["uploadUri"], b"late", REQUIRED)
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        self.assertIn(b"expired", body)

    def test_too_large_upload_is_entity_too_large(self):
        c = self.container()
        status, _, body = self.sluice.upload(c["uploadUri"], b"x" * ((1 << 20) + 1), REQUIRED)
        self.assertEqual(status, 413, body)
        self.assertIn(b"<Code>EntityTooLarge</Code>", body)
        # Chunked, so the size is only known while streaming.
        c = self.container()
        u = urllib.parse.urlsplit(c["uploadUri"])
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        conn.request("PUT", u.path + "?" + u.query, body=iter([b"y" * 65536] * 17),
                     headers=REQUIRED, encode_chunked=True)
        res = conn.getresponse()
        self.assertEqual(res.status, 413)
        self.assertIn(b"<Code>EntityTooLarge</Code>", res.read())
        conn.close()
        # Exactly the limit is fine.
        c = self.container()
        status, _, body = self.sluice.upload(c["uploadUri"], b"x" * (1 << 20), REQUIRED)
        self.assertEqual(status, 200, body)


class RestartTest(unittest.TestCase):
    def test_kill_9_after_202_loses_nothing(self):
        s = Sluice().start()
        try:
            for i in range(20):
                status, body = s.put_document(f"http://x/durable-{i}", {"data": f"durable quokka{i}"})
                self.assertEqual(status, 202, body)
            s.kill9()
            s.start()
            res = s.wait_for(lambda: (r := s.search("durable", numberOfResults=50))["totalCount"] == 20 and r,
                             what="all 20 acknowledged items after kill -9")
            self.assertEqual(len(res["results"]), 20)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
