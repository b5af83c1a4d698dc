#!/usr/bin/env python3
"""Upload throughput: one 256 MB PUT of random bytes to a file container's uploadUri.

Sluice gets the bytes exactly as a Coveo client sends them: a container from
`POST /push/v1/organizations/local/files`, then curl `--upload-file` to its uploadUri with its requiredHeaders. The peers,
measured in the same run with the same curl command and the same file, interleaved run by run:
  - nginx WebDAV PUT to disk (dav_methods PUT; the body is written to a temporary file and
    renamed; nginx does not fsync it, so its bytes may still be only in the page cache),
  - nginx reading and dropping the body (the loopback + curl ceiling),
  - s3rver (npm), a fake S3 server that stores the object, its metadata and an MD5 ETag.
Also Sluice's RSS growth during its uploads: VmRSS sampled every 10 ms in a thread, growth = the
largest sample during the upload minus the sample just before it.

Usage: python3 bench/upload.py [--sluice PATH] [--runs N] [--quick] [--mb 256]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import run

S3RVER = os.path.join(run.BENCH_DIR, "node_modules", "s3rver", "bin", "s3rver.js")
SLUICE = "Sluice uploadUri"
NGINX_STORE = "nginx PUT-to-disk (no fsync)"
NGINX_DISCARD = "nginx discard"
S3RVER_NAME = "s3rver"
DISK = "disk: dd + fdatasync"
OK = {SLUICE: {200}, NGINX_STORE: {201, 204}, NGINX_DISCARD: {200}, S3RVER_NAME: {200},
      DISK: {200}}


def random_file(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 4 << 20)
            f.write(os.urandom(n))
            left -= n


class S3rver:
    def __init__(self):
        self.dir = run.scratch_dir("s3rver-")
        self.port = run.free_port()
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(
            ["node", S3RVER, "-d", self.dir, "-a", "127.0.0.1", "-p", str(self.port), "-s",
             "--configure-bucket", "bench"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run.wait_port(self.port, self.proc)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        run.stop_process(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def disk_write(path, work):
    """Seconds to write the same bytes to a file on the same disk and fdatasync it (dd)."""
    out = os.path.join(work, "dd.bin")
    start = time.monotonic()
    subprocess.run(["dd", f"if={path}", f"of={out}", "bs=1M", "conv=fdatasync"],
                   check=True, capture_output=True)
    secs = time.monotonic() - start
    os.remove(out)
    return secs


def upload_sluice(server, path):
    """(status, seconds, RSS growth KiB) of one upload to a new container."""
    status, container = server.json("POST", "/push/v1/organizations/local/files", {})
    if status != 201:
        raise RuntimeError(f"creating a file container: {status} {container}")
    pid = server.proc.pid
    before = run.rss_kib(pid)
    with run.RssSampler(pid) as rss:
        code, seconds, body = run.curl_put(container["uploadUri"], path,
                                           container["requiredHeaders"])
    growth = None
    if before is not None and rss.peak() is not None:
        growth = max(0, rss.peak() - before)
    if code not in OK[SLUICE]:
        print(f"  Sluice upload answered {code}: {body[:300]}", file=sys.stderr)
    return code, seconds, growth


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--mb", type=float, default=None,
                        help="upload size in MB of 10^6 bytes (default 256; 16 with --quick)")
    args = parser.parse_args()
    size = int((args.mb or (16 if args.quick else 256)) * 1_000_000)
    runs = max(1, args.runs)
    for tool in ("curl", "nginx", "node"):
        if not run.have(tool):
            sys.exit(f"upload: {tool} is missing; run scripts/install-bench-deps.sh")

    work = run.scratch_dir("upload-")
    seconds = {name: [] for name in OK}
    errors = {name: [] for name in OK}
    growth = []
    try:
        path = os.path.join(work, "upload.bin")
        random_file(path, size)
        server = run.start_sluice(args.sluice, ["--rate-limit", "0"])
        try:
            with run.Nginx() as nginx, S3rver() as s3:
                for i in range(runs):
                    code, secs, grew = upload_sluice(server, path)
                    targets = [(SLUICE, code, secs)]
                    growth.append(grew / 1024 if grew is not None else None)
                    for name, url in ((NGINX_STORE, nginx.url(f"/store/up{i}.bin")),
                                      (NGINX_DISCARD, nginx.url("/discard/up.bin")),
                                      (S3RVER_NAME, f"http://127.0.0.1:{s3.port}/bench/up{i}.bin")):
                        code, secs, body = run.curl_put(url, path)
                        targets.append((name, code, secs))
                        if code not in OK[name]:
                            print(f"  {name} answered {code}: {body[:300]}", file=sys.stderr)
                    targets.append((DISK, 200, disk_write(path, work)))
                    stored = os.path.join(nginx.store_dir, "store", f"up{i}.bin")
                    if os.path.exists(stored):
                        os.remove(stored)
                    for name, code, secs in targets:
                        if code in OK[name] and secs:
                            seconds[name].append(secs)
                        else:
                            errors[name].append(code)
                    print(f"  run {i + 1}/{runs}: " + ", ".join(
                        f"{name} {size / secs / 1e9:.2f} GB/s" if code in OK[name] and secs
                        else f"{name} ERROR {code}" for name, code, secs in targets)
                        + (f"; Sluice RSS +{growth[-1]:.1f} MiB" if growth[-1] is not None else ""),
                        flush=True)
                    time.sleep(0.5)
        finally:
            run.stop_sluice(server)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    gbps = {name: run.stats([size / s / 1e9 for s in values]) for name, values in seconds.items()}
    secs = {name: run.stats(values) for name, values in seconds.items()}
    rss = run.stats(growth)
    nginx_store = gbps[NGINX_STORE]["median"]
    ratio = (gbps[SLUICE]["median"] / nginx_store
             if gbps[SLUICE]["median"] and nginx_store else None)
    any_error = any(errors.values())
    met_speed = (gbps[SLUICE]["median"] is not None and gbps[SLUICE]["median"] >= 1.0
                 and ratio is not None and ratio >= 0.55 and not errors[SLUICE])
    met_rss = rss["max"] is not None and rss["max"] < 64

    print()
    print(f"### Upload PUT, {size / 1e6:.0f} MB of random bytes, curl --upload-file, "
          f"{runs} runs (median [min–max])")
    print()
    rows = []
    for name in OK:
        note = {SLUICE: "SHA-256 + AES-256-GCM + fsync (Sluice's upload path)",
                NGINX_STORE: "WebDAV PUT to a file; nginx does not fsync",
                NGINX_DISCARD: "body read and dropped",
                S3RVER_NAME: "npm s3rver 3.7.1: object + metadata + MD5 ETag",
                DISK: "the disk's limit: dd of the same file (page cache) + fdatasync"}[name]
        err = f"{len(errors[name])} failed: {errors[name]}" if errors[name] else "0"
        rows.append([name, run.fmt(gbps[name], "GB/s"), run.fmt(secs[name], "s"), err, note])
    print(run.table(["Target", "Throughput", "Time", "Errors", "What it does"], rows))
    print()
    print(f"Sluice RSS growth during an upload: {run.fmt(rss, 'MiB')} (goal < 64 MiB); "
          f"Sluice / nginx PUT-to-disk = {run.num(ratio)}x (goal >= 0.55x, >= 1 GB/s)")
    if any_error:
        print("**Some uploads failed: see the Errors column.**")

    peers = {name: dict(gbps[name], unit="GB/s") for name in (NGINX_STORE, NGINX_DISCARD,
                                                              S3RVER_NAME, DISK)}
    size_mb = f"{size / 1e6:.0f} MB"
    run.write_result("upload", {
        "figure": f"upload PUT to uploadUri, {size_mb}",
        "unit": "GB/s",
        "goal": ">= 1 GB/s (>= 0.55x nginx PUT-to-disk)",
        "sluice": gbps[SLUICE],
        "peers": peers,
        "met": met_speed,
        "extra": {"bytes": size, "seconds": secs, "errors": errors,
                  "ratio_to_nginx_store": ratio, "rss_growth_mib": rss,
                  "nginx_fsyncs": False, "quick": args.quick},
        "rows": [
            {"figure": f"upload PUT to uploadUri, {size_mb}", "unit": "GB/s",
             "sluice": gbps[SLUICE], "peers": peers,
             "goal": ">= 1 GB/s (>= 0.55x nginx PUT-to-disk)", "met": met_speed,
             "flag": "errors" if any_error else None},
            {"figure": f"upload {size_mb}: Sluice RSS growth", "unit": "MiB", "sluice": rss,
             "peers": {}, "goal": "< 64 MiB", "met": met_rss},
        ],
    })
    return 1 if errors[SLUICE] else 0


if __name__ == "__main__":
    sys.exit(main())
