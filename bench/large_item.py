#!/usr/bin/env python3
"""Large items: one zlib-compressed HTML page of 60 MB and one of 250 MB (compressed sizes),
from the start of its upload until it is searchable, beside the sum of the stage limits measured
in the same run on the same bytes.

The page is real text: bench/corpus.py's html_from_text over man pages rendered from /usr/share/man
and the HTML pages of /usr/share/doc, with the real PNG/JPEG/GIF files under /usr/share inlined as
`data:` URIs between its sections (as saved web pages and HTML mails carry their images), in the
proportion that makes zlib level 6 compress the whole page about 3.5:1, so that a 250 MB upload
stays under Sluice's 1 GiB decompression cap. Its title carries a word found nowhere else; a
second unique word closes the body. Pages are generated once and cached under build/bench-large/.

One Sluice run: a fresh `sluice serve`, a file container, curl `--upload-file` of the zlib bytes
to its uploadUri (the clock starts here), the item pushed by reference, then the Search API polled
every 100 ms for the title word until the item is found. Sluice's RSS is sampled every 10 ms
throughout: at the start, its peak and 2 s after the item was found.

The stage limits, each measured once per run on the same page:
  - upload: nginx WebDAV PUT of the same zlib file to disk (no fsync), curl as above,
  - inflate: `igzip -dc` of the same deflate stream in a gzip wrapper, to /dev/null,
  - extract: libxml2's DOM walk (bench/peers html_extract) over the HTML,
  - index: raw Xapian (bench/peers xapian_index) of the extracted text as one document.
Sluice keeps the first 128 MiB of an item's text and stops parsing there (the rest is still
inflated): the extraction peer gets the HTML up to that point and the index peer that text, so
every peer does the work Sluice has to do. A peer that cannot be built or is not installed is
printed as "peer missing", and the sum is then not computed.

Usage: python3 bench/large_item.py [--sluice PATH] [--runs N] [--quick] [--sizes-mb 60,250]
"""

import argparse
import base64
import calendar
import html
import json
import os
import random
import re
import shutil
import string
import struct
import subprocess
import sys
import time
import zlib

import run

CACHE = os.path.join(run.REPO, "build", "bench-large")
TARGET_RATIO = 3.5
LEVEL = 6
DECOMPRESSION_CAP = 1 << 30        # Sluice's ProcessingLimits::max_decompressed_bytes
TEXT_CAP = 128 << 20               # Sluice's ProcessingLimits::max_text_bytes
GENERATOR_VERSION = 3              # bump to regenerate cached pages
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif"}
SECTION_END = b"</section>\n"
MISSING = "peer missing"


# The page ------------------------------------------------------------------------------------

def corpus_documents(quick):
    import corpus  # bench/corpus.py
    man = corpus.man_documents(count=200 if quick else 2000)
    return man + corpus.doc_html()


def images():
    """Real images under /usr/share as `<figure>` elements with data: URIs (bytes each)."""
    out = []
    for root, _, files in os.walk("/usr/share"):
        for name in sorted(files):
            kind = IMAGE_TYPES.get(os.path.splitext(name)[1].lower())
            path = os.path.join(root, name)
            if not kind or not os.path.isfile(path) or os.path.islink(path):
                continue
            size = os.path.getsize(path)
            if size < 2048 or size > (4 << 20):
                continue
            with open(path, "rb") as f:
                data = base64.b64encode(f.read()).decode()
            alt = html.escape(name, quote=True)
            out.append(f'<figure><img alt="{alt}" src="data:{kind};base64,{data}"></figure>\n'
                       .encode())
    out.sort()
    return out


def compressed_ratio(data):
    return len(data) / len(zlib.compress(data, LEVEL)) if data else 1.0


class DeflateWriter:
    """Writes one raw deflate stream of a page as a zlib file and as a gzip file (same deflate
    bytes: the inflate work is identical), and the page itself."""

    def __init__(self, prefix):
        self.html = open(prefix + ".html", "wb")
        self.zlib = open(prefix + ".zlib", "wb")
        self.gzip = open(prefix + ".gz", "wb")
        self.deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15, 8)
        self.adler, self.crc, self.size = 1, 0, 0
        self.zlib.write(b"\x78\x9c")  # 32 KiB window, default level
        self.gzip.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")  # no name, no mtime, Unix

    def write(self, data):
        self.html.write(data)
        self.adler = zlib.adler32(data, self.adler)
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._out(self.deflate.compress(data))

    def _out(self, raw):
        self.zlib.write(raw)
        self.gzip.write(raw)

    def close(self):
        self._out(self.deflate.flush())
        self.zlib.write(struct.pack(">I", self.adler))
        self.gzip.write(struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))
        for f in (self.html, self.zlib, self.gzip):
            f.close()


def sections(path, piece=8 << 20):
    """The file's bytes cut after each `</section>` line (the last piece holds the rest)."""
    with open(path, "rb") as f:
        carry = b""
        while True:
            data = f.read(piece)
            if not data:
                break
            carry += data
            start = 0
            while True:
                end = carry.find(SECTION_END, start)
                if end < 0:
                    break
                yield carry[start:end + len(SECTION_END)]
                start = end + len(SECTION_END)
            carry = carry[start:]
        if carry:
            yield carry


def mixed_ratio(pieces, pics, share):
    """zlib's ratio on text pieces with images interleaved as generate() does (share of bytes)."""
    deflate = zlib.compressobj(LEVEL)
    raw = packed = image_bytes = 0
    n = 0
    for piece in pieces:
        for part in sections_of(piece):
            raw += len(part)
            packed += len(deflate.compress(part))
            while pics and image_bytes < share * raw:
                pic = pics[n % len(pics)]
                n += 1
                raw += len(pic)
                image_bytes += len(pic)
                packed += len(deflate.compress(pic))
    packed += len(deflate.flush())
    return raw / packed if packed else 1.0


def sections_of(data):
    start = 0
    while (end := data.find(SECTION_END, start)) >= 0:
        yield data[start:end + len(SECTION_END)]
        start = end + len(SECTION_END)
    if start < len(data):
        yield data[start:]


def image_share(raw_path, text_bytes, pics):
    """The share of image bytes that brings the page to TARGET_RATIO, found by bisection on
    24 pieces of 1 MiB spread over the text the page will use."""
    pieces = []
    with open(raw_path, "rb") as f:
        for i in range(24):
            f.seek(max(0, text_bytes - (1 << 20)) * i // 23)
            pieces.append(f.read(1 << 20))
    text_ratio = mixed_ratio(pieces, [], 0)
    if not pics or text_ratio <= TARGET_RATIO:
        return 0.0, text_ratio, text_ratio
    low, high = 0.0, 0.9
    for _ in range(10):
        mid = (low + high) / 2
        if mixed_ratio(pieces, pics, mid) > TARGET_RATIO:
            low = mid
        else:
            high = mid
    share = (low + high) / 2
    return share, text_ratio, mixed_ratio(pieces, pics, share)


def generate(compressed_target, out_dir, quick, log):
    """Writes page.html, page.zlib and page.gz under out_dir; returns their description."""
    import corpus
    os.makedirs(out_dir, exist_ok=True)
    docs = corpus_documents(quick)
    pics = images()
    # The text part is generated at its largest possible size (no images), then cut where its
    # share of the page ends once the image share that gives TARGET_RATIO is known.
    raw = os.path.join(out_dir, "raw.html")
    corpus.html_from_text(docs, int(compressed_target * TARGET_RATIO), raw)
    share, text_ratio, ratio = image_share(raw, int(compressed_target * TARGET_RATIO), pics)
    html_bytes = int(compressed_target * ratio)
    text_part = int(html_bytes * (1 - share))
    image_ratio = compressed_ratio(b"".join(pics)) if pics else None
    if html_bytes >= DECOMPRESSION_CAP:
        raise RuntimeError(f"a {html_bytes / 1e6:.0f} MB page would pass the 1 GiB cap")
    log(f"  generating {compressed_target / 1e6:g} MB zlib page: text ratio {text_ratio:.2f}, "
        f"image ratio {image_ratio or 0:.2f}, {share * 100:.1f}% image bytes, "
        f"{html_bytes / 1e6:.0f} MB of HTML")

    rng = random.Random(compressed_target)
    title_word = "zqtitle" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
    end_word = "zqend" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
    prefix = os.path.join(out_dir, "page")
    writer = DeflateWriter(prefix + ".tmp")
    image_bytes = 0
    next_image = 0
    first = True
    text_written = 0
    for piece in sections(raw):
        if text_written >= text_part:
            piece = b"</body>\n</html>\n"
        text_written += len(piece)
        if first:
            piece = piece.replace(b"<title>", f"<title>{title_word} ".encode(), 1)
            first = False
        if piece.rstrip().endswith(b"</html>"):
            at = piece.rfind(b"</body>")
            at = at if at >= 0 else len(piece)
            piece = piece[:at] + f"<p>The last word of this page is {end_word}</p>\n".encode() \
                + piece[at:]
        writer.write(piece)
        if piece.rstrip().endswith(b"</html>"):
            break
        while pics and image_bytes < share * writer.size:
            pic = pics[next_image % len(pics)]
            next_image += 1
            writer.write(pic)
            image_bytes += len(pic)
    writer.close()
    os.remove(raw)
    for ext in (".html", ".zlib", ".gz"):
        os.replace(prefix + ".tmp" + ext, prefix + ext)
    meta = {
        "version": GENERATOR_VERSION, "compressed_target": compressed_target,
        "html_bytes": os.path.getsize(prefix + ".html"),
        "zlib_bytes": os.path.getsize(prefix + ".zlib"), "image_bytes": image_bytes,
        "text_ratio": text_ratio, "image_ratio": image_ratio, "image_share": share,
        "title_word": title_word, "end_word": end_word, "documents": len(docs),
        "images": len(pics), "level": LEVEL,
    }
    meta["ratio"] = meta["html_bytes"] / meta["zlib_bytes"]
    extract_text(prefix + ".html", out_dir, meta)
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    return meta


SCRIPT_STYLE = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.S | re.I)
TAG = re.compile(rb"<[^>]*>")


def extract_text(page, out_dir, meta):
    """The page's text as Sluice would keep it (at most TEXT_CAP bytes: scripts and styles
    dropped, tags removed, entities decoded, whitespace collapsed) in text.txt, and the HTML up
    to where that text ends in prefix.html (what Sluice parses before it stops)."""
    text_path = os.path.join(out_dir, "text.txt")
    prefix_path = os.path.join(out_dir, "prefix.html")
    text_bytes = html_offset = 0
    truncated = False
    with open(text_path, "wb") as text_out, open(prefix_path, "wb") as html_out:
        for piece in sections(page):
            words = html.unescape(TAG.sub(b" ", SCRIPT_STYLE.sub(b" ", piece)).decode(
                "utf-8", "replace")).split()
            chunk = (" ".join(words) + " ").encode() if words else b""
            if text_bytes + len(chunk) > TEXT_CAP:
                chunk = chunk[:TEXT_CAP - text_bytes]
                truncated = True
            text_out.write(chunk)
            html_out.write(piece)
            text_bytes += len(chunk)
            html_offset += len(piece)
            if truncated:
                html_out.write(b"</body></html>\n")
                break
    meta.update(text_bytes=text_bytes, text_truncated=truncated, html_parsed_bytes=html_offset)


def page_for(compressed_target, quick, log):
    out_dir = os.path.join(CACHE, f"{compressed_target // 1000}k")
    meta_path = os.path.join(out_dir, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("version") == GENERATOR_VERSION and all(
                os.path.exists(os.path.join(out_dir, n))
                for n in ("page.html", "page.zlib", "page.gz", "text.txt", "prefix.html")):
            meta["dir"] = out_dir
            return meta
    shutil.rmtree(out_dir, ignore_errors=True)
    meta = generate(compressed_target, out_dir, quick, log)
    meta["dir"] = out_dir
    return meta


# Measurements --------------------------------------------------------------------------------

def sluice_run(binary, page):
    """Upload start -> searchable through `sluice serve`, with its RSS."""
    server = run.start_sluice(binary, ["--rate-limit", "0"])
    try:
        pid = server.proc.pid
        status, container = server.json("POST", "/push/v1/organizations/local/files", {})
        if status != 201:
            raise RuntimeError(f"creating a file container: {status} {container}")
        document_id = "bench://large/" + os.path.basename(page["dir"])
        start_rss = run.rss_kib(pid)
        with run.RssSampler(pid) as rss:
            wall0 = time.time()
            t0 = time.monotonic()
            code, up_seconds, body = run.curl_put(container["uploadUri"],
                                                  os.path.join(page["dir"], "page.zlib"),
                                                  container["requiredHeaders"])
            if code != 200:
                raise RuntimeError(f"upload answered {code}: {body[:300]}")
            status, res = server.put_document(document_id, {
                "fileExtension": ".html", "compressedBinaryDataFileId": container["fileId"],
                "compressionType": "ZLIB"})
            if status != 202:
                raise RuntimeError(f"push answered {status}: {res}")
            pushed = time.monotonic() - t0
            found = None
            deadline = t0 + 1800
            while time.monotonic() < deadline:
                status, res = server.json("POST", "/rest/search/v2",
                                          {"q": page["title_word"], "numberOfResults": 1,
                                           "fieldsToInclude": ["title"]})
                if status == 200 and res.get("totalCount", 0) >= 1:
                    found = time.monotonic() - t0
                    break
                if status != 200:
                    raise RuntimeError(f"search answered {status}: {res}")
                if server.proc.poll() is not None:
                    raise RuntimeError("sluice exited while processing the item")
                time.sleep(0.1)
            peak_at_found = rss.peak()
            time.sleep(2.0)  # the applier hands memory back after a second of idleness
        end_rss = rss.last()
        status, end = server.json("POST", "/rest/search/v2", {"q": page["end_word"],
                                                               "numberOfResults": 1})
        end_found = status == 200 and end.get("totalCount", 0) >= 1
        _, logs = server.json("GET", "/logs/v1/organizations/local")
        logged = None
        for entry in (logs or {}).get("documentLogEntries", []):
            if entry.get("id") == document_id:
                t = calendar.timegm(time.strptime(entry["datetime"][:19], "%Y-%m-%dT%H:%M:%S")) \
                    + float("0" + entry["datetime"][19:-1])
                logged = {"task": entry.get("task"), "result": entry.get("result"),
                          "seconds": t - wall0, "reason": entry.get("meta")}
        with open(server.log_path, errors="replace") as f:
            log_lines = [line.rstrip() for line in f
                         if container["fileId"] in line or document_id in line]
    finally:
        run.stop_sluice(server)
    return {"seconds": found, "upload_s": up_seconds, "pushed_s": pushed,
            "rss_start_mib": start_rss / 1024 if start_rss else None,
            "rss_peak_mib": (peak_at_found or 0) / 1024 if peak_at_found else None,
            "rss_peak_all_mib": rss.peak() / 1024 if rss.peak() else None,
            "rss_end_mib": end_rss / 1024 if end_rss else None,
            "end_word_found": end_found, "item_log": logged, "server_log": log_lines[:20]}


def timed(cmd, **kw):
    t0 = time.monotonic()
    done = subprocess.run(cmd, stderr=subprocess.PIPE, **kw)
    return time.monotonic() - t0, done


def peer_runs(page, tools, nginx):
    """One measurement of each stage limit: {stage: seconds or MISSING}."""
    out = {}
    d = page["dir"]
    if nginx is None:
        out["upload"] = MISSING
    else:
        code, seconds, body = run.curl_put(nginx.url("/store/page.zlib"),
                                           os.path.join(d, "page.zlib"))
        out["upload"] = seconds if code in (201, 204) else f"nginx answered {code}"
        stored = os.path.join(nginx.store_dir, "store", "page.zlib")
        if os.path.exists(stored):
            os.remove(stored)
    if not run.have("igzip"):
        out["inflate"] = MISSING
    else:
        with open(os.devnull, "wb") as null:
            seconds, done = timed(["igzip", "-dc", os.path.join(d, "page.gz")], stdout=null)
        out["inflate"] = seconds if done.returncode == 0 else f"igzip failed: {done.stderr[:200]}"
    work = run.scratch_dir("large-peers-")
    try:
        if "html_extract" not in tools:
            out["extract"] = MISSING
        else:
            lst = one_file_list(work, os.path.join(d, "prefix.html"))
            out["extract"] = peer_seconds([tools["html_extract"], lst])
        if "xapian_index" not in tools:
            out["index"] = MISSING
        else:
            lst = one_file_list(work, os.path.join(d, "text.txt"))
            out["index"] = peer_seconds([tools["xapian_index"], lst, os.path.join(work, "db"),
                                         "1", "replace"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def one_file_list(work, path):
    """A list file naming only `path`, as the peer programs take their inputs."""
    lst = os.path.join(work, os.path.basename(path) + ".list")
    with open(lst, "w") as f:
        f.write(path + "\n")
    return lst


def peer_seconds(cmd):
    import peers
    try:
        return float(peers.run_peer(cmd)["seconds"])
    except (RuntimeError, ValueError, KeyError, subprocess.SubprocessError) as e:
        return f"failed: {str(e)[:200]}"


def peer_tools(log):
    try:
        import peers
        return peers.build_peers()
    except Exception as e:  # a peer that does not build is reported, never replaced
        log(f"  peer programs unavailable: {e}")
        return {}


# Main ----------------------------------------------------------------------------------------

def main():
    parser = run.add_common_args(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.add_argument("--sizes-mb", default=None,
                        help="compressed sizes in MB (default 60,250; 1,3 with --quick)")
    args = parser.parse_args()
    sizes = [float(s) for s in (args.sizes_mb or ("1,3" if args.quick else "60,250")).split(",")]
    runs = max(1, args.runs)

    def log(msg):
        print(msg, flush=True)

    tools = peer_tools(log)
    stages = ("upload", "inflate", "extract", "index")
    results = {}
    nginx_ctx = run.Nginx() if run.have("nginx") else None
    nginx = nginx_ctx.__enter__() if nginx_ctx else None
    try:
        for mb in sizes:
            page = page_for(int(mb * 1_000_000), args.quick, log)
            log(f"  page {mb:g} MB: {page['zlib_bytes'] / 1e6:.1f} MB zlib, "
                f"{page['html_bytes'] / 1e6:.1f} MB HTML ({page['ratio']:.2f}:1), "
                f"{page['text_bytes'] / 1e6:.1f} MB text"
                + (" (cut at Sluice's 128 MiB text cap)" if page["text_truncated"] else ""))
            sl, pe = [], []
            for i in range(runs):
                s = sluice_run(args.sluice, page)
                p = peer_runs(page, tools, nginx)
                sl.append(s)
                pe.append(p)
                log(f"  {mb:g} MB run {i + 1}/{runs}: Sluice {run.num(s['seconds'])} s "
                    f"(upload {run.num(s['upload_s'])} s), RSS {run.num(s['rss_start_mib'])} -> "
                    f"peak {run.num(s['rss_peak_mib'])} -> {run.num(s['rss_end_mib'])} MiB; "
                    "peers " + ", ".join(f"{k} {run.num(v)}" + ("" if isinstance(v, str) else " s")
                                         for k, v in p.items()))
            results[mb] = (page, sl, pe)
    finally:
        if nginx_ctx:
            nginx_ctx.__exit__(None, None, None)

    rows_json = []
    print()
    print(f"### Large item, upload start -> searchable, {runs} runs (median [min–max])")
    print()
    rows = []
    for mb, (page, sl, pe) in results.items():
        sluice = run.stats([s["seconds"] for s in sl])
        stage = {}
        for name in stages:
            values = [p[name] for p in pe]
            bad = [v for v in values if isinstance(v, str)]
            stage[name] = {"missing": bad[0]} if bad else run.stats(values)
        if any(st.get("missing") for st in stage.values()):
            total = {"missing": MISSING if any(st.get("missing") == MISSING
                                               for st in stage.values()) else "peer failed"}
            ratio = None
        else:
            total = run.stats([sum(p[name] for name in stages) for p in pe])
            ratio = sluice["median"] / total["median"] if sluice["median"] else None
        rss_start = run.stats([s["rss_start_mib"] for s in sl])
        rss_peak = run.stats([s["rss_peak_mib"] for s in sl])
        rss_end = run.stats([s["rss_end_mib"] for s in sl])
        growth = run.stats([s["rss_peak_mib"] - s["rss_start_mib"] for s in sl
                            if s["rss_peak_mib"] and s["rss_start_mib"]])
        label = f"{mb:g} MB zlib HTML ({page['html_bytes'] / 1e6:.0f} MB)"
        rows.append([label, run.fmt(sluice, "s"), run.fmt(total, "s"),
                     f"{ratio:.2f}x" if ratio else "—",
                     *(run.fmt(stage[n], "s") for n in stages),
                     f"{run.fmt(rss_start)} / {run.fmt(rss_peak)} / {run.fmt(rss_end)}"])
        met_time = ratio is not None and ratio <= 1.5
        met_rss = growth["max"] is not None and growth["max"] < 64
        rows_json.append({
            "figure": f"large item, {label}, upload start -> searchable", "unit": "s",
            "sluice": sluice, "peers": {"sum of stage limits": dict(total, unit="s")},
            "goal": "within 1.5x the sum of stage limits",
            "met": met_time if ratio is not None else None,
            "flag": None if ratio is not None else total.get("missing"),
        })
        rows_json.append({
            "figure": f"large item, {mb:g} MB: Sluice RSS growth (peak - start)", "unit": "MiB",
            "sluice": growth, "peers": {}, "goal": "flat (< 64 MiB)", "met": met_rss,
        })
        results[mb] = {"page": {k: v for k, v in page.items() if k != "dir"},
                       "sluice": sluice, "stages": stage, "sum": total, "ratio": ratio,
                       "rss_mib": {"start": rss_start, "peak": rss_peak, "end": rss_end,
                                   "growth": growth},
                       "runs": sl, "peer_runs": pe}
    print(run.table(["Item", "Sluice", "Sum of stage limits", "Sluice / sum",
                     "nginx PUT-to-disk", "igzip -dc", "libxml2 extract", "Xapian index",
                     "Sluice RSS start / peak / end MiB"], rows))
    print()
    for mb, r in results.items():
        p = r["page"]
        print(f"{mb:g} MB item: {p['html_bytes']:,} B of HTML ({p['ratio']:.2f}:1, "
              f"{p['image_share'] * 100:.0f}% inline images), {p['text_bytes']:,} B of text"
              + (f" (Sluice keeps 128 MiB; peers extract {p['html_parsed_bytes']:,} B of HTML "
                 "and index that text)" if p["text_truncated"] else "")
              + f"; last word found by search: "
              + ", ".join("yes" if s["end_word_found"] else "no" for s in r["runs"])
              + "; item log: " + ", ".join(
                  f"{s['item_log']['task']} {s['item_log']['result']} at "
                  f"{s['item_log']['seconds']:.1f} s" if s["item_log"] else "none"
                  for s in r["runs"]))
        lines = [line for s in r["runs"] for line in s["server_log"]]
        print("  stage timings in Sluice's log: " + ("; ".join(lines[:5]) if lines else
                                                      "none (Sluice logs no per-item timings)"))
    head = rows_json[-2] if len(rows_json) >= 2 else {}
    run.write_result("large_item", {
        "figure": head.get("figure", "large item"), "unit": "s",
        "goal": "within 1.5x the sum of stage limits; RSS flat",
        "sluice": head.get("sluice"), "peers": head.get("peers", {}), "met": head.get("met"),
        "extra": {"items": {f"{mb:g}": r for mb, r in results.items()},
                  "text_cap_bytes": TEXT_CAP, "quick": args.quick},
        "rows": rows_json,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
