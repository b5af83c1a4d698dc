#!/usr/bin/env python3
"""Batch ingestion of the man-page corpus, push -> searchable, beside raw Xapian, SQLite FTS5
and PostgreSQL full-text loading of the same documents.

Sluice: a fresh `sluice serve` (--rate-limit 0) per run; every document goes out as an item of a
batch file ({"addOrUpdate": [{documentId, title, data, fileExtension}]}) through a file container
(POST .../files, PUT to the uploadUri with its requiredHeaders, PUT .../documents/batch?fileId=),
one batch after the other; then an empty query is polled until its totalCount is the number of
documents. Figure: documents / seconds from the first upload to all searchable. Also reported:
the time until every batch was accepted (202), and the CPU seconds of the server's threads.

Peers, same documents, same command (each run on a fresh database):
- xapian_index (bench/peers): TermGenerator, English STEM_SOME, positions, replace_document,
  commit every 1,000 documents.
- SQLite FTS5 (python sqlite3): fts5(path UNINDEXED, title, body, tokenize='porter unicode61'),
  one transaction, WAL, synchronous=NORMAL; the texts read before the clock starts.
- PostgreSQL 15 full text: a temporary cluster (initdb, 127.0.0.1, a free port), a table with a
  generated tsvector column and its GIN index created before `\\copy` (the "online" load), then
  CHECKPOINT and VACUUM ANALYZE, all timed; the cluster is stopped and removed at the end.

Python 3 standard library only. Usage:
    python3 bench/ingest.py [--sluice build/release/src/app/sluice] [--runs 3] [--quick]
                            [--docs N] [--batch-size 1000]
"""

import argparse
import csv
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402

GOAL_DOCS_S = 3000
QUICK_DOCS = 2000
PUSH = "/push/v1/organizations/local"
SOURCE = "local-default"
PG_BIN = "/usr/lib/postgresql/15/bin"
POLL_S = 0.1
LOAD_TIMEOUT_S = 3600


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Document:
    __slots__ = ("path", "uri", "title", "text")

    def __init__(self, path, root):
        rel = os.path.relpath(path, root)
        self.path = path
        self.title = os.path.basename(path)[: -len(".txt")]
        folder = os.path.dirname(rel)
        # man1/ls.1.txt -> file:///usr/share/man/man1/ls.1; doc pages keep their doc/ folder.
        base = "/usr/share/man" if folder.startswith("man") else "/usr/share"
        self.uri = "file://" + urllib.parse.quote(f"{base}/{folder}/{self.title}")
        with open(path, encoding="utf-8", errors="replace") as f:
            self.text = f.read().replace("\x00", "")


# Sluice -----------------------------------------------------------------------------------------

def make_batches(docs, batch_size):
    batches = []
    for at in range(0, len(docs), batch_size):
        items = [{"documentId": d.uri, "title": d.title, "data": d.text, "fileExtension": ".txt"}
                 for d in docs[at:at + batch_size]]
        batches.append(json.dumps({"addOrUpdate": items}).encode())
    return batches


def check(status, body, what):
    if status >= 300:
        raise RuntimeError(f"{what}: {status} {str(body)[:500]}")
    return body


def push_batch(server, batch):
    """File container, upload of the batch file, then documents/batch (202)."""
    container = check(*server.json("POST", f"{PUSH}/files", {}), "POST files")
    status, _, body = server.upload(container["uploadUri"], batch, container["requiredHeaders"])
    check(status, body, "upload")
    file_id = urllib.parse.quote(container["fileId"])
    check(*server.json("PUT", f"{PUSH}/sources/{SOURCE}/documents/batch?fileId={file_id}"),
          "PUT documents/batch")


def searchable(server):
    return check(*server.json("POST", "/rest/search/v2", {"q": "", "numberOfResults": 0}),
                 "search")["totalCount"]


def failed_items(server):
    sources = check(*server.json("GET", "/api/v1/organizations/local/sources"), "sources")
    return next(s for s in sources["sources"] if s["id"] == SOURCE).get("failedCount", 0)


def thread_cpu(pid):
    """{thread name: CPU seconds} of a process's threads (user + system)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1: stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return {k: round(v, 2) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def run_sluice(binary, batches, n):
    server = run.start_sluice(binary, ["--rate-limit", "0"])
    try:
        cpu_before = thread_cpu(server.proc.pid)
        started = time.perf_counter()
        for batch in batches:
            push_batch(server, batch)
        accepted_s = time.perf_counter() - started
        polls, last_check = 0, 0.0
        while True:
            count = searchable(server)
            polls += 1
            elapsed = time.perf_counter() - started
            if count == n:
                break
            if count > n:
                raise RuntimeError(f"{count} items searchable, only {n} pushed")
            if elapsed - last_check >= 2:
                last_check = elapsed
                if failed_items(server):
                    raise RuntimeError("items failed to index; see the server log "
                                       f"{server.log_path}")
                if server.proc.poll() is not None:
                    raise RuntimeError(f"sluice exited with {server.proc.returncode}")
            if elapsed > LOAD_TIMEOUT_S:
                raise RuntimeError(f"only {count} of {n} searchable after {LOAD_TIMEOUT_S} s")
            time.sleep(POLL_S)
        cpu = thread_cpu(server.proc.pid)
        cpu = {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in cpu.items()}
        rss_mib = round(server.peak_rss_kib() / 1024, 1)
    finally:
        run.stop_sluice(server)
    return {"docs_s": n / elapsed, "searchable_s": round(elapsed, 3),
            "accepted_s": round(accepted_s, 3), "accepted_docs_s": round(n / accepted_s, 1),
            "polls": polls, "server_cpu_s_by_thread": cpu,
            "server_cpu_s": round(sum(cpu.values()), 2), "peak_rss_mib": rss_mib}


# Peers --------------------------------------------------------------------------------------------

def run_xapian(binary, list_file, work):
    db = os.path.join(work, "xapian")
    try:
        out = peers.run_peer([binary, list_file, db, "1000", "replace"])
    finally:
        shutil.rmtree(db, ignore_errors=True)
    return {"docs_s": out["docs"] / out["seconds"], "seconds": out["seconds"],
            "docs": out["docs"]}


def run_sqlite(docs, work):
    path = os.path.join(work, "fts5.sqlite")
    rows = [(d.uri, d.title, d.text) for d in docs]
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, title, body,
                                                 tokenize='porter unicode61');
        """)
        t0 = time.perf_counter()
        db.execute("BEGIN")
        db.executemany("INSERT INTO docs(path, title, body) VALUES(?, ?, ?)", rows)
        db.execute("COMMIT")
        load_s = time.perf_counter() - t0
        db.execute("INSERT INTO docs(docs) VALUES('optimize')")
        optimize_s = time.perf_counter() - t0 - load_s
        (count,) = db.execute("SELECT count(*) FROM docs").fetchone()
    finally:
        db.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(path + suffix)
            except FileNotFoundError:
                pass
    if count != len(docs):
        raise RuntimeError(f"SQLite holds {count} documents, {len(docs)} inserted")
    return {"docs_s": len(docs) / load_s, "seconds": round(load_s, 3),
            "optimize_s": round(optimize_s, 3)}


class Postgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (initdb as the postgres user, trust
    authentication for the local user `bench`)."""

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        self.port = run.free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.running = False

    def _as_owner(self, args, **kw):
        if self.user is not None:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, capture_output=True, text=True, **kw)

    def __enter__(self):
        os.makedirs(self.dir)
        if self.user is not None:
            # The scratch directory is private to root; postgres only needs to pass through.
            os.chmod(os.path.dirname(self.dir), 0o711)
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        data = os.path.join(self.dir, "data")
        done = self._as_owner([f"{PG_BIN}/initdb", "-D", data, "-U", "bench", "-A", "trust",
                               "-E", "UTF8", "--locale=C"], timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.dir}"
        done = self._as_owner([f"{PG_BIN}/pg_ctl", "-D", data, "-o", options, "-l",
                               os.path.join(self.dir, "log"), "-w", "-t", "120", "start"],
                              timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-2000:]}")
        self.running = True
        return self

    def psql(self, sql, timeout=3600):
        done = subprocess.run([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                               "127.0.0.1", "-p", str(self.port), "-U", "bench", "-d", "postgres",
                               "-c", sql], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"psql {sql[:80]!r}: {done.stderr[-2000:]}")
        return done.stdout

    def __exit__(self, *exc):
        if self.running:
            self._as_owner([f"{PG_BIN}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m",
                            "fast", "-w", "stop"], timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


def write_csv(docs, path):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        for d in docs:
            writer.writerow([d.uri, d.title, d.text])


def run_postgres(pg, csv_path, n):
    pg.psql("DROP TABLE IF EXISTS docs; CREATE TABLE docs (path text, title text, body text, "
            "tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', title || ' ' || body)) "
            "STORED); CREATE INDEX docs_tsv ON docs USING gin (tsv); CHECKPOINT;")
    t0 = time.perf_counter()
    pg.psql(f"\\copy docs(path, title, body) FROM '{csv_path}' WITH (FORMAT csv)")
    copy_s = time.perf_counter() - t0
    pg.psql("CHECKPOINT")
    pg.psql("VACUUM ANALYZE docs")
    total_s = time.perf_counter() - t0
    count = int(pg.psql("SELECT count(*) FROM docs WHERE tsv @@ to_tsquery('english', 'the') "
                        "OR true").split("\n")[2].strip())
    if count != n:
        raise RuntimeError(f"PostgreSQL holds {count} documents, {n} copied")
    size = pg.psql("SELECT pg_total_relation_size('docs')").split("\n")[2].strip()
    pg.psql("DROP TABLE docs")
    return {"docs_s": n / total_s, "seconds": round(total_s, 3), "copy_s": round(copy_s, 3),
            "relation_bytes": int(size)}


# Main ---------------------------------------------------------------------------------------------

def docs_s(results):
    return run.stats([round(r["docs_s"], 1) for r in results])


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--docs", type=int, default=None,
                        help=f"a sample of N documents (default: all; {QUICK_DOCS} with --quick)")
    parser.add_argument("--batch-size", type=int, default=1000, help="items per batch file")
    parser.add_argument("--peer-runs", type=int, default=None,
                        help="runs of each peer (default: --runs)")
    args = parser.parse_args()
    if not os.access(args.sluice, os.X_OK):
        sys.exit(f"no sluice binary at {args.sluice} (run `make build` or pass --sluice)")
    count = args.docs or (QUICK_DOCS if args.quick else None)
    paths = corpus.man_documents(count)
    root = os.path.join(corpus.CACHE, "man")
    docs = [Document(p, root) for p in paths]
    n = len(docs)
    text_bytes = sum(len(d.text.encode()) for d in docs)
    log(f"ingest: {n} documents, {text_bytes / 1e6:.1f} MB of text")
    peer_bins = peers.build_peers()
    batches = make_batches(docs, args.batch_size)
    peer_runs = args.peer_runs if args.peer_runs is not None else args.runs

    work = run.scratch_dir("ingest-")
    results = {"sluice": [], "xapian": [], "sqlite": [], "postgres": []}
    try:
        list_file = corpus.write_list(paths, os.path.join(work, "docs.list"))
        csv_path = os.path.join(work, "docs.csv")
        write_csv(docs, csv_path)
        with Postgres(work) as pg:
            for i in range(max(args.runs, peer_runs)):
                if i < args.runs:
                    r = run_sluice(args.sluice, batches, n)
                    results["sluice"].append(r)
                    log(f"ingest: run {i + 1}: sluice {r['docs_s']:.0f} docs/s "
                        f"(accepted after {r['accepted_s']:.1f} s, searchable after "
                        f"{r['searchable_s']:.1f} s; server CPU {r['server_cpu_s']:.1f} s: "
                        f"{r['server_cpu_s_by_thread']})")
                if i < peer_runs:
                    for name, go in (("xapian", lambda: run_xapian(peer_bins["xapian_index"],
                                                                   list_file, work)),
                                     ("sqlite", lambda: run_sqlite(docs, work)),
                                     ("postgres", lambda: run_postgres(pg, csv_path, n))):
                        r = go()
                        results[name].append(r)
                        log(f"ingest: run {i + 1}: {name} {r['docs_s']:.0f} docs/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    sluice = docs_s(results["sluice"])
    accepted = run.stats([r["accepted_docs_s"] for r in results["sluice"]])
    peer_stats = {
        "raw Xapian (commit per 1,000)": docs_s(results["xapian"]),
        "SQLite FTS5 (one transaction)": docs_s(results["sqlite"]),
        "PostgreSQL FTS (COPY + GIN, online)": docs_s(results["postgres"]),
    }
    met = sluice["median"] is not None and sluice["median"] >= GOAL_DOCS_S
    figure = (f"batch ingestion, push -> searchable, man-page corpus ({n:,} docs, "
              f"{text_bytes / 1e6:.0f} MB)")
    goal = f">= {GOAL_DOCS_S:,} docs/s end to end"
    print(f"\n### Ingestion (docs/s; median [min–max])\n")
    print(run.table(
        ["Figure", "Sluice", "Peers (same run)", "Goal", "Met?"],
        [[figure, run.fmt(sluice, "docs/s"),
          "; ".join(f"{k} {run.fmt(v)}" for k, v in peer_stats.items()), goal,
          "yes" if met else "**no**"]]))
    print(f"\nSluice: all {len(batches)} batches of {args.batch_size} accepted at "
          f"{run.fmt(accepted, 'docs/s')}; searchable after "
          f"{run.fmt(run.stats([r['searchable_s'] for r in results['sluice']]), 's')}; "
          f"server CPU {run.fmt(run.stats([r['server_cpu_s'] for r in results['sluice']]), 's')}"
          f" (by thread, last run: {results['sluice'][-1]['server_cpu_s_by_thread']}).")
    path = run.write_result("ingest", {
        "figure": figure, "unit": "docs/s", "goal": goal, "sluice": sluice, "peers": peer_stats,
        "met": met,
        "extra": {
            "docs": n, "text_bytes": text_bytes, "batch_size": args.batch_size,
            "batches": len(batches), "batch_json_bytes": sum(map(len, batches)),
            "sluice_all_batches_accepted_docs_s": accepted,
            "sluice_searchable_s": run.stats([r["searchable_s"] for r in results["sluice"]]),
            "sluice_accepted_s": run.stats([r["accepted_s"] for r in results["sluice"]]),
            "runs": results, "quick": args.quick,
        }})
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
