"""`sluice push` and the other client commands against the real server.

A directory of 2,000 small files and three large ones (one over 256 MB uncompressed) is pushed,
interrupted by SIGKILL, resumed, and found by search; a throttled server's 429 storm is ridden
out; the progress display is read from a pseudo-terminal; bad arguments give one line and
exit code 2; standard input, --rebuild, --json, --wait, delete, logs and sources do what they say.
"""

import json
import os
import pty
import random
import re
import select
import signal
import subprocess
import tempfile
import time
import unittest

from sluice_process import API_KEY, Sluice

SMALL_FILES = 2000
# The large file: over the 256 MB file container limit before compression, far under it after.
HUGE_BYTES = 270 * 1000 * 1000


def write_words(path, size, seed, first_line):
    """`size` bytes of words drawn from a 20,000-word vocabulary: text that compresses only
    about 3:1, so a large file stays large after zlib. Blocks of 8 MB repeat beyond the
    deflate window, which keeps generating fast without making the data compress better."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
                  for _ in range(20000)]
    block = (" ".join(rng.choices(vocabulary, k=1_200_000)) + "\n").encode()[: 8 << 20]
    with open(path, "wb") as f:
        f.write(first_line.encode() + b"\n")
        written = len(first_line) + 1
        while written < size:
            piece = block[: size - written]
            f.write(piece)
            written += len(piece)


def small_word(i):
    return f"smallword{i:04d}"


class PushCli:
    """Runs `sluice` client commands against one server, with HOME (and so the manifest) in a
    temporary directory."""

    def __init__(self, sluice, home):
        self.sluice = sluice
        self.env = dict(os.environ, HOME=home, SLUICE_API_KEY=API_KEY,
                        SLUICE_URL=f"http://127.0.0.1:{sluice.port}", TMPDIR=home)
        self.env.pop("XDG_STATE_HOME", None)
        self.env.pop("XDG_CONFIG_HOME", None)

    def run(self, *args, timeout=600, input_bytes=None):
        return subprocess.run([self.sluice.binary, *args], env=self.env, capture_output=True,
                              timeout=timeout, input=input_bytes)

    def summary(self, *args, timeout=600):
        """Runs `sluice push ... --output json`; returns (exit code, events, summary)."""
        done = self.run("push", *args, "--output", "json", timeout=timeout)
        events = [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]
        summaries = [e for e in events if e.get("event") == "summary"]
        if len(summaries) != 1:
            raise AssertionError(f"no summary: {done.stdout!r} {done.stderr!r}")
        return done.returncode, events, summaries[0]


class PushDirectoryTest(unittest.TestCase):
    """2,000 small files and three large ones, pushed, interrupted, resumed, searched."""

    @classmethod
    def setUpClass(cls):
        # Only the first 16 MiB of an item's text is indexed: the test is about the client.
        cls.sluice = Sluice(extra_args=["--rate-limit", "0", "--ignore-queue-delay",
                                        "--max-text-bytes", str(16 << 20)]).start()
        cls.tmp = tempfile.TemporaryDirectory(prefix="sluice-push-")
        cls.dir = os.path.join(cls.tmp.name, "corpus")
        os.makedirs(os.path.join(cls.dir, "small"))
        os.makedirs(os.path.join(cls.dir, "large"))
        for i in range(SMALL_FILES):
            name = os.path.join(cls.dir, "small", f"doc{i:04d}" + (".html" if i % 2 else ".txt"))
            with open(name, "w") as f:
                if i % 2:
                    f.write(f"<html><head><title>Small {i}</title></head>"
                            f"<body><p>{small_word(i)} shared body text</p></body></html>\n")
                else:
                    f.write(f"Small {i}\n{small_word(i)} shared body text\n")
        write_words(os.path.join(cls.dir, "large", "huge.txt"), HUGE_BYTES, 1, "hugemarker")
        write_words(os.path.join(cls.dir, "large", "medium.txt"), 24 << 20, 2, "mediummarker")
        write_words(os.path.join(cls.dir, "large", "sixmegs.txt"), 6 << 20, 3, "sixmegsmarker")
        cls.cli = PushCli(cls.sluice, os.path.join(cls.tmp.name, "home"))
        os.makedirs(os.path.join(cls.tmp.name, "home"))

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()
        cls.tmp.cleanup()

    def total(self):
        return self.sluice.search("", numberOfResults=0)["totalCount"]

    def test_push_interrupted_then_resumed_then_searchable(self):
        # Small batches, so that a good part is acknowledged before the kill.
        args = [self.sluice.binary, "push", self.dir, "--parallel", "2", "--batch-bytes", "32768"]
        first = subprocess.Popen(args, env=self.cli.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        pushed_before_kill = 0
        hows = {}  # file name -> how it went: inline, batch or container
        deadline = time.time() + 300
        while pushed_before_kill < 400 and time.time() < deadline:
            line = first.stdout.readline().decode()
            if not line:
                break
            if line.startswith("pushed  "):
                pushed_before_kill += 1
                fields = line.split()
                hows[fields[1].split("/")[-1]] = fields[-1]
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        first.stdout.close()
        first.stderr.close()
        self.assertGreaterEqual(pushed_before_kill, 400, "the first run ended before the kill")

        code, events, summary = self.cli.summary(self.dir, "--parallel", "2")
        self.assertEqual(code, 0, events)
        self.assertEqual(summary["failed"], 0, summary)
        # Everything acknowledged before the kill is skipped; everything else is pushed now.
        self.assertGreaterEqual(summary["unchanged"], pushed_before_kill)
        self.assertEqual(summary["pushed"] + summary["unchanged"], SMALL_FILES + 3, summary)
        hows.update({e["path"].split("/")[-1]: e["how"]
                     for e in events if e.get("event") == "pushed"})
        # Compressed over 5 MB: through a file container each; under it: in a batch file.
        self.assertEqual(hows["huge.txt"], "container")
        self.assertEqual(hows["medium.txt"], "container")
        self.assertEqual(hows["sixmegs.txt"], "batch")
        self.assertEqual(hows["doc0000.txt"], "batch")

        self.sluice.wait_for(lambda: self.total() == SMALL_FILES + 3, timeout=600,
                             what=f"{SMALL_FILES + 3} items searchable")
        for i in (0, 1, 777, 1999):
            hits = self.sluice.search(small_word(i))
            self.assertEqual(hits["totalCount"], 1, (i, hits))
            ext = ".html" if i % 2 else ".txt"
            self.assertTrue(hits["results"][0]["uri"].startswith("file:///"), hits)
            self.assertTrue(hits["results"][0]["uri"].endswith(f"/corpus/small/doc{i:04d}{ext}"))
        for marker in ("hugemarker", "mediummarker", "sixmegsmarker"):
            self.assertEqual(self.sluice.search(marker)["totalCount"], 1, marker)

        # A third run finds nothing to do; a touched but unchanged file is still skipped.
        os.utime(os.path.join(self.dir, "small", "doc0005.html"))
        code, _, summary = self.cli.summary(self.dir)
        self.assertEqual((code, summary["pushed"], summary["unchanged"]), (0, 0, SMALL_FILES + 3))


class ThrottledServerTest(unittest.TestCase):
    """A server that allows 4 Push API calls a second: the push gets 429s and still ends."""

    @classmethod
    def setUpClass(cls):
        cls.sluice = Sluice(extra_args=["--rate-limit", "4", "--rate-burst", "2"]).start()
        cls.tmp = tempfile.TemporaryDirectory(prefix="sluice-push-429-")
        cls.cli = PushCli(cls.sluice, cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()
        cls.tmp.cleanup()

    def test_429_storm_is_ridden_out(self):
        corpus = os.path.join(self.tmp.name, "storm")
        os.makedirs(corpus)
        for i in range(40):
            with open(os.path.join(corpus, f"s{i:02d}.txt"), "w") as f:
                f.write(f"stormword{i:02d} throttled\n")
        # No batches: 40 items, 40 calls from 4 connections against 4 calls a second.
        done = self.cli.run("push", corpus, "--batch-bytes", "0", "--parallel", "4",
                            "--no-manifest", "--retries", "50", timeout=300)
        out = done.stdout.decode()
        self.assertEqual(done.returncode, 0, out + done.stderr.decode())
        retries = [line for line in out.splitlines() if line.startswith("retry")]
        self.assertGreater(len(retries), 0, out)
        self.assertIn("429", retries[0])
        self.assertEqual(out.count("pushed  "), 40, out)
        self.assertRegex(out.splitlines()[-1], r"^pushed 40 items .*; \d+ retr(y|ies)")
        self.sluice.wait_for(
            lambda: self.sluice.search("throttled", numberOfResults=0)["totalCount"] == 40,
            what="40 items searchable")


class CommandsTest(unittest.TestCase):
    """Progress on a terminal, bad arguments, standard input, --rebuild, --json, --wait, delete,
    logs and sources, on one server."""

    @classmethod
    def setUpClass(cls):
        cls.sluice = Sluice(extra_args=["--rate-limit", "0", "--ignore-queue-delay"]).start()
        cls.tmp = tempfile.TemporaryDirectory(prefix="sluice-cli-")
        cls.cli = PushCli(cls.sluice, cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.sluice.cleanup()
        cls.tmp.cleanup()

    def make_dir(self, name, files):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(path, exist_ok=True)
        for file_name, text in files.items():
            with open(os.path.join(path, file_name), "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode())
        return path

    def count(self, query):
        return self.sluice.search(query, numberOfResults=0)["totalCount"]

    def test_progress_on_a_terminal(self):
        corpus = self.make_dir("tty", {f"t{i}.txt": f"ttyword item {i}\n" * 2000 for i in range(30)})
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(self.sluice.binary,
                      [self.sluice.binary, "push", corpus, "--parallel", "1", "--no-manifest"],
                      self.cli.env)
        output = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        text = output.decode(errors="replace")
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, text)
        # The status line is redrawn in place: carriage return, text, erase to end of line.
        self.assertIn("\r", text)
        self.assertIn("\x1b[K", text)
        self.assertRegex(text, r"\d+/30 items")
        self.assertRegex(text, r"/s")
        # No line per file on a terminal, and the summary at the end.
        self.assertNotIn("pushed  ", text)
        self.assertRegex(text, r"pushed 30 items \(")
        self.sluice.wait_for(lambda: self.count("ttyword") == 30, what="30 items searchable")

    def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(self):
        corpus = self.make_dir("ctrlc", {f"c{i:03d}.txt": f"ctrlcword {i}\n" for i in range(300)})
        # One file per request and one at a time: slow enough to be interrupted midway.
        push = subprocess.Popen([self.sluice.binary, "push", corpus, "--parallel", "1",
                                 "--batch-bytes", "0"], env=self.cli.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        pushed = 0
        while pushed < 20:
            line = push.stdout.readline().decode()
            self.assertTrue(line, "the push ended before it was interrupted")
            pushed += line.startswith("pushed  ")
        push.send_signal(signal.SIGINT)
        rest = push.stdout.read().decode()
        push.wait(timeout=60)
        push.stderr.close()
        push.stdout.close()
        self.assertEqual(push.returncode, 130, rest)
        self.assertRegex(rest, r"interrupted: \d+ files not started")
        summary = rest.strip().splitlines()[-1]
        match = re.match(r"pushed (\d+) items", summary)
        self.assertTrue(match, summary)
        done_before = int(match.group(1))
        self.assertLess(done_before, 300)
        # Every file the summary counts was acknowledged and recorded: the next run skips them.
        done = self.cli.run("push", corpus)
        self.assertEqual(done.returncode, 0, done.stdout)
        self.assertIn(f"; {done_before} unchanged", done.stdout.decode())
        self.sluice.wait_for(lambda: self.count("ctrlcword") == 300, what="300 items")

    def test_bad_arguments_give_one_line_and_exit_2(self):
        somefile = os.path.join(self.make_dir("args", {"a.txt": "a"}), "a.txt")
        cases = [
            ["push"],
            ["push", "--parallel", "0", somefile],
            ["push", "--compression", "zip", somefile],
            ["push", "/no/such/path"],
            ["push", "-"],
            ["push", "--metadata", "novalue", somefile],
            ["push", "--document-id", "x://y", os.path.dirname(somefile)],
            ["push", "--batch-bytes", "999999999999", somefile],
            ["push", "--no-such-flag", somefile],
            ["status", "SOMETIMES"],
            ["delete"],
            ["delete", "x://y", "--older-than", "5"],
            ["delete", "--older-than", "last tuesday"],
            ["search"],
            ["logs", "--result", "FINE"],
            ["pusj", somefile],
        ]
        for argv in cases:
            with self.subTest(argv=argv):
                done = self.cli.run(*argv, timeout=60)
                err = done.stderr.decode()
                self.assertEqual(done.returncode, 2, (argv, err, done.stdout))
                self.assertEqual(len(err.strip().splitlines()), 1, err)
                self.assertTrue(err.startswith("sluice"), err)
        no_key = dict(self.cli.env)
        no_key.pop("SLUICE_API_KEY")
        done = subprocess.run([self.sluice.binary, "push", somefile], env=no_key,
                              capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 2)
        self.assertIn("API key", done.stderr.decode())

    def test_settings_come_from_flags_then_environment_then_the_settings_file(self):
        config_home = os.path.join(self.tmp.name, "config-home")
        os.makedirs(os.path.join(config_home, "sluice"), exist_ok=True)
        with open(os.path.join(config_home, "sluice", "config"), "w") as f:
            f.write(f"# written by the test\nurl = http://127.0.0.1:{self.sluice.port}\n"
                    f"api-key = {API_KEY}\norg = local\n")
        env = dict(self.cli.env, XDG_CONFIG_HOME=config_home)
        for name in ("SLUICE_URL", "SLUICE_API_KEY"):
            env.pop(name)

        def sources(*flags, **extra_env):
            return subprocess.run([self.sluice.binary, "sources", *flags],
                                  env=dict(env, **extra_env), capture_output=True, timeout=60)

        self.assertEqual(sources().returncode, 0)  # everything from the file
        wrong = sources(SLUICE_API_KEY="xx-wrong")  # the environment wins over the file
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("401", wrong.stderr.decode())
        self.assertEqual(sources("--api-key", API_KEY, SLUICE_API_KEY="xx-wrong").returncode, 0)
        with open(os.path.join(config_home, "sluice", "config"), "a") as f:
            f.write("colour = blue\n")
        bad = sources()
        self.assertEqual(bad.returncode, 2)
        self.assertIn("config:5: unknown key 'colour'", bad.stderr.decode())

    def test_wrong_api_key_fails_with_the_servers_words(self):
        somefile = os.path.join(self.make_dir("badkey", {"k.txt": "k"}), "k.txt")
        done = self.cli.run("push", somefile, "--api-key", "xx-not-a-key", "--no-manifest")
        out = done.stdout.decode()
        self.assertEqual(done.returncode, 1, out)
        self.assertIn("FAILED", out)
        self.assertIn("401", out)

    def test_standard_input_needs_a_document_id_and_then_works(self):
        html = b"<html><head><title>From stdin</title></head><body>stdinword</body></html>"
        done = self.cli.run("push", "-", "--document-id", "https://example.com/stdin.html",
                            input_bytes=html)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.sluice.wait_for(lambda: self.count("stdinword") == 1, what="the stdin item")
        hit = self.sluice.search("stdinword")["results"][0]
        self.assertEqual(hit["uri"], "https://example.com/stdin.html")
        self.assertEqual(hit["title"], "From stdin")

    def test_metadata_from_sidecar_and_flags(self):
        corpus = self.make_dir("meta", {
            "report.txt": "sidecarword quarterly",
            "report.txt.meta.json": json.dumps({"title": "Q3 report", "author": "Ann"}),
        })
        done = self.cli.run("push", corpus, "--metadata", "team=blue", "--uri-prefix",
                            "https://files.example.com/")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        # The sidecar describes its file and is not pushed itself.
        self.assertIn("pushed 1 item", done.stdout.decode())
        self.sluice.wait_for(lambda: self.count("sidecarword") == 1, what="the item")
        hit = self.sluice.search("sidecarword", fieldsToInclude=["author", "team"])["results"][0]
        self.assertEqual(hit["uri"], "https://files.example.com/report.txt")
        self.assertEqual(hit["title"], "Q3 report")
        self.assertEqual(hit["raw"]["author"], "Ann")
        self.assertEqual(hit["raw"]["team"], "blue")

    def test_rebuild_deletes_what_it_did_not_push(self):
        prefix = "https://rebuild.example.com/"
        corpus = self.make_dir("rebuild", {"keep.txt": "rebuildword keep",
                                           "gone.txt": "rebuildword gone"})
        done = self.cli.run("push", corpus, "--uri-prefix", prefix)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.sluice.wait_for(lambda: self.count("rebuildword") == 2, what="two items")
        os.remove(os.path.join(corpus, "gone.txt"))
        with open(os.path.join(corpus, "new.txt"), "w") as f:
            f.write("rebuildword new")
        time.sleep(0.01)  # a later orderingId (milliseconds) than the first push
        done = self.cli.run("push", corpus, "--uri-prefix", prefix, "--rebuild")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        # keep.txt is unchanged but goes again: the rebuild deletes everything older.
        self.assertIn("pushed 2 items", done.stdout.decode())
        self.sluice.wait_for(
            lambda: sorted(r["uri"] for r in self.sluice.search("rebuildword")["results"])
            == [prefix + "keep.txt", prefix + "new.txt"], what="the rebuilt source")

    def test_json_files_are_batched(self):
        batch = {"addOrUpdate": [
            {"documentId": f"https://json.example.com/{i}", "title": f"J{i}",
             "data": f"jsonword number{i}"} for i in range(5)],
            "delete": []}
        single = {"DocumentId": "https://json.example.com/single", "title": "S",
                  "data": "jsonword single"}
        corpus = self.make_dir("json", {"batch.json": json.dumps(batch),
                                        "single.json": json.dumps(single),
                                        "ignored.txt": "not json"})
        done = self.cli.run("push", "--json", corpus)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.sluice.wait_for(lambda: self.count("jsonword") == 6, what="six JSON items")
        deletion = {"delete": [{"documentId": "https://json.example.com/3"}]}
        path = os.path.join(self.make_dir("json2", {"d.json": json.dumps(deletion)}), "d.json")
        done = self.cli.run("push", "--json", path)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.sluice.wait_for(lambda: self.count("jsonword") == 5, what="the deletion")
        broken = os.path.join(self.make_dir("json3", {"b.json": "{\"addOrUpdate\": [{}]}"}), "b.json")
        done = self.cli.run("push", "--json", broken)
        self.assertEqual(done.returncode, 1)
        self.assertIn("addOrUpdate[0] has no documentId", done.stdout.decode())

    def test_wait_reports_what_the_server_failed(self):
        corpus = self.make_dir("wait", {
            "fine.txt": "waitword fine",
            "broken.pdf": b"%PDF-1.4\nthis is not a PDF at all\n",
        })
        done = self.cli.run("push", corpus, "--wait", "--wait-timeout", "120")
        out = done.stdout.decode()
        self.assertEqual(done.returncode, 1, out)
        self.assertRegex(out, r"FAILED  .*broken\.pdf: the server's ERROR at PROCESSING: .*PDF")
        self.assertIn("1 item processed and searchable", out)
        self.assertEqual(self.count("waitword"), 1)  # --wait returned after it was searchable
        # The failed item is forgotten by the manifest: the next run pushes it again.
        done = self.cli.run("push", corpus)
        self.assertIn("pushed 1 item", done.stdout.decode())
        self.assertIn("1 unchanged", done.stdout.decode())

    def test_delete_logs_sources_and_status(self):
        corpus = self.make_dir("del", {"one.txt": "deleteword one", "two.txt": "deleteword two"})
        done = self.cli.run("push", corpus, "--uri-prefix", "https://del.example.com/d/")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.sluice.wait_for(lambda: self.count("deleteword") == 2, what="two items")

        done = self.cli.run("delete", "https://del.example.com/d/one.txt")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.sluice.wait_for(lambda: self.count("deleteword") == 1, what="one deleted")
        done = self.cli.run("delete", "https://del.example.com/d", "--children")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.sluice.wait_for(lambda: self.count("deleteword") == 0, what="children deleted")

        done = self.cli.run("logs", "--uri", "https://del.example.com/d/one.txt")
        lines = done.stdout.decode().splitlines()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(any("COMPLETED" in l and "DELETE" in l for l in lines), lines)
        self.assertTrue(any("COMPLETED" in l and " ADD " in l for l in lines), lines)
        done = self.cli.run("logs", "--result", "error", "--json")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(all(e["result"] == "ERROR"
                            for e in json.loads(done.stdout)["documentLogEntries"]))

        done = self.cli.run("sources")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("local-default", done.stdout.decode())
        done = self.cli.run("status", "idle")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("IDLE", done.stdout.decode())
        done = self.cli.run("search", "nothing-matches-this-word")
        self.assertEqual((done.returncode, done.stdout.decode().strip()), (0, "0 of 0 results"))
        done = self.cli.run("sources", "--source", "x", "--org", "nosuchorg")
        self.assertEqual(done.returncode, 1)
        self.assertIn("404", done.stderr.decode())


if __name__ == "__main__":
    unittest.main()
