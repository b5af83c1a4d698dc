#!/usr/bin/env python3
"""`sluice push DIR` beside Coveo's Node client (@coveo/push-api-client 4.0.1,
PushSource.batchUpdateDocumentsFromFiles) pushing the same 1 GB of mixed files to the real
`sluice serve`, on the same machine, in the same command.

The corpus (built once, cached under build/bench-tmp/push_cli/): the man pages of
/usr/share/man rendered by bench/corpus.py, every other one as a small HTML page and the rest as
text; the HTML pages of /usr/share/doc as they are; PDFs and .docx files written by
tests/e2e/corpus_formats.py from man-page text; a few medium files (5-50 MB: HTML pages made by
corpus.html_from_text, text files, a PDF, a .docx); and three large ones (100-250 MB: two HTML
pages and a text file, each well under 256 MB compressed). The composition is printed.

Each run starts a fresh `sluice serve` (own data directory, --rate-limit 0, a raised
--max-pending-operations) and runs one client against it:
  - sluice: `sluice push CORPUS --url ... --org local --source local-default --no-manifest -q`
    (its defaults otherwise: --parallel 4, zlib, batch files of up to 32 MiB);
  - Node: first the conversion the client needs (bench/push_node.mjs convert: every file to a
    JSON document {documentId (the URI sluice push gives it: file://<absolute path>), title (the
    file name), fileExtension, compressedBinaryData: base64(zlib(file)), compressionType: ZLIB},
    one .json per file), timed on its own; then bench/push_node.mjs push: new PushSource(key,
    'local').batchUpdateDocumentsFromFiles('local-default', [jsonDir], {maxConcurrent: 10,
    createFields: false}) with onBatchUpload/onBatchError and `await .batch()`, loaded with
    `node --require tests/conformance/redirect.cjs` so its https://*.cloud.coveo.com requests
    reach Sluice.
Measured per run: the client's wall time from start to exit (every item acknowledged; exit code
0 required), MB/s of input bytes and files/s over it; the time from the client's start until the
Search API's totalCount (POST /rest/search/v2, q "", numberOfResults 0, polled every 200 ms for
both clients) equals the number of files; the client's peak RSS and CPU seconds (wait4's
rusage), the server's CPU seconds by thread until the client exits and until all is searchable,
and the CPU that other processes on the machine used meanwhile (/proc/stat). Runs alternate the
two clients; each run first waits (at most --load-wait seconds) for the 1-minute load average to
drop below --max-load, and records it. --profile adds one unmeasured run of each client under a
profiler (node --cpu-prof; perf record for sluice push when perf is installed) and prints where
their CPU time went.

Python 3 standard library only; node and npm for the client (tests/conformance/install.sh).
Usage:
    python3 bench/push_cli.py [--sluice build/release/src/app/sluice] [--runs 3] [--quick]
                              [--max-load 2.5] [--load-wait 300] [--profile]
"""

import argparse
import collections
import html
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import ingest  # noqa: E402  (searchable, failed_items, thread_cpu)
import run  # noqa: E402

sys.path.insert(0, os.path.join(run.REPO, "tests", "e2e"))
import corpus_formats  # noqa: E402

CORPUS_VERSION = 2
CORPUS_ROOT = os.path.join(run.SCRATCH_ROOT, "push_cli")
NODE_SCRIPT = os.path.join(run.BENCH_DIR, "push_node.mjs")
CONFORMANCE = os.path.join(run.REPO, "tests", "conformance")
REDIRECT = os.path.join(CONFORMANCE, "redirect.cjs")
CLIENT_VERSION = "4.0.1"
SOURCE = "local-default"
POLL_S = 0.2
CLIENT_TIMEOUT_S = 3600
SEARCHABLE_TIMEOUT_S = 3600
MAX_PENDING = "100000000"
NODE_MAX_CONCURRENT = 10

# What each corpus holds. Sizes are targets; the last large file brings the total to total_bytes
# (in the full corpus, within 100-250 MB).
FULL = {"total_bytes": 10**9, "man_pages": None, "doc_html": True, "pdfs": 300, "docx": 300,
        "medium": [("html", 8 * 10**6), ("html", 20 * 10**6), ("html", 35 * 10**6),
                   ("html", 45 * 10**6), ("txt", 25 * 10**6), ("txt", 40 * 10**6),
                   ("pdf", 8 * 10**6), ("docx", 6 * 10**6)],
        "large": [("html", 240 * 10**6), ("txt", 180 * 10**6), ("html", None)]}
QUICK = {"total_bytes": 20 * 10**6, "man_pages": 400, "doc_html": 20, "pdfs": 10, "docx": 10,
         "medium": [("html", 5 * 10**6), ("pdf", 1 * 10**6)],
         "large": [("html", None)]}
LARGE_MIN, LARGE_MAX = 100 * 10**6, 250 * 10**6


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# The corpus ---------------------------------------------------------------------------------------

def latin1_lines(text, width=95):
    """The text as lines a PDF content stream in WinAnsi can show (corpus_formats.pdf)."""
    out = []
    for line in text.splitlines():
        line = line.encode("latin-1", "replace").decode("latin-1").rstrip()
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return out


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def html_page(title, fragment):
    return ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{fragment}</body>\n</html>\n")


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def pdf_of(pages_text, title):
    lines = []
    for text in pages_text:
        lines += latin1_lines(text)
    pages = [lines[i:i + 50] for i in range(0, len(lines), 50)] or [[title]]
    return corpus_formats.pdf(pages, title=title, author="man-pages", compress=True)


def docx_of(pages_text, title):
    paragraphs = []
    for text in pages_text:
        paragraphs += [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)
                       if block.strip()]
    return corpus_formats.docx(paragraphs, title=title, author="man-pages")


def rotating(items, start):
    start %= len(items)
    return items[start:] + items[:start]


def text_file(paths, target, out_path):
    """Man pages one after the other (round the list again if needed) up to target bytes."""
    written = 0
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "wb") as out:
        while written < target:
            for path in paths:
                chunk = (f"\n==== {os.path.basename(path)} ====\n\n" + read_text(path)).encode()
                out.write(chunk)
                written += len(chunk)
                if written >= target:
                    break
    return written


def grown_file(kind, paths, target, out_path, seed):
    """A single file of this kind of about `target` bytes made of the pages at `paths`."""
    if kind == "html":
        os.makedirs(os.path.dirname(out_path), exist_ok=True)
        return corpus.html_from_text(rotating(paths, seed), target, out_path)
    if kind == "txt":
        return text_file(rotating(paths, seed), target, out_path)
    # PDF and .docx compress their text: grow the number of pages until the file is that big.
    make = pdf_of if kind == "pdf" else docx_of
    name = os.path.basename(out_path)
    count = 100
    while True:
        data = make([read_text(paths[(seed + k) % len(paths)]) for k in range(count)], name)
        if len(data) >= target:
            return write_bytes(out_path, data)
        count = int(count * target / len(data) * 1.05) + 1


def build_corpus(spec, out_dir):
    """Writes the corpus into out_dir; returns its composition {kind: {files, bytes}}."""
    man = corpus.man_documents(spec["man_pages"])
    man = [p for p in man if os.path.getsize(p) > 0]
    docs = corpus.doc_html()
    if spec["doc_html"] is not True:
        docs = docs[: spec["doc_html"]]
    made = collections.OrderedDict()

    def note(kind, size):
        entry = made.setdefault(kind, {"files": 0, "bytes": 0})
        entry["files"] += 1
        entry["bytes"] += size

    man_root = os.path.join(corpus.CACHE, "man")
    log(f"push_cli: writing the corpus into {out_dir}")
    for i, path in enumerate(man):
        rel = os.path.relpath(path, man_root)  # man1/ls.1.txt, doc/...txt
        if i % 2 == 0:
            name = os.path.basename(rel)[: -len(".txt")]
            page = html_page(html.escape(name), corpus._html_piece(path))
            note("small HTML (man pages)", write_bytes(
                os.path.join(out_dir, "html", os.path.dirname(rel), name + ".html"),
                page.encode()))
        else:
            size = os.path.getsize(path)
            os.makedirs(os.path.join(out_dir, "text", os.path.dirname(rel)), exist_ok=True)
            shutil.copyfile(path, os.path.join(out_dir, "text", rel))
            note("small text (man pages)", size)
    for path in docs:
        rel = os.path.relpath(path, corpus.DOC_ROOT)
        target = os.path.join(out_dir, "html", "doc", rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.realpath(path), target)
        note("small HTML (/usr/share/doc)", os.path.getsize(target))
    # PDFs and .docx of 1 to 40 man pages each, from spread-out places in the list.
    for kind, count, make in (("pdf", spec["pdfs"], pdf_of), ("docx", spec["docx"], docx_of)):
        for i in range(count):
            pages = 1 + (i * 7) % 40
            start = (i * 997 + (0 if kind == "pdf" else 5003)) % len(man)
            texts = [read_text(man[(start + k) % len(man)]) for k in range(pages)]
            name = f"{kind}-{i:04d}.{kind}"
            note(f"{'PDF' if kind == 'pdf' else '.docx'} (man pages)",
                 write_bytes(os.path.join(out_dir, kind, name), make(texts, name)))
    sources = docs + man
    for i, (kind, target) in enumerate(spec["medium"]):
        path = os.path.join(out_dir, "medium", f"medium-{i}.{kind}")
        log(f"push_cli:   {os.path.relpath(path, out_dir)} (~{target / 1e6:.0f} MB)")
        note("medium (5-50 MB)", grown_file(kind, sources if kind == "html" else man, target,
                                            path, seed=1000 * (i + 1)))
    for i, (kind, target) in enumerate(spec["large"]):
        if target is None:  # the last one brings the corpus to its total size
            so_far = sum(v["bytes"] for v in made.values())
            target = spec["total_bytes"] - so_far
            if spec is FULL:
                target = min(max(target, LARGE_MIN), LARGE_MAX)
        path = os.path.join(out_dir, "large", f"large-{i}.{kind}")
        log(f"push_cli:   {os.path.relpath(path, out_dir)} (~{target / 1e6:.0f} MB)")
        note("large (100-250 MB)" if spec is FULL else "large (quick: small)",
             grown_file(kind, sources if kind == "html" else man, target, path,
                        seed=7000 * (i + 1)))
    return made


def corpus_for(quick):
    """The cached corpus directory and its composition, built on first use."""
    name = f"corpus-v{CORPUS_VERSION}-{'quick' if quick else 'full'}"
    out_dir = os.path.join(CORPUS_ROOT, name)
    meta_path = os.path.join(CORPUS_ROOT, name + ".json")
    if os.path.isdir(out_dir) and os.path.exists(meta_path):
        with open(meta_path) as f:
            return out_dir, json.load(f)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(CORPUS_ROOT, exist_ok=True)
    building = out_dir + ".building"
    shutil.rmtree(building, ignore_errors=True)
    started = time.perf_counter()
    composition = build_corpus(QUICK if quick else FULL, building)
    os.replace(building, out_dir)
    meta = {"composition": composition, "build_s": round(time.perf_counter() - started, 1)}
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + ".tmp", meta_path)
    log(f"push_cli: corpus built in {meta['build_s']} s")
    return out_dir, meta


def corpus_files(root):
    """Every file of the corpus, sorted: (absolute path, path relative to root, size)."""
    out = []
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            out.append((path, os.path.relpath(path, root), os.path.getsize(path)))
    return sorted(out)


def document_id(root, rel):
    """The documentId `sluice push ROOT` gives the file: file:// + the percent-encoded absolute
    path (every byte but A-Z a-z 0-9 - . _ ~ and the slashes encoded)."""
    return "file://" + urllib.parse.quote(os.path.join(os.path.abspath(root), rel), safe="/")


def extension_of(rel):
    name = os.path.basename(rel)
    dot = name.rfind(".")
    return "" if dot < 0 or dot == len(name) - 1 else name[dot:].lower()


def warm_page_cache(files):
    """Reads every file once, so that no client pays for the disk the first time."""
    for path, _, _ in files:
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass


# Measuring a client ------------------------------------------------------------------------------

def machine_busy_s():
    """CPU seconds the whole machine has spent busy (not idle or waiting for I/O)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def server_cpu(pid):
    """{thread name: CPU seconds} of the server, plus its extraction children (PDF and Office
    files are read in `sluice extract-child` processes) once it has waited for them."""
    out = ingest.thread_cpu(pid)
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    out["children (extract-child)"] = round((int(fields[13]) + int(fields[14]))
                                            / os.sysconf("SC_CLK_TCK"), 2)
    return out


def self_cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_process(cmd, env, out_path, timeout=CLIENT_TIMEOUT_S):
    """Runs cmd to its end: (exit code, wall seconds, CPU seconds, peak RSS in KiB)."""
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=run.REPO)
        killer = threading.Timer(timeout, lambda: proc.send_signal(signal.SIGKILL))
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def tail(path, chars=3000):
    with open(path, errors="replace") as f:
        return f.read()[-chars:]


class SearchablePoller:
    """Polls the Search API's totalCount from the client's start until it reaches `n`."""

    def __init__(self, server, n, t0):
        self.server, self.n, self.t0 = server, n, t0
        self.seconds = None
        self.count = 0
        self.polls = 0
        self.error = None
        self.server_cpu_at_searchable = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        last_check = 0.0
        try:
            while not self._stop.is_set():
                self.count = ingest.searchable(self.server)
                self.polls += 1
                elapsed = time.perf_counter() - self.t0
                if self.count >= self.n:
                    self.seconds = elapsed
                    self.server_cpu_at_searchable = server_cpu(self.server.proc.pid)
                    if self.count > self.n:
                        self.error = f"{self.count} items searchable, {self.n} pushed"
                    return
                if elapsed - last_check >= 2:
                    last_check = elapsed
                    if ingest.failed_items(self.server):
                        self.error = f"items failed: {failed_log(self.server)}"
                        return
                    if self.server.proc.poll() is not None:
                        self.error = f"sluice exited with {self.server.proc.returncode}"
                        return
                if elapsed > SEARCHABLE_TIMEOUT_S:
                    self.error = f"only {self.count} of {self.n} searchable after {elapsed:.0f} s"
                    return
                self._stop.wait(POLL_S)
        except Exception as e:  # noqa: BLE001  (reported by the caller)
            self.error = f"polling the Search API: {e!r}"

    def join(self):
        self._thread.join()

    def stop(self):
        self._stop.set()
        self._thread.join()


def failed_log(server):
    status, body = server.json("POST", "/logs/v1/organizations/local?perPage=20",
                               {"results": ["ERROR", "REJECTED"]})
    if status != 200:
        return f"(logs answered {status})"
    return "; ".join(f"{e.get('id')} {e.get('result')} {(e.get('meta') or {}).get('reason', '')}"
                     for e in body.get("documentLogEntries", []))[:2000]


def item_results(server, n):
    """Log lines of item adds that did not simply complete: {result: {count, reasons}}; the
    rest of the n items completed."""
    out = {}
    for result in ("WARNING", "SKIPPED", "REJECTED", "ERROR"):
        count, reasons = 0, collections.Counter()
        for page in range(n // 1000 + 2):
            status, body = server.json(
                "POST", f"/logs/v1/organizations/local?perPage=1000&page={page}",
                {"results": [result], "operations": ["ADD", "ADD_BY_REFERENCE"]})
            if status != 200:
                raise RuntimeError(f"the Logs API answered {status}: {body}")
            for e in body["documentLogEntries"]:
                count += 1
                reasons[re.sub(r"\d+", "N", str((e.get("meta") or {}).get("reason", "")))[:160]] += 1
            if not body.get("hasNextPage"):
                break
        if count:
            out[result] = {"count": count, "reasons": dict(reasons.most_common(3))}
    return out


def wait_for_load(max_load, max_wait):
    started = time.time()
    announced = False
    while os.getloadavg()[0] >= max_load and time.time() - started < max_wait:
        if not announced:
            log(f"push_cli: load {os.getloadavg()[0]:.2f} >= {max_load}; waiting up to "
                f"{max_wait:.0f} s")
            announced = True
        time.sleep(5)
    return round(os.getloadavg()[0], 2), round(time.time() - started, 1)


def measured_push(binary, cmd, env, n, work, label, wait_searchable=True):
    """A fresh server, the client command against it, the searchable poll: the figures (with
    wait_searchable False, the server is stopped once the client exits: a profile run)."""
    server = run.start_sluice(binary, ["--rate-limit", "0",
                                       "--max-pending-operations", MAX_PENDING])
    try:
        env = dict(env, SLUICE_URL=f"http://127.0.0.1:{server.port}",
                   SLUICE_API_KEY=run.api_key())
        cmd = [c.replace("@URL@", env["SLUICE_URL"]) for c in cmd]
        pid = server.proc.pid
        cpu0 = server_cpu(pid)
        busy0, self0 = machine_busy_s(), self_cpu_s()
        t0 = time.perf_counter()
        poller = SearchablePoller(server, n, t0)
        try:
            out_path = os.path.join(work, f"{label}.out")
            code, wall, cpu, rss_kib = run_process(cmd, env, out_path)
            cpu_at_exit = server_cpu(pid)
            busy_exit, self_exit = machine_busy_s(), self_cpu_s()
            if code != 0:
                raise RuntimeError(f"{label} exited with {code}: {tail(out_path)}")
            if not wait_searchable:
                return {"wall_s": round(wall, 3), "client_cpu_s": round(cpu, 2)}
            poller.join()
        finally:
            poller.stop()
        busy_end, self_end = machine_busy_s(), self_cpu_s()
        if poller.error:
            raise RuntimeError(f"{label}: {poller.error}; server log {server.log_path}")
        results = item_results(server, n)
        server_rss = server.peak_rss_kib()
        output = tail(out_path, 4000)
    finally:
        run.stop_sluice(server)

    def delta(cpu):
        return {k: round(v - cpu0.get(k, 0.0), 2) for k, v in cpu.items()
                if v - cpu0.get(k, 0.0) >= 0.01}

    server_push = delta(cpu_at_exit)
    server_all = delta(poller.server_cpu_at_searchable or cpu_at_exit)
    server_push_s = sum(server_push.values())
    server_all_s = sum(server_all.values())
    searchable = poller.seconds
    return {
        "wall_s": round(wall, 3), "searchable_s": round(searchable, 3),
        "client_cpu_s": round(cpu, 2), "client_peak_rss_mib": round(rss_kib / 1024, 1),
        "server_cpu_s_push": round(server_push_s, 2), "server_cpu_s_by_thread_push": server_push,
        "server_cpu_s_searchable": round(server_all_s, 2),
        "server_cpu_s_by_thread_searchable": server_all,
        "server_peak_rss_mib": round(server_rss / 1024, 1),
        # Busy CPU of everything else on the machine while the client ran (the bench's own
        # polling thread excluded), and until all was searchable.
        "others_cpu_s_push": round(busy_exit - busy0 - cpu - server_push_s - (self_exit - self0),
                                   2),
        "others_cpu_s_searchable": round(busy_end - busy0 - cpu - server_all_s
                                         - (self_end - self0), 2),
        "item_log_results": results, "polls": poller.polls, "output_tail": output[-1500:],
    }


def sluice_run(binary, root, n, work, parallel):
    cmd = [binary, "push", root, "--url", "@URL@", "--org", "local", "--source", SOURCE,
           "--no-manifest", "-q"]
    if parallel:
        cmd += ["--parallel", str(parallel)]
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    r = measured_push(binary, cmd, env, n, work, "sluice-push")
    summary = [line for line in r["output_tail"].splitlines() if line.startswith("pushed ")]
    r["summary_line"] = summary[-1] if summary else r["output_tail"][-300:]
    return r


def write_conversion_list(files, root, json_dir, path):
    with open(path, "w") as f:
        for abs_path, rel, _ in files:
            f.write(json.dumps({"path": abs_path, "out": os.path.join(json_dir, rel + ".json"),
                                "documentId": document_id(root, rel),
                                "title": os.path.basename(rel),
                                "fileExtension": extension_of(rel)}) + "\n")


def node_run(binary, files, root, n, work, max_concurrent):
    json_dir = os.path.join(work, "json")
    list_path = os.path.join(work, "convert.jsonl")
    write_conversion_list(files, root, json_dir, list_path)
    try:
        out_path = os.path.join(work, "node-convert.out")
        code, wall, cpu, rss_kib = run_process(["node", NODE_SCRIPT, "convert", list_path],
                                               dict(os.environ), out_path)
        if code != 0:
            raise RuntimeError(f"push_node.mjs convert exited with {code}: {tail(out_path)}")
        convert = json.loads(tail(out_path).strip().splitlines()[-1])
        convert.update({"wall_s": round(wall, 3), "cpu_s": round(cpu, 2),
                        "peak_rss_mib": round(rss_kib / 1024, 1)})
        cmd = ["node", "--require", REDIRECT, NODE_SCRIPT, "push", json_dir, str(n),
               "--source", SOURCE, "--max-concurrent", str(max_concurrent)]
        r = measured_push(binary, cmd, dict(os.environ), n, work, "node-push")
        lines = [line for line in r["output_tail"].splitlines() if line.startswith("{")]
        r["client_report"] = json.loads(lines[-1]) if lines else None
        r["convert"] = convert
    finally:
        shutil.rmtree(json_dir, ignore_errors=True)
    return r


# Profiles (--profile; not measured) ---------------------------------------------------------------

def node_profile_summary(profile_dir, top=15):
    """Self time by function over the .cpuprofile files node --cpu-prof wrote."""
    totals = collections.Counter()
    all_us = 0
    for name in os.listdir(profile_dir):
        if not name.endswith(".cpuprofile"):
            continue
        with open(os.path.join(profile_dir, name)) as f:
            prof = json.load(f)
        nodes = {node["id"]: node["callFrame"] for node in prof["nodes"]}
        for sample, dt in zip(prof.get("samples", []), prof.get("timeDeltas", [])):
            frame = nodes.get(sample, {})
            url = frame.get("url", "")
            where = url.split("node_modules/")[-1] if "node_modules/" in url else \
                os.path.basename(url)
            totals[f"{frame.get('functionName') or '(anonymous)'} {where}".strip()] += max(dt, 0)
            all_us += max(dt, 0)
    return [(k, round(v / 1e6, 2), round(100 * v / max(all_us, 1), 1))
            for k, v in totals.most_common(top)]


def perf_summary(data_path, top=15):
    """Self time by library, then by function, of a `perf record` of sluice push."""
    rows = []
    for sort, limit in (("dso", 6), ("dso,symbol", top)):
        done = subprocess.run(["perf", "report", "-i", data_path, "--stdio", "--no-children",
                               "-g", "none", "--sort", sort, "--percent-limit", "0.5"],
                              capture_output=True, text=True, timeout=600)
        found = []
        for line in done.stdout.splitlines():
            if sort == "dso":
                m = re.match(r"\s*([\d.]+)%\s+(\S+)\s*$", line)
                if m:
                    found.append((f"all of {m.group(2)}", float(m.group(1))))
                continue
            m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*)", line)
            if m:
                symbol = re.split(r"\s{2,}", m.group(3).strip())[0]
                found.append((f"{symbol} ({m.group(2)})", float(m.group(1))))
        rows += found[:limit]
    return rows


def profile_runs(binary, files, root, n, work, max_concurrent):
    out = {}
    prof_dir = os.path.join(work, "node-prof")
    os.makedirs(prof_dir, exist_ok=True)
    json_dir = os.path.join(work, "json")
    list_path = os.path.join(work, "convert.jsonl")
    write_conversion_list(files, root, json_dir, list_path)
    try:
        code, _, _, _ = run_process(["node", "--cpu-prof", "--cpu-prof-dir", prof_dir + "/convert",
                                     NODE_SCRIPT, "convert", list_path], dict(os.environ),
                                    os.path.join(work, "prof-convert.out"))
        if code == 0:
            out["node_convert"] = node_profile_summary(prof_dir + "/convert")
        cmd = ["node", "--cpu-prof", "--cpu-prof-dir", prof_dir + "/push", "--require", REDIRECT,
               NODE_SCRIPT, "push", json_dir, str(n), "--source", SOURCE,
               "--max-concurrent", str(max_concurrent)]
        measured_push(binary, cmd, dict(os.environ), n, work, "node-profile",
                      wait_searchable=False)
        out["node_push"] = node_profile_summary(prof_dir + "/push")
    finally:
        shutil.rmtree(json_dir, ignore_errors=True)
    if run.have("perf"):
        data = os.path.join(work, "perf.data")
        cmd = ["perf", "record", "-F", "499", "-g", "-o", data, "--", binary, "push", root,
               "--url", "@URL@", "--org", "local", "--source", SOURCE, "--no-manifest", "-q"]
        tmp = os.path.join(work, "tmp")
        os.makedirs(tmp, exist_ok=True)
        try:
            measured_push(binary, cmd, dict(os.environ, TMPDIR=tmp), n, work, "sluice-profile",
                          wait_searchable=False)
            out["sluice_push"] = perf_summary(data)
        except RuntimeError as e:
            out["sluice_push"] = [(f"perf failed: {e}", 0.0)]
    return out


# Main ---------------------------------------------------------------------------------------------

def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--parallel", type=int, default=0,
                        help="sluice push --parallel (default: sluice push's own, 4)")
    parser.add_argument("--max-concurrent", type=int, default=NODE_MAX_CONCURRENT,
                        help="the Node client's maxConcurrent")
    parser.add_argument("--max-load", type=float, default=2.5,
                        help="wait for the 1-minute load average to drop below this before a run")
    parser.add_argument("--load-wait", type=float, default=None,
                        help="seconds to wait for it at most (default 300; 0 with --quick)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one unmeasured run of each client")
    args = parser.parse_args()
    binary = os.path.abspath(args.sluice)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no sluice binary at {binary} (run `make build` or pass --sluice)")
    load_wait = args.load_wait if args.load_wait is not None else (0 if args.quick else 300)
    done = subprocess.run(["bash", os.path.join(CONFORMANCE, "install.sh")])
    if done.returncode != 0:
        sys.exit("tests/conformance/install.sh failed: node, npm or the Node client is missing")

    root, meta = corpus_for(args.quick)
    files = corpus_files(root)
    n = len(files)
    total = sum(size for _, _, size in files)
    composition = meta["composition"]
    if sum(v["files"] for v in composition.values()) != n:
        sys.exit(f"the corpus at {root} has {n} files, its composition says otherwise; "
                 f"remove it to rebuild")
    log(f"push_cli: {n:,} files, {total / 1e6:.0f} MB in {root}")
    warm_page_cache(files)
    mb = total / 1e6

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    results = {"sluice": [], "node": []}
    work = run.scratch_dir("push_cli-")
    profiles = None
    try:
        for i in range(args.runs):
            order = ["sluice", "node"] if i % 2 == 0 else ["node", "sluice"]
            for who in order:
                load, waited = wait_for_load(args.max_load, load_wait)
                if who == "sluice":
                    r = sluice_run(binary, root, n, work, args.parallel)
                else:
                    r = node_run(binary, files, root, n, work, args.max_concurrent)
                r.update({"load_1min_at_start": load, "waited_for_load_s": waited,
                          "mb_s": round(mb / r["wall_s"], 1),
                          "files_s": round(n / r["wall_s"], 1)})
                if who == "node":
                    c = r["convert"]
                    r["convert"]["mb_s"] = round(mb / c["wall_s"], 1)
                    r["convert_plus_push_s"] = round(c["wall_s"] + r["wall_s"], 3)
                    r["convert_plus_push_mb_s"] = round(mb / r["convert_plus_push_s"], 1)
                results[who].append(r)
                extra = (f"; conversion {r['convert']['wall_s']:.1f} s" if who == "node" else "")
                log(f"push_cli: run {i + 1} {who}: acknowledged in {r['wall_s']:.1f} s "
                    f"({r['mb_s']:.0f} MB/s, {r['files_s']:.0f} files/s), searchable after "
                    f"{r['searchable_s']:.1f} s; client CPU {r['client_cpu_s']:.1f} s, peak RSS "
                    f"{r['client_peak_rss_mib']:.0f} MiB; server CPU {r['server_cpu_s_push']:.1f} s"
                    f" until acknowledged; others' CPU {r['others_cpu_s_push']:.1f} s; load at "
                    f"start {load}{extra}")
        if args.profile:
            profiles = profile_runs(binary, files, root, n, work, args.max_concurrent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_at_end = [round(x, 2) for x in os.getloadavg()]

    def s(who, key, sub=None):
        values = [(r[sub][key] if sub else r[key]) for r in results[who]]
        return run.stats(values)

    sl, nd = "sluice", "node"
    node_label = f"Node client {CLIENT_VERSION}"
    rows_out = [
        ["`sluice push` (wall = acknowledged)", run.fmt(s(sl, "wall_s"), "s"),
         run.fmt(s(sl, "mb_s")), run.fmt(s(sl, "files_s")), run.fmt(s(sl, "searchable_s"), "s"),
         run.fmt(s(sl, "client_cpu_s"), "s"), run.fmt(s(sl, "client_peak_rss_mib"), "MiB"),
         run.fmt(s(sl, "server_cpu_s_push"), "s")],
        [f"{node_label}: conversion to JSON", run.fmt(s(nd, "wall_s", "convert"), "s"),
         run.fmt(s(nd, "mb_s", "convert")), "—", "—", run.fmt(s(nd, "cpu_s", "convert"), "s"),
         run.fmt(s(nd, "peak_rss_mib", "convert"), "MiB"), "—"],
        [f"{node_label}: batchUpdateDocumentsFromFiles", run.fmt(s(nd, "wall_s"), "s"),
         run.fmt(s(nd, "mb_s")), run.fmt(s(nd, "files_s")), run.fmt(s(nd, "searchable_s"), "s"),
         run.fmt(s(nd, "client_cpu_s"), "s"), run.fmt(s(nd, "client_peak_rss_mib"), "MiB"),
         run.fmt(s(nd, "server_cpu_s_push"), "s")],
        [f"{node_label}: conversion + push", run.fmt(s(nd, "convert_plus_push_s"), "s"),
         run.fmt(s(nd, "convert_plus_push_mb_s")), "—", "—", "—", "—", "—"],
    ]
    composition_rows = [[kind, f"{v['files']:,}", f"{v['bytes'] / 1e6:.1f}"]
                        for kind, v in composition.items()]
    composition_rows.append(["total", f"{n:,}", f"{total / 1e6:.1f}"])
    big_files = ", ".join(f"{rel} {size / 1e6:.1f} MB" for _, rel, size in files
                          if rel.startswith(("medium/", "large/")))
    print(f"\n### `sluice push` vs the Node client ({n:,} files, {mb:,.0f} MB of 10^6 bytes; "
          f"median [min–max] of {args.runs} runs each)\n")
    print(run.table(["Client", "Wall", "MB/s", "files/s", "Client start -> all searchable",
                     "Client CPU", "Client peak RSS", "Server CPU until acknowledged"], rows_out))
    print("\nCorpus:\n")
    print(run.table(["Kind", "Files", "MB"], composition_rows))
    print(f"\nMedium and large files: {big_files}.")
    ratio = [round(b["wall_s"] / a["wall_s"], 2)
             for a, b in zip(results[sl], results[nd])]
    ratio_total = [round(b["convert_plus_push_s"] / a["wall_s"], 2)
                   for a, b in zip(results[sl], results[nd])]
    last_node = results[nd][-1]
    print(f"\nNode push time / sluice push time: {run.fmt(run.stats(ratio))} "
          f"(with the conversion: {run.fmt(run.stats(ratio_total))}).")
    report = last_node.get("client_report") or {}
    print(f"Node client, last run: {report.get('batches')} batches, {report.get('requests')} "
          f"requests, at most {report.get('in_flight_max')} in flight "
          f"({report.get('uploads_in_flight_max')} uploads), "
          f"{(report.get('upload_bytes') or 0) / 1e6:.0f} MB uploaded; conversion: "
          f"{last_node['convert']['compressed_bytes'] / 1e6:.0f} MB zlib, "
          f"{last_node['convert']['json_bytes'] / 1e6:.0f} MB of JSON.")
    print(f"sluice push, last run: {results[sl][-1]['summary_line']}")
    for who in (sl, nd):
        r = results[who][-1]
        print(f"{who}, last run: server CPU by thread until acknowledged "
              f"{r['server_cpu_s_by_thread_push']}, until searchable "
              f"{r['server_cpu_s_by_thread_searchable']}; item adds not COMPLETED: "
              f"{r['item_log_results'] or 'none'}")
    print("Load (1 min) at each run's start: sluice "
          + ", ".join(str(r["load_1min_at_start"]) for r in results[sl]) + "; Node "
          + ", ".join(str(r["load_1min_at_start"]) for r in results[nd])
          + f". Other processes' CPU while the client ran: sluice "
          + ", ".join(f"{r['others_cpu_s_push']:.1f}" for r in results[sl]) + " s; Node "
          + ", ".join(f"{r['others_cpu_s_push']:.1f}" for r in results[nd]) + " s.")
    if profiles:
        for name, rows in profiles.items():
            print(f"\nProfile, {name} (self time; unmeasured run):\n")
            print(run.table(["Function", "Share"],
                            [[row[0], f"{row[-1]}%"] for row in rows]))

    figure = f"push {mb / 1000:.2f} GB of mixed files ({n:,}), start -> all acknowledged"
    peers = {f"{node_label} batchUpdateDocumentsFromFiles (push only)": s(nd, "mb_s"),
             f"{node_label} (JSON conversion + push)": s(nd, "convert_plus_push_mb_s")}
    rows = [
        {"figure": figure, "unit": "MB/s", "goal": "—", "sluice": s(sl, "mb_s"), "peers": peers,
         "met": None},
        {"figure": f"push {mb / 1000:.2f} GB of mixed files: client start -> all searchable",
         "unit": "s", "goal": "—", "sluice": s(sl, "searchable_s"),
         "peers": {f"{node_label} (push only)": s(nd, "searchable_s")}, "met": None},
        {"figure": f"push {mb / 1000:.2f} GB of mixed files: client peak RSS", "unit": "MiB",
         "goal": "—", "sluice": s(sl, "client_peak_rss_mib"),
         "peers": {f"{node_label} push": s(nd, "client_peak_rss_mib"),
                   f"{node_label} conversion": s(nd, "peak_rss_mib", "convert")}, "met": None},
        {"figure": f"push {mb / 1000:.2f} GB of mixed files: client CPU", "unit": "s",
         "goal": "—", "sluice": s(sl, "client_cpu_s"),
         "peers": {f"{node_label} push": s(nd, "client_cpu_s"),
                   f"{node_label} conversion": s(nd, "cpu_s", "convert")}, "met": None},
    ]
    path = run.write_result("push_cli", {
        "figure": figure, "unit": "MB/s", "goal": "—", "sluice": rows[0]["sluice"],
        "peers": peers, "met": None, "rows": rows,
        "extra": {"files": n, "bytes": total, "composition": composition, "corpus_dir": root,
                  "medium_and_large_files": big_files,
                  "corpus_build_s": meta.get("build_s"), "quick": args.quick,
                  "node_over_sluice_wall": run.stats(ratio),
                  "node_convert_plus_push_over_sluice_wall": run.stats(ratio_total),
                  "sluice_files_s": s(sl, "files_s"), "node_files_s": s(nd, "files_s"),
                  "sluice_wall_s": s(sl, "wall_s"), "node_push_wall_s": s(nd, "wall_s"),
                  "node_convert_wall_s": s(nd, "wall_s", "convert"),
                  "node_convert_plus_push_s": s(nd, "convert_plus_push_s"),
                  "load_1min_at_start": load_at_start, "load_at_end": load_at_end,
                  "max_load": args.max_load, "load_wait_s": load_wait,
                  "profiles": profiles, "runs": results}})
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
