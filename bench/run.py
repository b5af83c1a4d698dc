#!/usr/bin/env python3
"""`make bench`: runs the benchmarks of bench/ in a fixed order, then writes bench/results/summary.md.

Each benchmark is its own script, runnable alone (`python3 bench/<name>.py [--sluice PATH]
[--runs N] [--quick]`), that prints a markdown table and writes bench/results/<name>.json. This
file runs them one after the other and gathers their JSON into one table: figure | Sluice median
[min–max] | peers measured in the same run | goal | met?, with the machine it ran on.

It is also the small library those scripts share (import it with `import run`): result files,
median [min–max] statistics, the machine description, a server RSS sampler, free ports, a scratch
directory on the same disk as the repository, starting `sluice serve` and nginx.

Python 3 standard library only. Usage:
    python3 bench/run.py [--sluice build/release/src/app/sluice] [--runs N] [--quick]
                         [--only upload,pushes]
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
RESULTS_DIR = os.path.join(BENCH_DIR, "results")
DEFAULT_SLUICE = os.path.join(REPO, "build/release/src/app/sluice")
# Scratch data lives on the repository's disk (never a tmpfs): disk-bound figures depend on it.
SCRATCH_ROOT = os.path.join(REPO, "build", "bench-tmp")
ORDER = ["stages", "formats", "upload", "pushes", "ingest", "freshness", "large_item", "push_cli",
         "search_latency", "cluster"]

sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))


# Arguments, statistics, result files -------------------------------------------------------------

def add_common_args(parser, runs=3):
    parser.add_argument("--sluice", default=DEFAULT_SLUICE, help="the sluice binary to measure")
    parser.add_argument("--runs", type=int, default=runs, help="measured runs per figure")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and short loads: a smoke check, not a measurement")
    return parser


def stats(values):
    """{"median", "min", "max", "runs"} of the measured values (None when there are none)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def num(value):
    """A figure with about three significant digits, thousands separated."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    a = abs(value)
    if a >= 1000:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def fmt(stat, unit=""):
    """`median [min–max] unit`, or the text of a figure that could not be measured."""
    if stat is None:
        return "—"
    if isinstance(stat, str):
        return stat
    if stat.get("missing"):
        return stat["missing"]
    if stat.get("median") is None:
        return "—"
    suffix = f" {unit}" if unit else ""
    if len(stat.get("runs", [])) <= 1 or stat["min"] == stat["max"]:
        return f"{num(stat['median'])}{suffix}"
    return f"{num(stat['median'])} [{num(stat['min'])}–{num(stat['max'])}]{suffix}"


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def git_sha():
    try:
        sha = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], text=True,
                             capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               text=True, capture_output=True, timeout=30).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version(), "loadavg": list(os.getloadavg())}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["ram_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def command_line():
    return " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], REPO)] + sys.argv[1:])


def write_result(name, result):
    """Writes bench/results/<name>.json; adds the git revision, date, machine and command."""
    result = dict(result)
    result.setdefault("command", "python3 " + command_line())
    result["git"] = git_sha()
    result["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result["machine"] = machine()
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, f"{name}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


# Processes and measurements -----------------------------------------------------------------------

def scratch_dir(prefix):
    """A temporary directory on the repository's disk; the caller removes it (shutil.rmtree)."""
    os.makedirs(SCRATCH_ROOT, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=SCRATCH_ROOT)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def stop_process(proc, sig=signal.SIGTERM, timeout=30):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class RssSampler:
    """Samples a process's VmRSS every `interval` seconds in a thread (KiB)."""

    def __init__(self, pid, interval=0.01):
        self.pid, self.interval = pid, interval
        self.samples = []  # (seconds since start, KiB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        t0 = time.monotonic()
        while not self._stop.is_set():
            value = rss_kib(self.pid)
            if value is not None:
                self.samples.append((time.monotonic() - t0, value))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def peak(self):
        return max((v for _, v in self.samples), default=None)

    def last(self):
        return self.samples[-1][1] if self.samples else None


def start_sluice(binary, extra_args=()):
    """`sluice serve` on a free 127.0.0.1 port, with its own data directory on the repository's
    disk (tests/e2e/sluice_process.Sluice). Stop it with stop_sluice()."""
    os.environ["SLUICE_BIN"] = os.path.abspath(binary)
    import sluice_process  # noqa: E402  (needs SLUICE_BIN set)
    data_dir = scratch_dir("sluice-")
    server = sluice_process.Sluice(data_dir=data_dir, extra_args=list(extra_args))
    try:
        return server.start()
    except BaseException:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise


def stop_sluice(server):
    try:
        server.stop()
    finally:
        shutil.rmtree(server.data_dir, ignore_errors=True)


def api_key():
    import sluice_process  # noqa: E402
    return sluice_process.API_KEY


class Nginx:
    """nginx from bench/nginx/nginx.conf.in on a free port: /discard/ (reads and drops a body),
    /store/ (WebDAV PUT to a file on disk; nginx does not fsync it) and /push/ (202 with a small
    JSON body). Two workers, no access log."""

    def __init__(self):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.prefix = scratch_dir("nginx-")
        self.store_dir = os.path.join(self.prefix, "store")
        self.port = free_port()
        self.proc = None

    def __enter__(self):
        os.makedirs(os.path.join(self.store_dir, ".tmp"))
        with open(os.path.join(BENCH_DIR, "nginx", "nginx.conf.in")) as f:
            conf = f.read()
        user = "" if os.geteuid() != 0 else "user root root;"
        conf = (conf.replace("@USER@", user).replace("@PREFIX@", self.prefix)
                .replace("@PORT@", str(self.port)).replace("@STORE@", self.store_dir))
        conf_path = os.path.join(self.prefix, "nginx.conf")
        with open(conf_path, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(
            [self.binary, "-p", self.prefix, "-c", conf_path, "-e",
             os.path.join(self.prefix, "error.log"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_port(self.port, self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc):
        stop_process(self.proc, signal.SIGQUIT)
        shutil.rmtree(self.prefix, ignore_errors=True)


def curl_put(url, path, headers=None, timeout=600):
    """PUTs a file with curl (`-H 'Expect:' --upload-file`): (HTTP status, seconds, body)."""
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{time_total}", "-H", "Expect:",
           "--upload-file", path, url]
    for k, v in (headers or {}).items():
        cmd[1:1] = ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, timeout=timeout)
    text = out.stdout.decode("utf-8", "replace")
    body, _, tail = text.rpartition("\n")
    try:
        code, seconds = tail.split()
        return int(code), float(seconds), body
    except ValueError:
        return 0, None, text + out.stderr.decode("utf-8", "replace")


def have(program):
    return shutil.which(program) is not None


# The runner -----------------------------------------------------------------------------------

def accepts(script, flag):
    """Whether a benchmark script knows an option (scripts written before the contract may not)."""
    try:
        out = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True,
                             timeout=60)
        return flag in out.stdout
    except (OSError, subprocess.SubprocessError):
        return False


def rows_of(result):
    """Summary rows of one result file: its `rows` when it has several figures, else itself."""
    rows = result.get("rows") or [result]
    out = []
    for row in rows:
        unit = row.get("unit", result.get("unit", ""))
        peers = row.get("peers", {}) or {}
        peer_text = "; ".join(
            f"{name} {fmt(p, p.get('unit', unit) if isinstance(p, dict) else unit)}"
            for name, p in peers.items()) or "—"
        if row.get("note"):
            peer_text += f" ({row['note']})"
        met = row.get("met")
        met_text = {True: "yes", False: "**no**", None: "?"}.get(met, str(met))
        if row.get("flag"):
            met_text += f" ({row['flag']})"
        out.append([row.get("figure", result.get("figure", "?")),
                    fmt(row.get("sluice"), unit), peer_text,
                    row.get("goal", result.get("goal", "—")), met_text])
    return out


def write_summary(ran, started, load_before, command, quick=False):
    rows = []
    for name, status, _ in ran:
        path = os.path.join(RESULTS_DIR, f"{name}.json")
        fresh = os.path.exists(path) and os.path.getmtime(path) >= started
        if status != 0 or not fresh:
            why = f"exit {status}" if status != 0 else f"wrote no bench/results/{name}.json"
            rows.append([name, f"failed ({why})", "—", "—", "**no**"])
            if not fresh:
                continue
        with open(path) as f:
            rows += rows_of(json.load(f))
    m = machine()
    lines = [
        "# `make bench` summary",
        "",
        f"Command: `{command}`  ",
        f"Revision: {git_sha()}, "
        f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: {m.get('nproc')} × {m.get('model', '?')}, {m.get('ram_gib', '?')} GiB RAM, "
        f"kernel {m.get('kernel')}  ",
        "Load average before: " + " ".join(f"{v:.2f}" for v in load_before)
        + "; after: " + " ".join(f"{v:.2f}" for v in os.getloadavg()),
        "",
        *(["**A --quick run: tiny sizes and short loads, a smoke check whose figures are not "
            "measurements.**", ""] if quick else []),
        "Every figure is median [min–max] of the runs; every peer was measured in the same",
        "command, on the same machine, just before or after Sluice. Details:",
        "bench/results/<name>.json and each script's own table in the log.",
        "",
        table(["Figure", "Sluice", "Peers (same run)", "Goal", "Met?"], rows),
        "",
        "Scripts (wall time): " + (", ".join(
            f"{n} {sec:.0f} s" + ("" if st == 0 else f" (exit {st})") for n, st, sec in ran)
            or "none ran"),
        "",
    ]
    os.makedirs(RESULTS_DIR, exist_ok=True)
    path = os.path.join(RESULTS_DIR, "summary.md")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--only", default="", help="comma-separated subset of " + ",".join(ORDER))
    args = parser.parse_args()
    names = ORDER
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in ORDER]
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(ORDER)}")
        names = [n for n in ORDER if n in wanted]
    started = time.time()
    load_before = os.getloadavg()
    ran = []
    for name in names:
        script = os.path.join(BENCH_DIR, f"{name}.py")
        if not os.path.exists(script):
            print(f"\n## {name}: bench/{name}.py does not exist yet, skipped\n", flush=True)
            continue
        cmd = [sys.executable, script]
        for flag, value in (("--sluice", args.sluice), ("--runs", str(args.runs))):
            if accepts(script, flag):
                cmd += [flag, value]
        if args.quick:
            if accepts(script, "--quick"):
                cmd.append("--quick")
            else:
                print(f"## {name}: has no --quick, skipped in a quick run", flush=True)
                continue
        shown = ["python3"] + [shlex.quote(os.path.relpath(c, REPO) if c.startswith(REPO) else c)
                               for c in cmd[1:]]
        print(f"\n## {name}: {' '.join(shown)}\n", flush=True)
        t0 = time.time()
        status = subprocess.run(cmd, cwd=REPO).returncode
        ran.append((name, status, time.time() - t0))
    path = write_summary(ran, started, load_before, "python3 " + command_line(), args.quick)
    print()
    with open(path) as f:
        print(f.read())
    print(f"(written to {os.path.relpath(path, REPO)})")
    return 1 if any(status != 0 for _, status, _ in ran) else 0


if __name__ == "__main__":
    sys.exit(main())
