"""Bad input gets a clear error and nothing else happens: every row (B1-B13) of
docs/reliability/bad-input.md, against the real binary over HTTP and raw sockets.

A "clear error" is a 4xx with Coveo's JSON body naming the problem (400 INVALID_JSON for
bodies, 412 INVALID_PARAMETER for query parameters, as Coveo answers), or, for an item
that is only found to be bad while it is processed, a failed item whose Log Browser line
says why. "Nothing else happens": no item, no log line, no file, the server keeps serving.

The suite ends by printing "bad inputs tried: N", the number of distinct hostile inputs
it sent."""

import base64
import gzip
import http.client
import json
import lzma
import os
import re
import socket
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from sluice_process import (API_KEY, MEMORY_IS_MEASURABLE, REQUIRED, Sluice,  # noqa: E402
                            SluiceTestCase)

DOCS = "/push/v1/organizations/local/sources/local-default/documents"
BATCH = DOCS + "/batch"
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

# (row, label) of every distinct hostile input sent; counted at the end of the run.
TRIED = set()


def tried(row, label):
    TRIED.add((row, label))


def tearDownModule():  # noqa: N802 (unittest's name)
    print(f"\nbad inputs tried: {len(TRIED)}", flush=True)


def b64(data):
    return base64.b64encode(data).decode()


def deflate_raw(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zero_bomb(mib):
    """Raw deflate of `mib` MiB of zeros, built from one fully flushed block (each block
    restarts the compressor, so the same bytes repeat): about 1 KB per MiB."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mib + c.flush(), block


def gzip_zero_bomb(mib):
    body, block = zero_bomb(mib)
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    size = (mib << 20) & 0xFFFFFFFF
    return header + body + crc.to_bytes(4, "little") + size.to_bytes(4, "little")


def xz_with_dictionary(data, dict_byte):
    """An .xz stream whose block header claims another LZMA2 dictionary size
    (byte 37: 1.5 GiB), with the header CRC32 fixed up so that only the size is wrong."""
    xz = bytearray(lzma.compress(data, format=lzma.FORMAT_XZ))
    start = 12  # after the stream header
    size = (xz[start] + 1) * 4
    header = xz[start:start + size]
    at = header.index(b"\x21\x01")  # filter LZMA2, one byte of properties
    header[at + 2] = dict_byte
    header[-4:] = zlib.crc32(bytes(header[:-4])).to_bytes(4, "little")
    xz[start:start + size] = header
    return bytes(xz)


def exchange(port, data, timeout=10.0):
    """Sends `data` on a new connection and reads until the server closes it. Returns what
    was received and whether the server closed the connection (False: still open at the
    timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        try:
            c.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        deadline = time.time() + timeout
        while True:
            c.settimeout(max(0.05, deadline - time.time()))
            try:
                chunk = c.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk


def statuses(raw):
    """The status codes of the HTTP responses in `raw`, in order (each body is skipped by
    its Content-Length)."""
    codes = []
    while raw:
        match = re.match(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n", raw)
        if not match:
            raise AssertionError(f"not an HTTP response: {raw[:200]!r}")
        codes.append(int(match.group(1)))
        length = re.search(rb"(?im)^content-length: *(\d+)", match.group(2))
        raw = raw[match.end() + (int(length.group(1)) if length else 0):]
    return codes


def json_body(raw):
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


class BadInputCase(SluiceTestCase):
    """Helpers shared by the server classes below."""

    def push_raw(self, body, doc_id, query="", headers=None):
        q = urllib.parse.urlencode({"documentId": doc_id})
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        status, _, data = self.sluice.request("PUT", f"{DOCS}?{q}{query}", body=body, headers=h)
        return status, (json.loads(data) if data else None)

    def logs(self, doc_id):
        q = urllib.parse.urlencode({"documentId": doc_id, "perPage": 100})
        status, res = self.sluice.json("GET", f"/logs/v1/organizations/local?{q}")
        self.assertEqual(status, 200, res)
        return res["documentLogEntries"]

    def final_logs(self, doc_ids, timeout=120):
        """Waits until every item has a log line; returns {doc_id: its newest line}."""
        out = {}

        def done():
            for doc_id in doc_ids:
                if doc_id not in out:
                    entries = self.logs(doc_id)
                    if entries:
                        out[doc_id] = max(entries, key=lambda e: e["datetime"])
            return len(out) == len(doc_ids)

        self.sluice.wait_for(done, timeout=timeout, what=f"log lines for {sorted(doc_ids)}")
        return out

    def assert_failed(self, entry, *words):
        self.assertIn(entry["result"], ("ERROR", "REJECTED"), entry)
        for word in words:
            self.assertIn(word, entry["meta"]["reason"], entry)

    def detail(self, doc_id):
        q = urllib.parse.urlencode({"uri": doc_id})
        status, res = self.sluice.json(
            "GET", f"/api/v1/organizations/local/sources/local-default/items/detail?{q}")
        return status, res

    def count(self, word):
        return self.sluice.search(word)["totalCount"]

    def container_with(self, data):
        status, c = self.sluice.json("POST", "/push/v1/organizations/local/files", {})
        self.assertEqual(status, 201, c)
        status, _, body = self.sluice.upload(c["uploadUri"], data, REQUIRED)
        self.assertEqual(status, 200, body)
        return c["fileId"]

    def push_batch(self, items):
        file_id = self.container_with(json.dumps({"addOrUpdate": items}).encode())
        status, body = self.sluice.json("PUT", f"{BATCH}?fileId={file_id}", {})
        self.assertEqual(status, 202, body)

    def assert_healthy(self):
        status, _, _ = self.sluice.request("GET", "/healthz", key=None)
        self.assertEqual(status, 200)
        self.assertIsNone(self.sluice.proc.poll(), "the server died")


class PushBadInputTest(BadInputCase):
    """B1-B4, B9-B11, B13: hostile Push API calls. The data directory sits two levels down
    in a directory of its own, so that a file escaping it would be seen."""

    @classmethod
    def setUpClass(cls):
        cls.outer = tempfile.TemporaryDirectory(prefix="sluice-badin-")
        data_dir = os.path.join(cls.outer.name, "a", "b", "data")
        os.makedirs(data_dir)
        cls.sluice = Sluice(data_dir=data_dir).start()

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()
        cls.outer.cleanup()

    def test_b1_malformed_json_is_400_naming_the_problem(self):
        cases = {
            "truncated": (b'{"data": "abc', "incomplete JSON at byte 13"),
            "trailing garbage": (b'{"data": "abc"} xyz', "extra data at byte 16"),
            "NaN": (b'{"data": "abc", "n": NaN}', "NaN or Infinity"),
            "Infinity": (b'{"data": "abc", "n": -Infinity}', "NaN or Infinity"),
            "100k nested arrays": (b"[" * 100000, "too deep"),
            "100k nested objects": (b'{"a":' * 100000, "too deep"),
            "lone high surrogate": (b'{"data": "\\ud800"}', "lone UTF-16 surrogate"),
            "lone low surrogate": (b'{"data": "\\udc00x"}', "lone UTF-16 surrogate"),
            "invalid UTF-8": (b'{"data": "\xff\xfe"}', "not valid UTF-8 at byte 10"),
            "overlong UTF-8": (b'{"data": "\xc0\xaf"}', "not valid UTF-8 at byte 10"),
            "byte order mark": (b'\xef\xbb\xbf{"data": "abc"}', "byte order mark"),
            "unescaped control character": (b'{"data": "a\x01b"}', "control character"),
            "duplicate key": (b'{"data": "a", "data": "b"}', "duplicate key 'data'"),
            "number beyond a double": (b'{"data": "a", "size": 1e400}', "out of range"),
            "not an object": (b'["data"]', "must be a JSON object"),
        }
        for i, (name, (body, words)) in enumerate(cases.items()):
            with self.subTest(name):
                tried("B1", name)
                answer = self.push_raw(body, f"http://b1/{i}")
                self.assert_error(answer, 400, "INVALID_JSON", words)
        # Nothing was journaled for any of them.
        status, res = self.sluice.json(
            "GET", "/logs/v1/organizations/local?documentId=http://b1/*&documentIdMatching=WILDCARD")
        self.assertEqual(res["documentLogEntries"], [])
        self.assert_healthy()

    def test_b2_wrong_compression_type(self):
        s = self.sluice
        page = b"<html><body>compressed wombat</body></html>"
        # Single push: an unknown or empty value is refused at once, naming it.
        for name, query in [("unknown in query", "&compressionType=ZSTD"),
                            ("empty in query", "&compressionType=")]:
            with self.subTest(name):
                tried("B2", name)
                answer = self.push_raw(json.dumps({"compressedBinaryData": b64(page)}), "http://b2/q",
                                       query=query)
                self.assert_error(answer, 412, "INVALID_PARAMETER", "compression type",
                                        query.split("=")[1], "UNCOMPRESSED, ZLIB")
        for name, value in [("unknown in body", "BROTLI"), ("empty in body", "")]:
            with self.subTest(name):
                tried("B2", name)
                answer = self.push_raw(json.dumps({"compressedBinaryData": b64(page),
                                                   "compressionType": value}), "http://b2/b")
                self.assert_error(answer, 400, "INVALID_JSON", f"'{value}'", "ZLIB")
        self.assertEqual(self.logs("http://b2/q") + self.logs("http://b2/b"), [])

        # Letter case is not an error: Coveo's own clients send "Zlib" and "gzip".
        tried("B2", "mixed case gZiP")
        self.assertEqual(self.push_raw(json.dumps({
            "compressedBinaryData": b64(gzip.compress(page)), "compressionType": "gZiP",
            "fileExtension": ".html"}), "http://b2/case")[0], 202)

        # Mislabelled data is never decoded as something else: the item fails, naming
        # the type it was declared with.
        mislabelled = {
            "http://b2/gzip-as-zlib": (gzip.compress(page), "ZLIB"),
            "http://b2/zlib-as-deflate": (zlib.compress(page), "DEFLATE"),
            "http://b2/xz-as-gzip": (lzma.compress(page), "GZIP"),
            "http://b2/deflate-as-lzma": (deflate_raw(page), "LZMA"),
        }
        for doc_id, (data, declared) in mislabelled.items():
            tried("B2", doc_id)
            status, body = s.put_document(doc_id, {"compressedBinaryData": b64(data),
                                                   "compressionType": declared,
                                                   "fileExtension": ".html"})
            self.assertEqual(status, 202, body)

        # In a batch, bad items fail one by one and the others are indexed.
        tried("B2", "batch: unknown, empty, mislabelled")
        self.push_batch([
            {"documentId": "http://b2/batch-ok-1", "data": "batched numbat"},
            {"documentId": "http://b2/batch-unknown", "compressedBinaryData": b64(page),
             "compressionType": "BROTLI"},
            {"documentId": "http://b2/batch-empty", "compressedBinaryData": b64(page),
             "compressionType": ""},
            {"documentId": "http://b2/batch-mislabelled", "compressedBinaryData": b64(gzip.compress(page)),
             "compressionType": "ZLIB", "fileExtension": ".html"},
            {"documentId": "http://b2/batch-ok-2", "compressedBinaryData": b64(deflate_raw(b"batched quoll")),
             "compressionType": "Deflate"},
        ])
        logs = self.final_logs(list(mislabelled) + [
            "http://b2/case", "http://b2/batch-ok-1", "http://b2/batch-unknown", "http://b2/batch-empty",
            "http://b2/batch-mislabelled", "http://b2/batch-ok-2"])
        for doc_id, (_, declared) in mislabelled.items():
            self.assert_failed(logs[doc_id], declared, "at byte")
        self.assert_failed(logs["http://b2/batch-mislabelled"], "ZLIB", "at byte")
        self.assert_failed(logs["http://b2/batch-unknown"], "BROTLI", "batch item 2")
        self.assert_failed(logs["http://b2/batch-empty"], "unknown compression type ''", "batch item 3")
        for doc_id in ("http://b2/case", "http://b2/batch-ok-1", "http://b2/batch-ok-2"):
            self.assertEqual(logs[doc_id]["result"], "COMPLETED", logs[doc_id])
        for word in ("wombat", "numbat", "quoll"):
            self.assertEqual(self.count(word), 1, word)

    def test_b3_invalid_base64_is_400_naming_the_field(self):
        cases = {
            "bad alphabet": "YWJj$GVm",
            "URL-safe alphabet": "YWJj-_8=",
            "missing padding": "YWJjZA",
            "embedded newline": "YWJj\nZGVm",
            "embedded space": "YWJj ZGVm",
            "length 4n+1": "YWJjZ",
            "data after padding": "YQ==YQ==",
            "only padding": "====",
        }
        for i, (name, value) in enumerate(cases.items()):
            with self.subTest(name):
                tried("B3", name)
                answer = self.push_raw(json.dumps({"compressedBinaryData": value,
                                                   "compressionType": "UNCOMPRESSED"}), f"http://b3/{i}")
                self.assert_error(answer, 400, "INVALID_JSON", "'compressedBinaryData'",
                                        "not valid Base64")
        self.assertEqual(self.logs("http://b3/0"), [])
        # In a batch the item is rejected in the log and its neighbour is indexed.
        tried("B3", "batch item with bad Base64")
        self.push_batch([
            {"documentId": "http://b3/batch-bad", "compressedBinaryData": "YWJj-_8=",
             "compressionType": "UNCOMPRESSED"},
            {"documentId": "http://b3/batch-ok", "compressedBinaryData": b64(b"base64 jerboa"),
             "compressionType": "UNCOMPRESSED"},
        ])
        logs = self.final_logs(["http://b3/batch-bad", "http://b3/batch-ok"])
        self.assert_failed(logs["http://b3/batch-bad"], "'compressedBinaryData'", "Base64")
        self.assertEqual(logs["http://b3/batch-ok"]["result"], "COMPLETED")

    def test_b4_truncated_and_corrupt_streams_fail_the_item_with_an_offset(self):
        s = self.sluice
        text = b"corrupt stream text " * 2000
        z, g, x = zlib.compress(text), gzip.compress(text), lzma.compress(text)
        flip = lambda data, at: data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]  # noqa: E731
        cases = {
            "zlib missing adler32": ("ZLIB", z[:-4], ["ZLIB stream truncated at byte"]),
            "zlib wrong adler32": ("ZLIB", flip(z, len(z) - 1), ["ZLIB data corrupt at byte",
                                                                  "incorrect data check"]),
            "zlib corrupt header": ("ZLIB", b"\x78\x9d" + z[2:], ["ZLIB data corrupt at byte",
                                                                  "incorrect header check"]),
            "gzip wrong CRC32": ("GZIP", flip(g, len(g) - 8), ["GZIP data corrupt at byte",
                                                               "incorrect data check"]),
            "gzip wrong ISIZE": ("GZIP", flip(g, len(g) - 1), ["GZIP data corrupt at byte",
                                                               "incorrect length check"]),
            "deflate cut mid-block": ("DEFLATE", deflate_raw(text)[:40],
                                      ["DEFLATE stream truncated at byte 40"]),
            "xz missing footer": ("LZMA", x[:-12], ["LZMA stream truncated at byte"]),
            "xz corrupt data": ("LZMA", flip(x, 40), ["LZMA data", "at byte"]),
            "zlib trailing garbage": ("ZLIB", z + b"garbage",
                                      ["unexpected 7 bytes after the end of the ZLIB stream"]),
            "gzip trailing garbage": ("GZIP", g + b"\x00\x00junk", ["bytes after the end of the GZIP stream"]),
            "xz trailing garbage": ("LZMA", x + b"junk", ["bytes after the end of the LZMA stream"]),
        }
        ids = {}
        for i, (name, (kind, data, _)) in enumerate(cases.items()):
            tried("B4", name)
            ids[name] = f"http://b4/{i}"
            status, body = s.put_document(ids[name], {"compressedBinaryData": b64(data),
                                                      "compressionType": kind, "fileExtension": ".txt"})
            self.assertEqual(status, 202, body)
        # Several gzip members, with zero padding after them, are one item, decoded in full.
        tried("B4", "multi-member gzip with padding")
        members = b"".join(gzip.compress(f"member{i}word ".encode()) for i in range(8)) + bytes(16)
        status, body = s.put_document("http://b4/members", {"compressedBinaryData": b64(members),
                                                            "compressionType": "GZIP"})
        self.assertEqual(status, 202, body)
        logs = self.final_logs(list(ids.values()) + ["http://b4/members"])
        for name, (_, _, words) in cases.items():
            with self.subTest(name):
                self.assert_failed(logs[ids[name]], *words)
                status, detail = self.detail(ids[name])
                self.assertEqual(detail["state"], "FAILED", detail)
        self.assertEqual(logs["http://b4/members"]["result"], "COMPLETED")
        for i in range(8):
            self.assertEqual(self.count(f"member{i}word"), 1, i)

    def test_b9_hostile_document_ids(self):
        s = self.sluice
        # Accepted, stored as opaque strings and compared exactly: each is its own item.
        opaque = {
            "path traversal": "../../etc/passwd",
            "encoded traversal": "file:///x/%2e%2e/%2e%2e/",
            "query and fragment": "http://b9/page?q=1#frag",
            "NFC": "http://b9/caf\u00e9",
            "NFD": "http://b9/cafe\u0301",
            "upper case": "http://b9/Case",
            "lower case": "http://b9/case",
            "no trailing slash": "http://b9/dir",
            "trailing slash": "http://b9/dir/",
        }
        for i, (name, doc_id) in enumerate(opaque.items()):
            tried("B9", name)
            status, body = s.put_document(doc_id, {"data": f"opaqueid{i}word"})
            self.assertEqual(status, 202, (name, body))
        # Refused before anything is stored: 412, as every bad query parameter.
        refused = {
            "NUL": ("http://b9/a\x00b", "control character 0x00"),
            "CR": ("http://b9/a\rb", "control character 0x0d"),
            "LF": ("http://b9/a\nb", "control character 0x0a"),
            "CRLF header injection": ("http://b9/a\r\nSet-Cookie: x=1", "control character 0x0d"),
            "9 KiB id": ("http://b9/" + "x" * 9216, "at most 8192"),
        }
        for name, (doc_id, words) in refused.items():
            with self.subTest(name):
                tried("B9", name)
                self.assert_error(s.put_document(doc_id, {"data": "refused"}), 412,
                                        "INVALID_PARAMETER", "documentId", words)
        tried("B9", "invalid UTF-8 id")
        self.assert_error(s.json("PUT", f"{DOCS}?documentId=http://b9/%FF", {"data": "x"}), 412,
                                "INVALID_PARAMETER", "not valid UTF-8")
        tried("B9", "NUL id in a delete")
        self.assert_error(s.json("DELETE", f"{DOCS}?documentId=http://b9/a%00b"), 412,
                                "INVALID_PARAMETER", "control character 0x00")
        # A 64 KiB id does not fit in a request line (431); in a batch it is rejected alone.
        tried("B9", "64 KiB id in the query")
        status, _, _ = s.request("PUT", f"{DOCS}?documentId=http://b9/{'y' * 65536}", body={"data": "x"})
        self.assertEqual(status, 431)
        tried("B9", "64 KiB id in a batch")
        self.push_batch([{"documentId": "http://b9/" + "z" * 65536, "data": "long"},
                         {"documentId": "http://b9/short", "data": "batchedid word"}])
        s.wait_for(lambda: self.count("batchedid") == 1, what="the batch's good item")
        rejected = s.wait_for(lambda: [
            e for e in s.json("GET", "/logs/v1/organizations/local?results=REJECTED&perPage=1000")[1]
            ["documentLogEntries"] if "at most 8192" in e["meta"]["reason"]], what="the long id's rejection")
        self.assertIn("batch item 1", rejected[0]["meta"]["reason"])

        for i, (name, doc_id) in enumerate(opaque.items()):
            with self.subTest(name):
                res = s.wait_for(lambda: (r := s.search(f"opaqueid{i}word"))["totalCount"] and r,
                                 what=name)
                self.assertEqual(res["totalCount"], 1)
                self.assertEqual(res["results"][0]["uri"], doc_id)
                status, detail = self.detail(doc_id)
                self.assertEqual((status, detail["uri"]), (200, doc_id))
        # Nothing was written outside the data directory.
        outside = [os.path.join(d, f) for d, _, files in os.walk(self.outer.name) for f in files
                   if not os.path.join(d, f).startswith(s.data_dir + os.sep)]
        self.assertEqual(outside, [])
        inside = [f for _, _, files in os.walk(s.data_dir) for f in files if "passwd" in f or ".." in f]
        self.assertEqual(inside, [])

    def test_b10_unicode(self):
        s = self.sluice
        for name, body in [("invalid UTF-8 in a title", b'{"data": "x", "title": "bad \xff title"}'),
                           ("invalid UTF-8 in a metadata array",
                            b'{"data": "x", "tags": ["ok", "\xed\xa0\x80"]}'),
                           ("invalid UTF-8 in a metadata name", b'{"data": "x", "t\xffg": "v"}')]:
            with self.subTest(name):
                tried("B10", name)
                self.assert_error(self.push_raw(body, "http://b10/meta"), 400, "INVALID_JSON",
                                        "not valid UTF-8")
        self.assertEqual(self.logs("http://b10/meta"), [])

        # Item bytes that are not UTF-8 are decoded from the charset ICU detects (here
        # windows-1252): valid UTF-8 comes out, and the words around them are kept.
        tried("B10", "invalid UTF-8 in the item text")
        status, body = s.put_document("http://b10/text", {
            "compressedBinaryData": b64(b"valid okapiword \xff\xfe\xc0\xaf broken then wapitiword"),
            "compressionType": "UNCOMPRESSED", "fileExtension": ".txt"})
        self.assertEqual(status, 202, body)
        # CJK, emoji and a right-to-left override round-trip unchanged.
        tried("B10", "CJK, emoji and RTL override")
        title = "\u5bff\u53f8 \U0001F363 \u202egnp.exe"
        status, body = s.put_document("http://b10/cjk", {
            "data": "\u6771\u4eac\u30bf\u30ef\u30fc \U0001F363 sushi", "title": title})
        self.assertEqual(status, 202, body)
        logs = self.final_logs(["http://b10/text", "http://b10/cjk"])
        self.assertEqual(logs["http://b10/text"]["result"], "COMPLETED")
        status, detail = self.detail("http://b10/text")
        self.assertIn("okapiword \u00ff\u00fe\u00c0\u00af broken", detail["text"])
        self.assertTrue(detail["text"].endswith("wapitiword"), detail["text"])
        self.assertEqual(self.count("wapitiword"), 1)
        res = s.search("\u6771\u4eac\u30bf\u30ef\u30fc")
        self.assertEqual([r["uri"] for r in res["results"]], ["http://b10/cjk"])
        self.assertEqual(res["results"][0]["title"], title)
        status, detail = self.detail("http://b10/cjk")
        self.assertIn("\U0001F363", detail["text"])

    def test_b11_ordering_ids(self):
        s = self.sluice
        for value in ["abc", "1.5", "-9223372036854775808", "18446744073709551616", "1e3", "0x10",
                      "+5", " 5", ""]:
            with self.subTest(value):
                tried("B11", value)
                q = urllib.parse.urlencode({"orderingId": value})
                self.assert_error(s.put_document("http://b11/bad", {"data": "x"}, query=f"&{q}"),
                                        412, "INVALID_PARAMETER", "orderingId", f"'{value}'")
        self.assertEqual(self.logs("http://b11/bad"), [])
        # orderingId is unsigned 64-bit (Coveo's Crawling Module sends values above 2^63).
        tried("B11", "2^63")
        self.assertEqual(s.put_document("http://b11/big", {"data": "bigorder"},
                                        query="&orderingId=9223372036854775808")[0], 202)
        # An equal orderingId is accepted, then ignored: the stored version stays.
        self.assertEqual(s.put_document("http://b11/same", {"data": "first gecko"},
                                        query="&orderingId=100")[0], 202)
        s.wait_for(lambda: self.count("gecko") == 1, what="the first version")
        tried("B11", "equal orderingId")
        self.assertEqual(s.put_document("http://b11/same", {"data": "equal iguana"},
                                        query="&orderingId=100")[0], 202)
        tried("B11", "older orderingId")
        self.assertEqual(s.put_document("http://b11/same", {"data": "older skink"},
                                        query="&orderingId=99")[0], 202)
        s.wait_for(lambda: len(self.logs("http://b11/same")) == 3, what="all three versions")
        reasons = sorted(e["meta"]["reason"] for e in self.logs("http://b11/same") if e["result"] == "SKIPPED")
        self.assertEqual(reasons, ["orderingId 100 not newer than 100", "orderingId 99 not newer than 100"])
        self.assertEqual((self.count("gecko"), self.count("iguana"), self.count("skink")), (1, 0, 0))
        s.wait_for(lambda: self.count("bigorder") == 1, what="the 2^63 item")

    def test_b13_type_confusion(self):
        s = self.sluice
        page = (b"<!DOCTYPE html><html><head><title>Mislabelled page</title></head>"
                b"<body><p>pdfnamed kinkajou</p></body></html>")
        file_id = self.container_with(zlib.compress(b"container tamarin"))
        cases = {
            # Coveo's order when several data keys are sent: file container, then
            # compressedBinaryData, then data. The others are ignored.
            "data and compressedBinaryData": ("http://b13/both", {
                "data": "ignored dataword", "compressedBinaryData": b64(b"binary margay"),
                "compressionType": "UNCOMPRESSED", "fileExtension": ".txt"}),
            "data and a file container": ("http://b13/both-file", {
                "data": "ignored dataword", "compressedBinaryDataFileId": file_id,
                "fileExtension": ".txt"}),
            "zero-byte data": ("http://b13/empty-data", {"data": "", "title": "zerodata title"}),
            "zero-byte UNCOMPRESSED": ("http://b13/empty-raw", {
                "compressedBinaryData": "", "compressionType": "UNCOMPRESSED", "title": "zeroraw title"}),
            "zero-byte ZLIB": ("http://b13/empty-zlib", {"compressedBinaryData": ""}),
            ".pdf extension on HTML bytes": ("http://b13/html.pdf", {
                "compressedBinaryData": b64(zlib.compress(page)), "fileExtension": ".pdf"}),
            ".pdf extension on binary bytes": ("http://b13/binary.pdf", {
                "compressedBinaryData": b64(b"%PDF-1.7\n" + bytes(range(256)) * 40),
                "compressionType": "UNCOMPRESSED", "fileExtension": ".pdf"}),
        }
        for name, (doc_id, body) in cases.items():
            tried("B13", name)
            status, res = s.put_document(doc_id, body)
            self.assertEqual(status, 202, (name, res))
        logs = self.final_logs([doc_id for doc_id, _ in cases.values()])
        self.assertEqual(self.count("margay"), 1)
        self.assertEqual(self.count("tamarin"), 1)
        self.assertEqual(self.count("dataword"), 0)
        for doc_id in ("http://b13/empty-data", "http://b13/empty-raw"):
            self.assertEqual(logs[doc_id]["result"], "COMPLETED", logs[doc_id])
            status, detail = self.detail(doc_id)
            self.assertEqual((detail["state"], detail["text"]), ("INDEXED", ""), detail)
        self.assertEqual(self.count("zerodata"), 1)
        self.assertEqual(self.count("zeroraw"), 1)
        self.assert_failed(logs["http://b13/empty-zlib"], "empty input", "ZLIB")
        # The bytes are HTML: parsed as HTML, so the markup is not indexed as words.
        self.assertEqual(logs["http://b13/html.pdf"]["result"], "COMPLETED")
        res = s.search("kinkajou")
        self.assertEqual(res["results"][0]["title"], "Mislabelled page")
        self.assertEqual(res["results"][0]["raw"]["filetype"], "html")
        self.assertEqual(self.count("doctype"), 0)
        # A PDF header on bytes poppler cannot read: the extraction child says so.
        self.assert_failed(logs["http://b13/binary.pdf"], "not a readable PDF")


class HostileContentTest(BadInputCase):
    """B5 and B12: bombs and hostile documents, each failing (or indexed) alone while the
    server's peak memory stays put. A server of their own, so that its memory is theirs."""

    def setUp(self):
        # Warm up once (index, pipeline, caches) so that VmHWM measures the bombs only.
        if not getattr(HostileContentTest, "_warm", False):
            self.sluice.put_document("http://warm/up", {"data": "warm up " * 1000})
            self.sluice.wait_for(lambda: self.count("warm") == 1, what="the warm-up item")
            HostileContentTest._warm = True

    def test_b5_decompression_bombs(self):
        s = self.sluice
        hwm_before = s.peak_rss_kib()
        deflate_bomb, _ = zero_bomb(1100)  # ~1.1 GB of zeros in ~1.1 MB
        gzip_bomb = gzip_zero_bomb(1100)
        xz_bomb = lzma.compress(bytes(64 << 20), format=lzma.FORMAT_XZ, preset=0)
        huge_dictionary = xz_with_dictionary(b"tiny", 37)  # claims a 1.5 GiB dictionary
        self.assertLess(len(deflate_bomb), 1200 << 10)

        tried("B5", "inline Base64 deflate bomb")
        status, body = s.put_document("http://b5/deflate", {
            "compressedBinaryData": b64(deflate_bomb), "compressionType": "DEFLATE",
            "fileExtension": ".html"})
        self.assertEqual(status, 202, body)
        tried("B5", "gzip bomb in a file container")
        status, body = s.put_document("http://b5/gzip", {
            "compressedBinaryDataFileId": self.container_with(gzip_bomb), "fileExtension": ".txt"},
            query="&compressionType=GZIP")
        self.assertEqual(status, 202, body)
        tried("B5", "xz bomb")
        status, body = s.put_document("http://b5/xz", {
            "compressedBinaryData": b64(xz_bomb), "compressionType": "LZMA"})
        self.assertEqual(status, 202, body)
        tried("B5", "xz with a 1.5 GiB dictionary")
        status, body = s.put_document("http://b5/dictionary", {
            "compressedBinaryData": b64(huge_dictionary), "compressionType": "LZMA"})
        self.assertEqual(status, 202, body)
        tried("B5", "bombs inside a batch")
        self.push_batch([
            {"documentId": "http://b5/batch-bomb", "compressedBinaryData": b64(deflate_bomb),
             "compressionType": "DEFLATE"},
            {"documentId": "http://b5/batch-ok-1", "data": "survivor aardvark"},
            {"documentId": "http://b5/batch-dictionary", "compressedBinaryData": b64(huge_dictionary),
             "compressionType": "LZMA"},
            {"documentId": "http://b5/batch-ok-2",
             "compressedBinaryData": b64(zlib.compress(b"survivor pangolin"))},
        ])
        logs = self.final_logs(["http://b5/deflate", "http://b5/gzip", "http://b5/xz", "http://b5/dictionary",
                                "http://b5/batch-bomb", "http://b5/batch-ok-1", "http://b5/batch-dictionary",
                                "http://b5/batch-ok-2"])
        for doc_id in ("http://b5/deflate", "http://b5/gzip", "http://b5/xz", "http://b5/batch-bomb"):
            self.assert_failed(logs[doc_id], "decompression bomb")
        for doc_id in ("http://b5/dictionary", "http://b5/batch-dictionary"):
            self.assert_failed(logs[doc_id], "MiB of memory to decompress", "more than the limit of 256 MiB")
        self.assertEqual(self.count("survivor"), 2)
        grown = s.peak_rss_kib() - hwm_before
        print(f"\nB5 peak RSS before {hwm_before} KiB, growth {grown} KiB", file=sys.stderr)
        if MEMORY_IS_MEASURABLE:
            self.assertLess(grown, 64 << 10, "peak RSS grew by more than 64 MiB")
        self.assert_healthy()

    def test_b12_hostile_html_and_xml(self):
        s = self.sluice
        # Each entity is ten of the one before: &lol9; would be 10^9 "lol"s.
        laughs = '<!ENTITY lol0 "lol">' + "".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
        billion = f'<?xml version="1.0"?><!DOCTYPE lolz [{laughs}]><lolz>&lol9; laughsword</lolz>'
        xxe = ('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               "<foo>&xxe; xxeword</foo>")
        xxe_param = ('<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY % xxe SYSTEM "file:///etc/passwd"> %xxe;]>'
                     "<foo>paramword</foo>")
        xinclude = ('<foo xmlns:xi="http://www.w3.org/2001/XInclude">'
                    '<xi:include href="file:///etc/passwd" parse="text"/> xincludeword</foo>')
        html_xxe = ('<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    "<html><body><p>&xxe; htmlxxeword</p></body></html>")
        nested = "<div>" * 1_000_000 + "deepword" + "</div>" * 1_000_000
        # A 300-byte random block repeated compresses about 100:1: a big attribute, not a bomb.
        block = base64.b64encode(os.urandom(225)).decode()
        attribute = ('<html><body><p title="' + block * ((20 << 20) // len(block)) +
                     '">attrword</p><p>afterword</p></body></html>')
        cases = {
            "billion laughs (.xml)": ("http://b12/laughs.xml", billion, ".xml"),
            "billion laughs (.html)": ("http://b12/laughs.html", billion, ".html"),
            "XXE to /etc/passwd (.xml)": ("http://b12/xxe.xml", xxe, ".xml"),
            "XXE to /etc/passwd (.html)": ("http://b12/xxe.html", html_xxe, ".html"),
            "parameter entity XXE": ("http://b12/param.xml", xxe_param, ".xml"),
            "XInclude of /etc/passwd": ("http://b12/xinclude.xml", xinclude, ".xml"),
            "1M nested tags (.html)": ("http://b12/nested.html", nested, ".html"),
            "1M nested tags (.xml)": ("http://b12/nested.xml", nested, ".xml"),
            "20 MB attribute": ("http://b12/attribute.html", attribute, ".html"),
        }
        for name, (doc_id, text, extension) in cases.items():
            tried("B12", name)
            status, body = s.put_document(doc_id, {
                "compressedBinaryData": b64(zlib.compress(text.encode())), "fileExtension": extension})
            self.assertEqual(status, 202, (name, body))
        logs = self.final_logs([doc_id for doc_id, _, _ in cases.values()])
        for name, (doc_id, _, _) in cases.items():
            with self.subTest(name):
                # Indexed, or failed with a reason: either way alone.
                entry = logs[doc_id]
                self.assertIn(entry["result"], ("COMPLETED", "ERROR"), entry)
                if entry["result"] == "ERROR":
                    self.assertTrue(entry["meta"]["reason"], entry)
                status, detail = self.detail(doc_id)
                self.assertEqual(status, 200)
                self.assertNotIn("root:x:0:0", detail.get("text", ""))
                if "laughs" in doc_id:
                    self.assertLess(len(detail.get("text", "")), 10000, "entities were expanded")
        # No file's content reached the index.
        for word in ("nologin", "bash", "daemon"):
            self.assertEqual(self.count(word), 0, word)
        for word in ("xxeword", "paramword", "xincludeword", "htmlxxeword", "laughsword"):
            self.assertGreaterEqual(self.count(word), 1, word)
        self.assert_healthy()


class HttpBadInputTest(BadInputCase):
    """B6-B8: what reaches the HTTP layer. Short deadlines so that they show quickly."""

    server_args = ("--header-timeout-seconds", "2", "--body-timeout-seconds", "2",
                   "--min-body-bytes-per-second", "1024")

    def request_bytes(self, method, target, headers=(), body=b"", version="HTTP/1.1"):
        lines = [f"{method} {target} {version}", "Host: 127.0.0.1", f"Authorization: Bearer {API_KEY}",
                 *headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def test_b6_oversized_and_misframed_requests(self):
        s = self.sluice
        port = s.port
        # A chunked push body over 6 MiB: 413 while streaming, without a Content-Length.
        tried("B6", "chunked push body over 6 MiB")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("PUT", f"{DOCS}?documentId=http://b6/big", body=iter([b"x" * 65536] * 100),
                     headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
                     encode_chunked=True)
        res = conn.getresponse()
        body = json.loads(res.read())
        conn.close()
        self.assertEqual((res.status, body["errorCode"]), (413, "REQUEST_ENTITY_TOO_LARGE"), body)
        self.assertIn("6291456", body["message"])

        # Content-Length larger than the body: closed, without an answer, at the body deadline.
        tried("B6", "Content-Length larger than the body")
        started = time.time()
        raw, closed = exchange(port, self.request_bytes(
            "POST", "/rest/search/v2", ["Content-Type: application/json", "Content-Length: 100"], b'{"q":'))
        waited = time.time() - started
        self.assertTrue(closed)
        self.assertEqual(raw, b"")
        self.assertGreater(waited, 1.5)
        self.assertLess(waited, 6)

        # Content-Length smaller than the body: the rest is read as the next request, and
        # garbage there is a 400 that closes the connection.
        tried("B6", "Content-Length smaller than the body")
        raw, closed = exchange(port, self.request_bytes(
            "POST", "/rest/search/v2", ["Content-Type: application/json", "Content-Length: 2"],
            b"{}GARBAGE\r\n\r\n"))
        self.assertEqual(statuses(raw), [200, 400], raw)
        self.assertTrue(closed)

        # Headers over the 16 KiB limit, however they are spread: 431.
        for name, headers, target in [
                ("one 20 KB header", [f"X-Big: {'a' * 20000}"], "/healthz"),
                ("1,000 headers of 20 bytes", [f"X-H-{i:04d}: {'v' * 12}" for i in range(1000)], "/healthz"),
                ("64 KB request line", [], "/healthz?" + "q" * 65536)]:
            with self.subTest(name):
                tried("B6", name)
                raw, closed = exchange(port, self.request_bytes("GET", target, headers))
                self.assertEqual(statuses(raw), [431], raw[:300])
                self.assertEqual(json_body(raw)["errorCode"], "REQUEST_HEADER_FIELDS_TOO_LARGE")
                self.assertTrue(closed)
        # 1,000 short headers fit in the limit and are served: the byte limit bounds them.
        tried("B6", "1,000 short headers")
        raw, _ = exchange(port, self.request_bytes("GET", "/healthz", [f"X-{i}: v" for i in range(1000)]
                                                   + ["Connection: close"]))
        self.assertEqual(statuses(raw), [200], raw[:300])
        self.assert_healthy()

    def test_b7_smuggling_variants_get_one_400_and_close(self):
        search = ["Content-Type: application/json"]
        variants = {
            "CL then TE chunked": (search + ["Content-Length: 5", "Transfer-Encoding: chunked"], b"0\r\n\r\n"),
            "TE chunked then CL": (search + ["Transfer-Encoding: chunked", "Content-Length: 5"], b"0\r\n\r\n"),
            "TE gzip then CL": (search + ["Transfer-Encoding: gzip", "Content-Length: 2"], b"{}"),
            "CL then TE gzip": (search + ["Content-Length: 2", "Transfer-Encoding: gzip"], b"{}"),
            "TE gzip alone": (search + ["Transfer-Encoding: gzip"], b"{}"),
            "TE identity": (search + ["Transfer-Encoding: identity"], b"{}"),
            "TE chunked, identity": (search + ["Transfer-Encoding: chunked, identity"], b"0\r\n\r\n"),
            "two TE lines": (search + ["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"], b"0\r\n\r\n"),
            "two different CL": (search + ["Content-Length: 2", "Content-Length: 40"], b"{}"),
            "CL with a sign": (search + ["Content-Length: +2"], b"{}"),
            "space before the colon": (search + ["Transfer-Encoding : chunked"], b"0\r\n\r\n"),
            "obs-fold of TE": (search + ["Transfer-Encoding:", " chunked"], b"0\r\n\r\n"),
            "obs-fold of another header": (search + ["X-Folded: a", "\tb", "Content-Length: 2"], b"{}"),
            "huge chunk size": (search + ["Transfer-Encoding: chunked"], b"ffffffffffffffffff\r\n"),
        }
        for name, (headers, body) in variants.items():
            with self.subTest(name):
                tried("B7", name)
                raw, closed = exchange(self.sluice.port,
                                       self.request_bytes("POST", "/rest/search/v2", headers, body) + SMUGGLED)
                self.assertEqual(statuses(raw), [400], raw)
                self.assertEqual(json_body(raw)["errorCode"], "INVALID_REQUEST")
                self.assertTrue(closed, "the connection stayed open")
        tried("B7", "TE chunked on HTTP/1.0")
        raw, closed = exchange(self.sluice.port, self.request_bytes(
            "POST", "/rest/search/v2", search + ["Transfer-Encoding: chunked"], b"0\r\n\r\n",
            version="HTTP/1.0") + SMUGGLED)
        self.assertEqual(statuses(raw), [400], raw)
        self.assertIn(b"not allowed on HTTP/1.0", raw)
        self.assertTrue(closed)
        self.assert_healthy()

    def test_b8_slowloris_and_slow_bodies_are_cut_off(self):
        port = self.sluice.port
        results = {}

        def trickle(name, prefix, per_byte_s, total_s=8):
            """Sends `prefix`, then one byte every per_byte_s; records when the server cut it
            off and what it answered (nothing is expected: a deadline closes silently)."""
            started = time.time()
            answer = b""
            with socket.create_connection(("127.0.0.1", port), timeout=total_s + 2) as c:
                c.sendall(prefix)
                try:
                    while time.time() - started < total_s:
                        time.sleep(per_byte_s)
                        c.sendall(b"a")
                        c.settimeout(0.01)
                        try:
                            chunk = c.recv(4096)
                            if chunk == b"":
                                break
                            answer += chunk
                        except socket.timeout:
                            pass
                except (BrokenPipeError, ConnectionResetError):
                    pass
            results[name] = (time.time() - started, answer)

        status, c = self.sluice.json("POST", "/push/v1/organizations/local/files", {})
        upload = urllib.parse.urlsplit(c["uploadUri"])
        slow = {
            **{f"slowloris {i}": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", 0.5) for i in range(20)},
            "push body at 1 byte/s": (self.request_bytes(
                "PUT", f"{DOCS}?documentId=http://b8/slow", ["Content-Type: application/json",
                                                            "Content-Length: 1000"]), 1.0),
            "upload body at 1 byte/s": ((f"PUT {upload.path}?{upload.query} HTTP/1.1\r\nHost: {upload.netloc}\r\n"
                                         "x-amz-server-side-encryption: AES256\r\n"
                                         "Content-Type: application/octet-stream\r\n"
                                         "Content-Length: 1000\r\n\r\n").encode(), 1.0),
        }
        threads = [threading.Thread(target=trickle, args=(name, prefix, rate)) for name, (prefix, rate)
                   in slow.items()]
        for name in slow:
            tried("B8", name.split(" ")[0] if name.startswith("slowloris") else name)
        for t in threads:
            t.start()
        # Meanwhile a healthy client is served as usual.
        latencies = []
        started = time.time()
        while time.time() - started < 5:
            t0 = time.time()
            status, _, _ = self.sluice.request("GET", "/healthz", key=None)
            latencies.append(time.time() - t0)
            self.assertEqual(status, 200)
            time.sleep(0.1)
        for t in threads:
            t.join()
        for name, (took, answer) in results.items():
            self.assertLess(took, 5, f"{name} was served for {took:.1f} s")
            self.assertGreater(took, 1.5, name)
            self.assertEqual(answer, b"", name)
        self.assertEqual(len(results), len(slow))
        latencies.sort()
        self.assertLess(latencies[int(len(latencies) * 0.99) - 1], 1.0, latencies)
        # The slow push never became an item.
        self.assertEqual(self.logs("http://b8/slow"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
