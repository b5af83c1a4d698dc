#!/usr/bin/env python3
"""Scale-out: Sluice nodes on one PostgreSQL and one S3 bucket (s3rver), on this machine.

Two figures, each beside a peer measured in the same run:
  - push throughput with 1, 2 and 3 nodes: wrk PUTs small inline items (bench/nginx/push.lua,
    as bench/pushes.py) to every node at once, 64 connections in all, and the 202s per second
    are summed. Peer: one embedded node (SQLite + local blobs), same wrk. On a 2-core machine the
    nodes, wrk and PostgreSQL share two cores: the figure shows the cost of the shared state,
    not a speed-up.
  - catch-up: a node started empty on a state holding 100,000 indexed items (pushed as batch files
    through file containers in the bucket) until its search finds all of them. Peers: the time
    the first node took to process those items, and psql reading every index change
    (the bytes a catching-up node must fetch) to /dev/null.

Needs PostgreSQL: run it under tests/postgres/with_postgres.sh (it re-runs itself so when
SLUICE_TEST_POSTGRES_URI is unset), and tests/cluster's npm packages (installed here).

Usage: python3 bench/cluster.py [--sluice PATH] [--runs N] [--quick] [--items N] [--seconds S]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import zlib

import run
import pushes

sys.path.insert(0, os.path.join(run.REPO, "tests", "cluster"))

BATCH_ITEMS = 5000


def psql(uri, command):
    done = subprocess.run(["psql", uri, "-At", "-c", command], capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout.strip()


def fresh_database(admin_uri, name):
    psql(admin_uri, f"DROP DATABASE IF EXISTS {name}")
    psql(admin_uri, f"CREATE DATABASE {name}")
    return admin_uri.rsplit("/", 1)[0] + "/" + name


def start_node(binary, state, s3, extra=()):
    from peers import S3_ACCESS_KEY, S3_SECRET_KEY  # noqa: E402
    os.environ["AWS_ACCESS_KEY_ID"] = S3_ACCESS_KEY
    os.environ["AWS_SECRET_ACCESS_KEY"] = S3_SECRET_KEY
    return run.start_sluice(binary, ["--state", state, "--blob-store", s3.blob_store_url("bench"),
                                     "--rate-limit", "0", "--max-pending-operations", "100000000",
                                     *extra])


def push_throughput(binary, admin_uri, s3, nodes, seconds, tag):
    """202s per second with `nodes` nodes (0: the embedded peer), wrk on every node at once."""
    servers = []
    try:
        if nodes == 0:
            servers.append(run.start_sluice(binary, ["--rate-limit", "0",
                                                     "--max-pending-operations", "100000000"]))
        else:
            state = fresh_database(admin_uri, f"bench_push_{tag}")
            for _ in range(nodes):
                servers.append(start_node(binary, state, s3))
        count = len(servers)
        key = run.api_key()
        results = []

        def one(server, i):
            results.append(pushes.wrk(f"http://127.0.0.1:{server.port}", 64 // count, seconds, key,
                                      f"{tag}n{i}"))
        threads = [threading.Thread(target=one, args=(s, i)) for i, s in enumerate(servers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rps = sum(r["rps"] or 0 for r in results)
        errors = sum(pushes.errors_of(r) for r in results)
        return {"rps": rps, "errors": errors, "per_node": [r["rps"] for r in results]}
    finally:
        for server in servers:
            run.stop_sluice(server)


def batch_file(start, count):
    items = [{"documentId": f"https://bench.example.com/item/{i}", "title": f"Item {i}",
              "data": f"catchupword item {i} of the catch-up benchmark, a small text",
              "fileExtension": ".txt"} for i in range(start, start + count)]
    return zlib.compress(json.dumps({"addOrUpdate": items, "delete": []}).encode())


def search_count(server, word):
    status, answer = server.json("POST", "/rest/search/v2", {"q": word, "numberOfResults": 0})
    return answer["totalCount"] if status == 200 else -1


def wait_count(server, word, expected, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if search_count(server, word) == expected:
            return True
        time.sleep(0.25)
    return False


def catch_up(binary, admin_uri, s3, items, tag):
    from sluice_process import REQUIRED  # noqa: E402
    state = fresh_database(admin_uri, f"bench_catchup_{tag}")
    first = start_node(binary, state, s3)
    second = None
    try:
        started = time.monotonic()
        for start in range(0, items, BATCH_ITEMS):
            container = first.create_container()
            status, _, data = first.upload(container["uploadUri"],
                                           batch_file(start, min(BATCH_ITEMS, items - start)),
                                           REQUIRED)
            assert status == 200, data
            status, answer = first.json(
                "PUT", "/push/v1/organizations/local/sources/local-default/documents/batch"
                f"?fileId={container['fileId']}&compressionType=ZLIB", {})
            assert status == 202, answer
        if not wait_count(first, "catchupword", items, timeout=3600):
            raise RuntimeError("the first node did not index every item")
        ingest = time.monotonic() - started
        t0 = time.monotonic()
        psql(state, "\\copy (SELECT encoded FROM index_changes ORDER BY seq) TO '/dev/null'")
        read_floor = time.monotonic() - t0
        changes_bytes = int(psql(state, "SELECT coalesce(sum(octet_length(encoded)), 0) "
                                        "FROM index_changes"))

        t0 = time.monotonic()
        second = start_node(binary, state, s3)
        if not wait_count(second, "catchupword", items, timeout=3600):
            raise RuntimeError("the new node did not catch up")
        caught_up = time.monotonic() - t0
        return {"catch_up_s": caught_up, "ingest_s": ingest, "read_changes_s": read_floor,
                "changes_bytes": changes_bytes}
    finally:
        for server in (first, second):
            if server is not None:
                run.stop_sluice(server)


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]),
                                 runs=3)
    parser.add_argument("--items", type=int, default=None, help="catch-up items (100000)")
    parser.add_argument("--seconds", type=int, default=None, help="wrk seconds per run (10)")
    args = parser.parse_args()
    if "SLUICE_TEST_POSTGRES_URI" not in os.environ:
        wrapper = os.path.join(run.REPO, "tests", "postgres", "with_postgres.sh")
        os.execv("/bin/bash", ["bash", wrapper, sys.executable, *sys.argv])
    subprocess.run(["bash", os.path.join(run.REPO, "tests", "cluster", "install.sh")], check=True)
    from peers import S3rver  # noqa: E402
    items = args.items or (2000 if args.quick else 100000)
    seconds = args.seconds or (2 if args.quick else 10)
    runs = max(1, args.runs)
    admin_uri = os.environ["SLUICE_TEST_POSTGRES_URI"]

    throughput = {n: [] for n in (0, 1, 2, 3)}
    catch = []
    s3 = S3rver("sluice-bench").start()
    try:
        for i in range(runs):
            for n in (0, 1, 2, 3):
                r = push_throughput(args.sluice, admin_uri, s3, n, seconds, f"r{i}n{n}")
                throughput[n].append(r)
                print(f"  run {i + 1}/{runs} {'embedded' if n == 0 else f'{n} node(s)'}: "
                      f"{run.num(r['rps'])} pushes/s, {r['errors']} errors", flush=True)
        # Once: 100,000 items take minutes to push and process.
        r = catch_up(args.sluice, admin_uri, s3, items, "r0")
        catch.append(r)
        print(f"  catch-up of {items} items: {run.num(r['catch_up_s'])} s (first node "
              f"processed them in {run.num(r['ingest_s'])} s; psql reads every change in "
              f"{run.num(r['read_changes_s'])} s)", flush=True)
    finally:
        s3.cleanup()

    embedded = run.stats([r["rps"] for r in throughput[0]])
    rows = []
    for n in (1, 2, 3):
        rows.append({
            "figure": f"durable pushes, {n} node(s) on PostgreSQL + S3, 64 connections in all",
            "unit": "req/s", "sluice": run.stats([r["rps"] for r in throughput[n]]),
            "peers": {"one embedded node (SQLite)": dict(embedded, unit="req/s")},
            "goal": "— (2 cores: shows the shared state's cost, not a speed-up)", "met": None,
            "errors": sum(r["errors"] for r in throughput[n] + throughput[0])})
    cu = catch[0]
    single = lambda v: run.stats([v])  # noqa: E731  (one run: the set-up takes minutes)
    rows.append({
        "figure": f"catch-up of {items:,} items by a new node", "unit": "s",
        "sluice": single(cu["catch_up_s"]),
        "peers": {"the first node processing them": dict(single(cu["ingest_s"]), unit="s"),
                  f"psql reading every index change ({cu['changes_bytes'] / 2**20:.0f} MiB)":
                      dict(single(cu["read_changes_s"]), unit="s")},
        "goal": "—", "met": None})
    table_rows = [[r["figure"], f"{run.num(r['sluice']['median'])} "
                   f"[{run.num(r['sluice']['min'])}–{run.num(r['sluice']['max'])}] {r['unit']}",
                   "; ".join(f"{k} {run.num(v['median'])} {v['unit']}"
                             for k, v in r["peers"].items())] for r in rows]
    print(run.table(["figure", "Sluice", "peers (same run)"], table_rows))
    run.write_result("cluster", {"figure": rows[0]["figure"], "unit": "req/s", "rows": rows,
                                 "runs": runs, "items": items, "seconds": seconds,
                                 "throughput": throughput, "catch_up": catch})


if __name__ == "__main__":
    main()
