"""Operating Sluice: settings (flags > environment > file), /metrics, JSON logs with request
ids, /readyz, graceful SIGTERM, systemd notifications, and backup/restore, all against the real
`sluice` binary."""

import base64
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import zlib

from sluice_process import API_KEY, REQUIRED, Sluice

BIN = os.environ["SLUICE_BIN"]
METRICS_TOKEN = "xx-metrics-token-0123"
DOCS = "/push/v1/organizations/local/sources/local-default/documents"


def run(*args, env=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **(env or {})))


def samples(text):
    """{'name{labels}': value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def log_lines(sluice):
    with open(sluice.log_path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class SettingsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="sluice-settings-")
        self.addCleanup(self.tmp.cleanup)

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def effective(self, *args, env=None):
        done = run("serve", *args, "--print-config", env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        return dict(line.split(" = ", 1) for line in done.stdout.splitlines())

    def test_flags_win_over_environment_which_wins_over_the_file(self):
        conf = self.write("sluice.conf", "# a comment\n\nworkers = 3\nrate-limit = 50\n"
                          f"data-dir = {self.tmp.name}/data\nmetrics-token = {METRICS_TOKEN}\n"
                          "ignore-queue-delay = true\nlog-format = text\n")
        got = self.effective("--config", conf, "--workers", "4",
                             env={"SLUICE_RATE_LIMIT": "60", "SLUICE_WORKERS": "5",
                                  "SLUICE_MAX_TEXT_BYTES": "1000"})
        self.assertEqual(got["workers"], "4")          # flag over environment and file
        self.assertEqual(got["rate-limit"], "60")      # environment over file
        self.assertEqual(got["max-text-bytes"], "1000")  # environment over default
        self.assertEqual(got["data-dir"], f"{self.tmp.name}/data")  # file over default
        self.assertEqual(got["ignore-queue-delay"], "true")
        self.assertEqual(got["log-format"], "text")
        self.assertEqual(got["listen"], "127.0.0.1:8080")  # the default
        self.assertEqual(got["metrics-token"], "(set, not shown)")
        # SLUICE_CONFIG names the file as --config does.
        self.assertEqual(self.effective(env={"SLUICE_CONFIG": conf})["workers"], "3")
        done = run("serve", "--config", conf, "--print-config", "--api-key", "xx-secret-key")
        self.assertNotIn("xx-secret-key", done.stdout)
        self.assertNotIn(METRICS_TOKEN, done.stdout)

    def test_every_mistake_gets_one_line_and_exit_2(self):
        conf = self.write("bad.conf", "workers = 2\nbogus = 1\nlisten 127.0.0.1:1\n"
                          "header-timeout-seconds = 99999\nworkers = many\n")
        done = run("serve", "--config", conf, "--public-url", "ftp://x", "--print-config")
        self.assertEqual(done.returncode, 2, done.stdout)
        lines = done.stderr.strip().splitlines()
        self.assertEqual(len(lines), 5, done.stderr)
        self.assertIn(f"{conf}:2: unknown setting `bogus`", lines[0])
        self.assertIn(f"{conf}:3: expected `key = value`", lines[1])
        self.assertIn(f"{conf}:4: header-timeout-seconds = 99999", lines[2])
        self.assertIn(f"{conf}:5: workers = many", lines[3])
        self.assertIn("--public-url must start with http:// or https://", lines[4])
        self.assertEqual(done.stdout, "")
        missing = run("serve", "--config", os.path.join(self.tmp.name, "absent.conf"))
        self.assertEqual(missing.returncode, 2)
        self.assertIn("cannot read the config file", missing.stderr)


class MetricsAndLogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sluice = Sluice(extra_args=["--metrics-token", METRICS_TOKEN, "--workers", "1"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()

    def scrape(self):
        status, headers, data = self.sluice.request(
            "GET", "/metrics", key=None, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        self.assertEqual(status, 200, data)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        return samples(data.decode())

    def settle(self):
        self.sluice.wait_for(lambda: self.sluice.json("GET", "/readyz", key=None)[1]
                             .get("pendingOperations") == 0, what="the journal to drain")

    def test_metrics_need_the_token_and_their_counters_move(self):
        for wrong in (None, "Bearer nope", f"Basic {METRICS_TOKEN}"):
            headers = {"Authorization": wrong} if wrong else {}
            status, _, _ = self.sluice.request("GET", "/metrics", key=None, headers=headers)
            self.assertEqual(status, 401, wrong)
        before = self.scrape()
        s = self.sluice
        marker = "quokkametric"
        self.assertEqual(s.put_document("http://m/a", {"data": f"<p>{marker} one</p>",
                                                       "fileExtension": ".html"})[0], 202)
        self.assertEqual(s.put_document("http://m/b", {"data": "two", "fileExtension": ".txt"},
                                        query="&orderingId=100")[0], 202)
        self.settle()
        # An older orderingId is skipped; a corrupt body fails in processing.
        self.assertEqual(s.put_document("http://m/b", {"data": "old"},
                                        query="&orderingId=5")[0], 202)
        self.assertEqual(s.put_document("http://m/c", {
            "compressedBinaryData": base64.b64encode(b"not zlib at all").decode(),
            "compressionType": "ZLIB", "fileExtension": ".txt"})[0], 202)
        container = s.create_container()
        payload = zlib.compress(f"<html><body>{marker} large</body></html>".encode() * 2000)
        status, _, _ = s.upload(container["uploadUri"], payload, container["requiredHeaders"])
        self.assertEqual(status, 200)
        self.assertEqual(s.put_document("http://m/d", {"compressedBinaryDataFileId":
                                                       container["fileId"],
                                                       "fileExtension": ".html"})[0], 202)
        self.settle()
        after = self.scrape()

        def moved(name):
            return after.get(name, 0) - before.get(name, 0)

        docs = '{method="PUT",route="/push/v1/organizations/{org}/sources/{source}/documents"'
        self.assertEqual(moved(f'sluice_http_requests_total{docs},status="202"}}'), 5)
        self.assertEqual(moved("sluice_operations_accepted_total"), 5)
        self.assertEqual(moved("sluice_uploaded_bytes_total"), len(payload))
        self.assertEqual(moved("sluice_items_completed_total"), 3)
        self.assertEqual(moved('sluice_items_failed_total{result="ERROR",stage="PROCESSING"}'), 1)
        self.assertEqual(moved("sluice_stale_operations_skipped_total"), 1)
        self.assertEqual(moved('sluice_decompression_bytes_total{direction="in"}'), len(payload))
        self.assertGreaterEqual(moved('sluice_decompression_bytes_total{direction="out"}'),
                                len(payload) * 10)
        self.assertEqual(moved('sluice_extraction_duration_seconds_count{format="html"}'), 2)
        self.assertEqual(moved(f'sluice_http_request_duration_seconds_count{docs}}}'), 5)
        self.assertEqual(after["sluice_journal_pending_operations"], 0)
        self.assertEqual(after["sluice_journal_oldest_pending_age_seconds"], 0)
        self.assertGreater(after["sluice_index_size_bytes"], 0)
        self.assertGreater(after["sluice_data_dir_free_bytes"], 0)

    def test_one_json_access_line_per_request_with_its_request_id_and_no_secrets(self):
        s = self.sluice
        marker = "wombatsecretcontent"
        status, headers, _ = s.request("PUT", f"{DOCS}?documentId=http%3A%2F%2Flog%2Fa",
                                       {"data": f"{marker} text", "fileExtension": ".txt"})
        self.assertEqual(status, 202)
        request_id = headers["x-request-id"]
        container = s.create_container()
        signature = urllib.parse.parse_qs(
            urllib.parse.urlsplit(container["uploadUri"]).query)["X-Amz-Signature"][0]
        s.upload(container["uploadUri"], zlib.compress(marker.encode()),
                 container["requiredHeaders"])
        self.settle()
        status, logs = s.json("POST", "/logs/v1/organizations/local?perPage=1000", {})
        self.assertEqual(status, 200, logs)
        item_lines = [e for e in logs["documentLogEntries"] if e["id"] == "http://log/a"]
        self.assertTrue(item_lines, logs)
        self.assertTrue(all(e["requestId"] == request_id for e in item_lines), item_lines)

        lines = log_lines(s)  # every line parses as JSON
        access = [line for line in lines if line.get("msg") == "request"]
        mine = [line for line in access if line["requestId"] == request_id]
        self.assertEqual(len(mine), 1, mine)
        self.assertEqual(mine[0]["method"], "PUT")
        self.assertEqual(mine[0]["path"], DOCS)
        self.assertEqual(mine[0]["route"],
                         "/push/v1/organizations/{org}/sources/{source}/documents")
        self.assertEqual(mine[0]["status"], 202)
        self.assertGreater(mine[0]["bytesIn"], len(marker))
        self.assertEqual(mine[0]["level"], "info")
        self.assertRegex(mine[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        upload = [line for line in access if line["route"] == "/blobstore/{org}/{file}"]
        self.assertTrue(upload, "the upload has an access line")
        self.assertIn("X-Amz-Signature=REDACTED", upload[-1]["query"])
        with open(s.log_path, encoding="utf-8") as f:
            text = f.read()
        for secret in (API_KEY, METRICS_TOKEN, signature, marker):
            self.assertNotIn(secret, text)
        self.assertIn("Sluice listening on", lines[0]["msg"])


class ReadinessTest(unittest.TestCase):
    def test_unready_with_a_reason_per_problem(self):
        s = Sluice(extra_args=["--min-free-bytes", str(10 ** 18)]).start()
        self.addCleanup(s.cleanup)
        self.assertEqual(s.json("GET", "/healthz", key=None), (200, {"status": "ok"}))
        status, body = s.json("GET", "/readyz", key=None)
        self.assertEqual(status, 503, body)
        self.assertEqual(body["status"], "unavailable")
        self.assertEqual(len(body["reasons"]), 1, body)
        self.assertIn("--min-free-bytes", body["reasons"][0])
        self.assertEqual(body["pendingOperations"], 0)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_answers_the_upload_under_way_and_exits_0(self):
        s = Sluice().start()
        self.addCleanup(s.cleanup)
        container = s.create_container()
        payload = zlib.compress(b"<p>platypusdrain</p>" * 50000)
        u = urllib.parse.urlsplit(container["uploadUri"])
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=30)
        head = [f"PUT {u.path}?{u.query} HTTP/1.1", f"Host: 127.0.0.1:{s.port}",
                f"Content-Length: {len(payload)}"]
        head += [f"{k}: {v}" for k, v in container["requiredHeaders"].items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload[:len(payload) // 2])
        time.sleep(0.3)
        s.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertIsNone(s.proc.poll(), "waits for the upload under way")
        sock.sendall(payload[len(payload) // 2:])
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        sock.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer)
        self.assertIn(b"Connection: close", answer)
        self.assertEqual(s.proc.wait(timeout=30), 0)
        messages = [line["msg"] for line in log_lines(s)]
        self.assertIn("stopping", messages)
        self.assertEqual(messages[-1], "stopped")

    def test_what_was_acknowledged_is_processed_after_a_sigterm_and_restart(self):
        s = Sluice(extra_args=["--workers", "1"]).start()
        self.addCleanup(s.cleanup)
        for n in range(300):
            status, _ = s.put_document(f"http://stop/{n}",
                                       {"data": f"<p>echidnastop item{n}</p>",
                                        "fileExtension": ".html"})
            self.assertEqual(status, 202)
        s.proc.send_signal(signal.SIGTERM)
        self.assertEqual(s.proc.wait(timeout=60), 0)
        s.start()
        s.wait_for(lambda: s.json("GET", "/readyz", key=None)[1].get("pendingOperations") == 0,
                   what="the journal to drain after the restart")
        res = s.search("echidnastop", numberOfResults=1)
        self.assertEqual(res["totalCount"], 300)

    def test_tells_systemd_ready_watchdog_and_stopping(self):
        tmp = tempfile.TemporaryDirectory(prefix="sluice-notify-")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "notify")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(path)
        listener.settimeout(10)
        self.addCleanup(listener.close)
        s = Sluice(extra_env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}).start()
        self.addCleanup(s.cleanup)
        received = [listener.recv(4096).decode() for _ in range(3)]
        self.assertTrue(received[0].startswith("READY=1"), received)
        self.assertIn(f"serving on port {s.port}", received[0])
        self.assertEqual(received[1:], ["WATCHDOG=1", "WATCHDOG=1"])
        s.proc.send_signal(signal.SIGTERM)
        while (message := listener.recv(4096).decode()) == "WATCHDOG=1":
            pass
        self.assertEqual(message, "STOPPING=1")
        self.assertEqual(s.proc.wait(timeout=30), 0)


class BackupTest(unittest.TestCase):
    def test_a_backup_taken_while_pushing_restores_into_a_searchable_server(self):
        s = Sluice(extra_args=["--workers", "1"]).start()
        self.addCleanup(s.cleanup)
        tmp = tempfile.TemporaryDirectory(prefix="sluice-backup-")
        self.addCleanup(tmp.cleanup)
        for n in range(200):
            self.assertEqual(s.put_document(f"http://b/{n}", {
                "data": f"<p>numbatbackup item{n}</p>", "fileExtension": ".html"})[0], 202)
        container = s.create_container()
        big = zlib.compress(b"<p>numbatbackup bilby</p>" + b"<p>filler words</p>" * 300000)
        s.upload(container["uploadUri"], big, container["requiredHeaders"])
        self.assertEqual(s.put_document("http://b/big", {
            "compressedBinaryDataFileId": container["fileId"], "fileExtension": ".html"})[0], 202)

        stop = threading.Event()
        during = []

        def keep_pushing():
            n = 0
            while not stop.is_set():
                if s.put_document(f"http://during/{n}", {"data": f"dingo item{n}"})[0] == 202:
                    during.append(n)
                n += 1

        pusher = threading.Thread(target=keep_pushing)
        pusher.start()
        env = {"SLUICE_URL": f"http://127.0.0.1:{s.port}", "SLUICE_API_KEY": API_KEY}
        target = os.path.join(tmp.name, "backup")
        try:
            done = run("backup", target, env=env)
        finally:
            stop.set()
            pusher.join()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRegex(done.stdout, rf"backup written to {re.escape(target)}: \d+ files, \d+ bytes")
        self.assertTrue(during, "pushes were acknowledged while the backup ran")
        self.assertEqual(oct(os.stat(target).st_mode & 0o777), "0o700")

        # Refusals: a key without admin, a directory that is not empty.
        search_only = s.create_key(["search"])["value"]
        refused = run("backup", os.path.join(tmp.name, "other"),
                      env=dict(env, SLUICE_API_KEY=search_only))
        self.assertEqual(refused.returncode, 1)
        self.assertIn("403", refused.stderr)
        again = run("backup", target, env=env)
        self.assertEqual(again.returncode, 1)
        self.assertIn("not an empty directory", again.stderr)
        for body, words in (({"directory": "relative/dir"}, "absolute path"),
                            ({"directory": s.data_dir + "/inside"}, "outside the data directory"),
                            ({"dir": "/x"}, '{"directory"')):
            status, answer = s.json("POST", "/api/v1/backup", body)
            self.assertEqual((status, answer["errorCode"]), (400, "INVALID_PARAMETER"), answer)
            self.assertIn(words, answer["message"])

        restored_dir = os.path.join(tmp.name, "restored")
        done = run("restore", target, "--data-dir", restored_dir)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("restored", done.stdout)
        not_empty = run("restore", target, "--data-dir", restored_dir)
        self.assertEqual(not_empty.returncode, 1)
        self.assertIn("not an empty directory", not_empty.stderr)

        r = Sluice(data_dir=restored_dir).start()
        self.addCleanup(r.stop)
        r.wait_for(lambda: r.json("GET", "/readyz", key=None)[1].get("pendingOperations") == 0,
                   what="the restored journal to drain")
        self.assertEqual(r.search("numbatbackup", numberOfResults=1)["totalCount"], 201)
        self.assertEqual(r.search("bilby")["totalCount"], 1)
        # The pushes made during the backup (one at a time) are there up to the snapshot, with
        # no gap: the first k of them, and at most the one not yet answered when it stopped.
        found = {int(x["uri"].rsplit("/", 1)[1]) for x in
                 r.search("dingo", numberOfResults=2000)["results"]}
        self.assertEqual(found, set(range(len(found))))
        self.assertLessEqual(len(found), len(during) + 1)

    def test_a_damaged_backup_is_refused_and_leaves_no_data_directory(self):
        s = Sluice().start()
        self.addCleanup(s.cleanup)
        tmp = tempfile.TemporaryDirectory(prefix="sluice-backup-")
        self.addCleanup(tmp.cleanup)
        target = os.path.join(tmp.name, "backup")
        env = {"SLUICE_URL": f"http://127.0.0.1:{s.port}", "SLUICE_API_KEY": API_KEY}
        self.assertEqual(run("backup", target, env=env).returncode, 0)
        with open(os.path.join(target, "state.db"), "r+b") as f:
            f.truncate(4096)
        into = os.path.join(tmp.name, "restored")
        done = run("restore", target, "--data-dir", into)
        self.assertEqual(done.returncode, 1)
        self.assertIn("the backup is damaged", done.stderr)
        self.assertFalse(os.path.exists(into))


if __name__ == "__main__":
    unittest.main()
