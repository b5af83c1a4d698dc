#!/usr/bin/env python3
"""Decompression and HTML extraction rates of Sluice's pipeline stages, beside their peers.

The input is one ~50 MiB page of real HTML (the /usr/share/doc HTML pages, then man pages as
HTML paragraphs: bench/corpus.py html_from_text), compressed with Python's zlib at level 6 as a
zlib stream, a gzip file and a raw deflate stream (cached under build/bench-corpus/stages/).

- Decompression, MB/s of decompressed output: `sluice_stage_bench decompress ZLIB|GZIP|DEFLATE`
  (Sluice's streaming codec::Decompressor fed in the pipeline's 256 KiB reads) beside
  inflate_peer zlib / isal (streaming, 256 KiB) / libdeflate (whole buffer) in-process on the
  same streams, and `igzip -dc`, `libdeflate-gunzip -c`, `gzip -dc` on the gzip file to
  /dev/null (process start included).
- Extraction, MB/s of HTML: `sluice_stage_bench extract html` (Sluice's streaming extractor fed
  in 256 KiB pieces) beside html_extract (libxml2 DOM parse and text walk).
- Extra: `sluice_stage_bench process ZLIB html`, both stages chained as the pipeline chains them.

Every measurement runs --runs times, interleaved (run 1 of each, then run 2 ...), so the noise
of a shared machine spreads over all of them. Python 3 standard library only. Usage:
    python3 bench/stages.py [--sluice build/release/src/app/sluice] [--runs 3] [--quick]
"""

import argparse
import gzip
import os
import resource
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import peers  # noqa: E402
import run  # noqa: E402

FULL_BYTES = 50 * 2**20
QUICK_BYTES = 4 * 2**20
LEVEL = 6
DECOMPRESS_GOAL_MBS = 1200
EXTRACT_GOAL_MBS = 100
FORMATS = [("ZLIB", "zlib", ".zlib"), ("GZIP", "gzip", ".gz"), ("DEFLATE", "deflate", ".deflate")]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def stage_bench_path(sluice, explicit):
    """build/X/src/app/sluice -> build/X/bench/sluice_stage_bench, unless given."""
    if explicit:
        return explicit
    build_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(sluice))))
    return os.path.join(build_dir, "bench", "sluice_stage_bench")


def make_inputs(target_bytes, man_pages):
    """The HTML page and its three compressed forms (cached); returns {kind: path}."""
    folder = os.path.join(corpus.CACHE, "stages")
    os.makedirs(folder, exist_ok=True)
    page = os.path.join(folder, f"web-{target_bytes}.html")
    if not os.path.exists(page):
        paths = corpus.doc_html() + corpus.man_documents(count=man_pages)
        size = corpus.html_from_text(paths, target_bytes, page)
        log(f"stages: wrote {page} ({size / 1e6:.1f} MB of HTML)")
    with open(page, "rb") as f:
        html = f.read()
    out = {"html": page}
    makers = {
        "zlib": lambda: zlib.compress(html, LEVEL),
        "gzip": lambda: gzip.compress(html, LEVEL, mtime=0),
        "deflate": lambda: _raw_deflate(html),
    }
    for _, kind, ext in FORMATS:
        path = page[: -len(".html")] + ext
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as f:
                f.write(makers[kind]())
            os.replace(path + ".tmp", path)
        out[kind] = path
    return out, len(html)


def _raw_deflate(data):
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_cli(args):
    """(wall, CPU) seconds of a command writing to /dev/null, process start included."""
    with open(os.devnull, "wb") as null:
        cpu0, t0 = children_cpu(), time.perf_counter()
        done = subprocess.run(args, stdout=null, stderr=subprocess.PIPE, timeout=600)
        seconds, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stderr[:500]!r}")
    return seconds, cpu


def rates(out, per_byte):
    """MB/s by wall time, and by the process's CPU time (what a core does when other work on a
    shared machine leaves it alone)."""
    return dict(out, mbs=per_byte / out["seconds"] / 1e6,
                cpu_mbs=per_byte / out["cpu_seconds"] / 1e6)


def measurements(stage_bench, peer_bins, inputs, html_bytes):
    """(key, function returning {"mbs", ...}) for every measurement, in run order."""
    def check_out(out, key):
        got = out.get("bytes_out", out.get("bytes"))
        if got != html_bytes:
            raise RuntimeError(f"{key}: {got} bytes out, expected {html_bytes}")

    def stage(args, key, per_byte_of="bytes_out"):
        def go():
            out = peers.run_peer([stage_bench] + args)
            check_out(out, key)
            return rates(out, out[per_byte_of])
        return key, go

    def inproc(lib, kind, key):
        def go():
            out = peers.run_peer([peer_bins["inflate_peer"], lib, inputs[kind], kind])
            check_out(out, key)
            return rates(out, out["bytes_out"])
        return key, go

    def cli(args, key):
        def go():
            seconds, cpu = timed_cli(args)
            return rates({"seconds": seconds, "cpu_seconds": cpu}, html_bytes)
        return key, go

    list_file = os.path.join(os.path.dirname(inputs["html"]), "html.list")
    corpus.write_list([inputs["html"]], list_file)

    def html_extract():
        out = peers.run_peer([peer_bins["html_extract"], list_file])
        return rates(out, out["bytes"])

    out = []
    for name, kind, _ in FORMATS:
        out.append(stage(["decompress", name, inputs[kind]], f"sluice {name}"))
        for lib in ("zlib", "isal", "libdeflate"):
            out.append(inproc(lib, kind, f"{lib} {kind}"))
    gz = inputs["gzip"]
    out.append(cli(["igzip", "-dc", gz], "igzip -dc"))
    out.append(cli(["libdeflate-gunzip", "-c", gz], "libdeflate-gunzip -c"))
    out.append(cli(["gzip", "-dc", gz], "gzip -dc"))
    out.append(stage(["extract", "html", inputs["html"]], "sluice extract", "bytes"))
    out.append(("libxml2 DOM", html_extract))
    out.append(stage(["process", "ZLIB", "html", inputs["zlib"]], "sluice process ZLIB"))
    return out


PEER_LABELS = {
    "zlib": "zlib in-process (streaming 256 KiB)",
    "isal": "ISA-L in-process (streaming 256 KiB)",
    "libdeflate": "libdeflate in-process (whole buffer)",
}


def build_rows(results, inputs, html_bytes):
    def s(key):
        return run.stats([round(r["mbs"], 1) for r in results[key]])

    def cpu(key):
        return run.stats([round(r["cpu_mbs"], 1) for r in results[key]])

    rows = []
    for name, kind, _ in FORMATS:
        size = os.path.getsize(inputs[kind])
        keys = {PEER_LABELS[lib]: f"{lib} {kind}" for lib in PEER_LABELS}
        if kind == "gzip":
            for cli in ("igzip -dc", "libdeflate-gunzip -c", "gzip -dc"):
                keys[f"{cli} (CLI, to /dev/null)"] = cli
        sluice = s(f"sluice {name}")
        rows.append({
            "figure": f"{name} decompression in the pipeline (streaming), "
                      f"{html_bytes / 2**20:.0f} MiB HTML, ratio {html_bytes / size:.2f}",
            "unit": "MB/s", "goal": f">= {DECOMPRESS_GOAL_MBS} MB/s streaming",
            "sluice": sluice, "peers": {label: s(key) for label, key in keys.items()},
            "met": sluice["median"] >= DECOMPRESS_GOAL_MBS,
            "extra": {"by_cpu_time": {"sluice": cpu(f"sluice {name}"),
                                      "peers": {label: cpu(key) for label, key in keys.items()}}}})
    extract = s("sluice extract")
    last = results["sluice extract"][-1]
    text_bytes, cut = last["text_bytes"], bool(last.get("truncated"))
    peer_text = results["libxml2 DOM"][-1]["text_bytes"]
    # A rate means little if the text stopped early: the extractor gives up on a page it
    # cannot parse further (truncated=1), and its text should be of libxml2's size.
    complete = not cut and text_bytes >= 0.5 * peer_text
    row = {
        "figure": f"HTML -> text extraction (streaming), {html_bytes / 2**20:.0f} MiB HTML",
        "unit": "MB/s of HTML", "goal": f">= {EXTRACT_GOAL_MBS} MB/s, streaming",
        "sluice": extract, "peers": {"libxml2 DOM walk": s("libxml2 DOM")},
        "met": extract["median"] >= EXTRACT_GOAL_MBS and complete,
        "extra": {"sluice_text_bytes": text_bytes, "sluice_truncated": cut,
                  "libxml2_text_bytes": peer_text,
                  "by_cpu_time": {"sluice": cpu("sluice extract"),
                                  "peers": {"libxml2 DOM walk": cpu("libxml2 DOM")}}}}
    if not complete:
        row["flag"] = (f"text cut short: {text_bytes / 1e6:.1f} MB of text"
                       f"{' (truncated)' if cut else ''} vs libxml2's {peer_text / 1e6:.1f} MB")
    rows.append(row)
    return rows


def print_tables(rows, results):
    print("\n### Decompression and extraction (MB/s; median [min–max])\n")
    body = []
    for row in rows:
        peer_text = "; ".join(f"{k} {run.fmt(v)}" for k, v in row["peers"].items())
        met = "yes" if row["met"] else "**no**"
        if row.get("flag"):
            met += f" ({row['flag']})"
        body.append([row["figure"], run.fmt(row["sluice"], row["unit"]), peer_text, row["goal"],
                     met])
    print(run.table(["Figure", "Sluice", "Peers (same run)", "Goal", "Met?"], body))
    print("\nThe same runs by CPU time (bytes / the process's CPU seconds: the rate of one core "
          "when other work on the machine leaves it alone; CLI peers include process start):\n")
    body = []
    for row in rows:
        by_cpu = row["extra"]["by_cpu_time"]
        peer_text = "; ".join(f"{k} {run.fmt(v)}" for k, v in by_cpu["peers"].items())
        body.append([row["figure"], run.fmt(by_cpu["sluice"], row["unit"]), peer_text])
    print(run.table(["Figure", "Sluice", "Peers (same run)"], body))
    chained = run.stats([round(r["mbs"], 1) for r in results["sluice process ZLIB"]])
    print(f"\nBoth stages chained (`process ZLIB html`): {run.fmt(chained, 'MB/s of HTML')}.")


def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.split("\n\n")[0]))
    parser.add_argument("--stage-bench", default=None,
                        help="sluice_stage_bench (default: beside --sluice's build directory)")
    args = parser.parse_args()
    stage_bench = stage_bench_path(args.sluice, args.stage_bench)
    if not os.access(stage_bench, os.X_OK):
        sys.exit(f"no sluice_stage_bench at {stage_bench} (run `make build` or pass "
                 "--stage-bench)")
    peer_bins = peers.build_peers()
    target = QUICK_BYTES if args.quick else FULL_BYTES
    inputs, html_bytes = make_inputs(target, 400 if args.quick else 10000)
    plan = measurements(stage_bench, peer_bins, inputs, html_bytes)
    results = {key: [] for key, _ in plan}
    for i in range(args.runs):
        for key, measure in plan:
            results[key].append(measure())
        log(f"stages: run {i + 1}/{args.runs}: sluice ZLIB "
            f"{results['sluice ZLIB'][-1]['mbs']:.0f} MB/s, extract "
            f"{results['sluice extract'][-1]['mbs']:.0f} MB/s (by CPU time "
            f"{results['sluice ZLIB'][-1]['cpu_mbs']:.0f} and "
            f"{results['sluice extract'][-1]['cpu_mbs']:.0f} MB/s)")
    rows = build_rows(results, inputs, html_bytes)
    print_tables(rows, results)
    first = rows[0]
    chained = run.stats([round(r["mbs"], 1) for r in results["sluice process ZLIB"]])
    path = run.write_result("stages", {
        "figure": first["figure"], "unit": first["unit"], "goal": first["goal"],
        "sluice": first["sluice"], "peers": first["peers"], "met": first["met"], "rows": rows,
        "extra": {
            "html_bytes": html_bytes,
            "compressed_bytes": {kind: os.path.getsize(inputs[kind]) for _, kind, _ in FORMATS},
            "zlib_level": LEVEL,
            "sluice_decompress_then_extract_mbs_of_html": chained,
            "raw": {k: [{kk: vv for kk, vv in r.items()} for r in v] for k, v in results.items()},
            "quick": args.quick,
        }})
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
