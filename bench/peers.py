#!/usr/bin/env python3
"""The peer programs the benchmarks measure beside Sluice, built from bench/peers/.

build_peers() compiles each (with g++/gcc -O2, only when its source is newer than its binary)
into build/bench/ and returns {name: path}:
- xapian_index LIST_FILE DB_DIR COMMIT_EVERY [replace|add]   raw Xapian indexing of text files
- html_extract LIST_FILE                                      libxml2 DOM parse + text walk
- inflate_peer zlib|isal|libdeflate FILE [zlib|gzip|deflate]  in-process decompression

Each prints `key=value` pairs on one line; parse_output() reads them. Python 3 stdlib only.
Run alone to build them: python3 bench/peers.py
"""

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = os.path.join(REPO, "bench", "peers")
OUT = os.path.join(REPO, "build", "bench")

# name -> (source, compiler, flags after the source)
PEERS = {
    "xapian_index": ("xapian_index.cc", "g++", ["-std=c++17", "-lxapian"]),
    "html_extract": ("html_extract.c", "gcc", ["-I/usr/include/libxml2", "-lxml2"]),
    "inflate_peer": ("inflate_peer.c", "gcc", ["-lz", "-lisal", "-ldeflate"]),
}


def build_peers(out_dir=OUT):
    """Compiles the stale peer programs; returns {name: path of the binary}."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, (source, compiler, flags) in PEERS.items():
        src = os.path.join(SOURCES, source)
        binary = os.path.join(out_dir, name)
        if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(src):
            cmd = [compiler, "-O2", "-Wall", "-o", binary + ".tmp", src] + flags
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"building {name} failed ({' '.join(cmd)}):\n{done.stderr}")
            os.replace(binary + ".tmp", binary)
        paths[name] = binary
    return paths


def parse_output(text):
    """{key: number or string} from the last `key=value ...` line a peer printed."""
    lines = [line for line in text.strip().splitlines() if "=" in line]
    if not lines:
        raise ValueError(f"no key=value line in {text!r}")
    out = {}
    for pair in lines[-1].split():
        key, _, value = pair.partition("=")
        try:
            out[key] = int(value)
        except ValueError:
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


def run_peer(args, timeout=3600):
    """Runs a peer (or sluice_stage_bench) and returns its parsed output line."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} exited {done.returncode}: "
                           f"{done.stderr.strip()[:2000]}")
    return parse_output(done.stdout)


if __name__ == "__main__":
    for peer, path in build_peers().items():
        print(f"{peer}: {path}")
    sys.exit(0)
