"""Starts the real `sluice serve` binary for end-to-end tests and talks to it over HTTP."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

API_KEY = "xx-e2e-0000-test-key"
# The two headers an upload URI is signed with (a file container's requiredHeaders).
REQUIRED = {"x-amz-server-side-encryption": "AES256", "Content-Type": "application/octet-stream"}

# A sanitizer build's allocator keeps freed memory in quarantine and adds shadow memory, so
# the server's RSS says nothing about Sluice's own use there: memory bounds are asserted
# only without one (ctest sets SLUICE_SANITIZER for sanitizer builds).
MEMORY_IS_MEASURABLE = not os.environ.get("SLUICE_SANITIZER")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sluice:
    """One server process on 127.0.0.1 with its own data directory."""

    def __init__(self, data_dir=None, extra_args=(), extra_env=None):
        self.extra_args = list(extra_args)
        self.extra_env = dict(extra_env or {})
        self.binary = os.environ["SLUICE_BIN"]
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sluice-e2e-")
            data_dir = self._tmp.name
        self.data_dir = data_dir
        self.port = free_port()
        self.proc = None

    def start(self):
        env = dict(os.environ, SLUICE_API_KEY=API_KEY, **self.extra_env)
        # Output goes to a file, not a pipe nobody drains, so the server can never
        # block on a full pipe during a long test.
        self.log_path = os.path.join(self.data_dir, "server.log")
        start_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--data-dir", self.data_dir,
                 "--listen", f"127.0.0.1:{self.port}", *self.extra_args],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            with open(self.log_path) as f:
                f.seek(start_offset)
                text = f.read()
            # A JSON log line by default, the text banner with --log-format text.
            if re.search(rf"Sluice listening on http://127\.0\.0\.1:{self.port}[\"\n]", text):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sluice did not start: {text!r}")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def cleanup(self):
        self.stop()
        if self._tmp:
            self._tmp.cleanup()

    def peak_rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return -1

    # HTTP helpers ---------------------------------------------------------------

    def request(self, method, path, body=None, headers=None, key=API_KEY):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        h = dict(headers or {})
        if key is not None:
            h.setdefault("Authorization", f"Bearer {key}")
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, dict(res.getheaders()), data

    def json(self, method, path, body=None, headers=None, key=API_KEY):
        status, headers, data = self.request(method, path, body, headers, key)
        return status, (json.loads(data) if data else None)

    def put_document(self, uri, body, prefix="/push/v1", source="local-default", query=""):
        q = urllib.parse.urlencode({"documentId": uri})
        return self.json("PUT", f"{prefix}/organizations/local/sources/{source}/documents?{q}{query}",
                         body)

    def search(self, q, **extra):
        status, res = self.json("POST", "/rest/search/v2", dict(q=q, **extra))
        assert status == 200, res
        return res

    def wait_for(self, predicate, timeout=180, what="condition"):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")

    # Platform API: organizations, sources, keys; file containers ------------------------

    def _created(self, method, path, body=None, key=API_KEY):
        status, res = self.json(method, path, body, key=key)
        if status != 201:
            raise AssertionError(f"{method} {path}: {status} {res}")
        return res

    def create_organization(self, name, key=API_KEY):
        """A new organization: {"id", "apiKey": {"value", ...}} (its first admin key)."""
        query = urllib.parse.urlencode({"name": name})
        return self._created("POST", f"/rest/organizations?{query}", key=key)

    def create_source(self, name, source_type="PUSH", key=API_KEY, org="local", **extra):
        body = dict(sourceType=source_type, name=name, sourceVisibility="SECURED",
                    pushEnabled=True, **extra)
        return self._created("POST", f"/rest/organizations/{org}/sources", body, key=key)

    def create_key(self, privileges, source_ids=None, name="test key", key=API_KEY, org="local"):
        body = {"displayName": name, "privileges": privileges}
        if source_ids is not None:
            body["sourceIds"] = source_ids
        return self._created("POST", f"/rest/organizations/{org}/apikeys", body, key=key)

    def create_container(self, key=API_KEY, org="local", prefix="/push/v1"):
        """{uploadUri, fileId, requiredHeaders}"""
        return self._created("POST", f"{prefix}/organizations/{org}/files", {}, key=key)

    def upload(self, upload_uri, body, headers):
        """PUTs bytes (or a file-like object) to a pre-signed uploadUri."""
        u = urllib.parse.urlsplit(upload_uri)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        target = u.path + ("?" + u.query if u.query else "")
        conn.putrequest("PUT", target, skip_accept_encoding=True)
        length = len(body) if isinstance(body, (bytes, bytearray)) else None
        for k, v in headers.items():
            conn.putheader(k, v)
        if length is not None:
            conn.putheader("Content-Length", str(length))
        conn.endheaders()
        if isinstance(body, (bytes, bytearray)):
            view = memoryview(body)
            for i in range(0, len(view), 1 << 20):
                conn.send(view[i:i + (1 << 20)])
        res = conn.getresponse()
        data = res.read()
        conn.close()
        return res.status, dict(res.getheaders()), data


class SluiceTestCase(unittest.TestCase):
    """Test classes that share one server; `server_args` are extra `serve` flags."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.sluice = Sluice(extra_args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()

    def assert_error(self, answer, status, error_code, *words):
        """A Coveo error body: the status, its errorCode, and each word in its message."""
        got_status, body = answer
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["errorCode"], error_code, body)
        self.assertEqual(body["statusCode"], status, body)
        for word in words:
            self.assertIn(word, body["message"])
