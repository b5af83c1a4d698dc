"""The scale-out suite's peers on loopback: s3rver (an S3-compatible server from npm) and s3cmd
(Debian's S3 client), so that what Sluice writes is read back by a tool that knows only S3."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from sluice_process import free_port  # noqa: E402

# s3rver's built-in credentials; it checks every signature made with them.
S3_ACCESS_KEY = "S3RVER"
S3_SECRET_KEY = "S3RVER"


class S3rver:
    """One s3rver process with its own directory and one bucket."""

    def __init__(self, bucket):
        self.bucket = bucket
        self._tmp = tempfile.TemporaryDirectory(prefix="sluice-s3rver-")
        self.port = free_port()
        self.proc = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        log_path = os.path.join(self._tmp.name, "s3rver.log")
        with open(log_path, "a") as log:
            self.proc = subprocess.Popen(
                [os.path.join(HERE, "node_modules", ".bin", "s3rver"), "-d",
                 os.path.join(self._tmp.name, "data"), "-a", "127.0.0.1", "-p", str(self.port),
                 "--no-vhost-buckets", "--configure-bucket", self.bucket],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        with open(log_path) as log:
            raise RuntimeError("s3rver did not start: " + log.read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def cleanup(self):
        self.stop()
        self._tmp.cleanup()

    def blob_store_url(self, prefix):
        return (f"s3://{self.bucket}/{prefix}?endpoint={self.endpoint}&region=us-east-1"
                "&path_style=true")

    def s3cmd(self, *args):
        """Runs Debian's s3cmd against this server; returns (exit code, stdout + stderr)."""
        cfg = os.path.join(self._tmp.name, "s3cmd.cfg")
        with open(cfg, "w") as f:
            f.write("[default]\n"
                    f"access_key = {S3_ACCESS_KEY}\nsecret_key = {S3_SECRET_KEY}\n"
                    f"host_base = 127.0.0.1:{self.port}\nhost_bucket = 127.0.0.1:{self.port}\n"
                    "use_https = False\nbucket_location = us-east-1\nsignature_v2 = False\n")
        done = subprocess.run([shutil.which("s3cmd") or "s3cmd", "-c", cfg, *args],
                              capture_output=True, text=False, timeout=120)
        return done.returncode, done.stdout + done.stderr
