#!/usr/bin/env python3
"""The benchmark corpus: real documents nobody here wrote, from /usr/share.

- man_corpus(min_docs): every man page of sections 1-8 under /usr/share/man rendered to UTF-8
  text with groff (two at a time, cached under build/bench-corpus/man/ and reused), topped up with
  the /usr/share/doc HTML pages as text when the man pages alone are fewer than min_docs. Returns
  the directory; its list.txt names every document, one path per line.
- man_documents(count): the same corpus, or a fixed, spread-out sample of `count` pages of it
  (rendering only those), as a list of paths.
- doc_html(): the HTML pages under /usr/share/doc.
- html_from_text(paths, target_bytes, out_path): one big HTML page made of real documents (HTML
  bodies kept as they are, text turned into headings and paragraphs), for the large-item and
  stage benchmarks.

Python 3 standard library only. Run alone to render the corpus and print its size:
    python3 bench/corpus.py [--min-docs 20000] [--count N]
"""

import argparse
import bz2
import concurrent.futures
import gzip
import hashlib
import html
import html.parser
import lzma
import os
import re
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(REPO, "build", "bench-corpus")
MAN_ROOT = "/usr/share/man"
DOC_ROOT = "/usr/share/doc"
SECTIONS = [f"man{n}" for n in range(1, 9)]
# groff as man would run it for a terminal, minus the terminal: tbl (-t), input encoding
# detected by preconv (-k), no hyphenation (words stay whole for the indexers), 100 columns,
# and grotty without overstrikes or SGR (-P-cbou), so the output is plain UTF-8 text.
GROFF = ["groff", "-man", "-t", "-k", "-Tutf8", "-rHY=0", "-rLL=100n", "-rLT=100n", "-P-cbou"]
RENDER_PROCESSES = 2
RENDER_TIMEOUT_S = 60
OVERSTRIKE = re.compile(r".\x08")


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def _read_compressed(path):
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}
    ext = os.path.splitext(path)[1]
    if ext in opener:
        with opener[ext](path, "rb") as f:
            return f.read()
    with open(path, "rb") as f:
        return f.read()


def _page_name(path):
    """`ls.1` for /usr/share/man/man1/ls.1.gz."""
    name = os.path.basename(path)
    for ext in (".gz", ".bz2", ".xz", ".lzma"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def man_sources():
    """The man pages of sections 1-8 (English), sorted; symbolic links are aliases of another
    page and are left out (so are `.so` stubs, when rendering)."""
    out = []
    for section in SECTIONS:
        folder = os.path.join(MAN_ROOT, section)
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out.append(path)
    return sorted(out)


def _target_of(source, out_dir):
    section = os.path.basename(os.path.dirname(source))
    return os.path.join(out_dir, section, _page_name(source) + ".txt")


def _render_one(source, target):
    """Renders one page to `target` (an empty file when the page is only an alias or renders
    to nothing, so the cache remembers it was tried)."""
    raw = _read_compressed(source)
    text = b""
    stripped = raw.strip()
    if not (stripped.startswith(b".so ") and b"\n" not in stripped):
        try:
            done = subprocess.run(GROFF, input=raw, capture_output=True,
                                  timeout=RENDER_TIMEOUT_S)
            text = done.stdout
        except subprocess.TimeoutExpired:
            text = b""
    decoded = OVERSTRIKE.sub("", text.decode("utf-8", errors="replace")).strip()
    tmp = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"  # another run may render it too
    with open(tmp, "w", encoding="utf-8") as f:
        if decoded:
            f.write(decoded + "\n")
    os.replace(tmp, target)


def _render(sources, out_dir, log=_log):
    """Renders the pages of `sources` not yet in the cache, RENDER_PROCESSES at a time."""
    todo = [s for s in sources if not os.path.exists(_target_of(s, out_dir))]
    if not todo:
        return
    for section in SECTIONS:
        os.makedirs(os.path.join(out_dir, section), exist_ok=True)
    log(f"corpus: rendering {len(todo)} man pages with groff into {out_dir} "
        f"({RENDER_PROCESSES} at a time; cached for later runs)")
    started = last = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(RENDER_PROCESSES) as pool:
        futures = [pool.submit(_render_one, s, _target_of(s, out_dir)) for s in todo]
        for i, future in enumerate(concurrent.futures.as_completed(futures), 1):
            future.result()
            now = time.perf_counter()
            if now - last >= 30:
                log(f"corpus:   {i}/{len(todo)} rendered in {now - started:.0f} s")
                last = now
    log(f"corpus: rendered {len(todo)} pages in {time.perf_counter() - started:.0f} s")


class _TextOfHtml(html.parser.HTMLParser):
    """The visible text of a page: script and style skipped, blocks on their own lines."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt",
              "dd", "table", "section", "article", "blockquote", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)

    def text(self):
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def _read_html(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def html_to_text(markup):
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return parser.text()


def doc_html():
    """The HTML pages under /usr/share/doc (each real file once), sorted."""
    out, seen = [], set()
    for root, _, files in os.walk(DOC_ROOT):
        for name in files:
            if not name.endswith(".html"):
                continue
            path = os.path.join(root, name)
            real = os.path.realpath(path)
            if real in seen or not os.path.isfile(real) or os.path.getsize(real) == 0:
                continue
            seen.add(real)
            out.append(path)
    return sorted(out)


def _doc_text_files(out_dir, needed):
    """Up to `needed` /usr/share/doc HTML pages as text files under out_dir/doc/."""
    folder = os.path.join(out_dir, "doc")
    os.makedirs(folder, exist_ok=True)
    out = []
    for path in doc_html():
        if len(out) >= needed:
            break
        rel = os.path.relpath(path, DOC_ROOT).replace(os.sep, "__")
        target = os.path.join(folder, rel[: -len(".html")] + ".txt")
        if not os.path.exists(target):
            text = html_to_text(_read_html(path))
            with open(target + ".tmp", "w", encoding="utf-8") as f:
                if text:
                    f.write(text + "\n")
            os.replace(target + ".tmp", target)
        if os.path.getsize(target) > 0:
            out.append(target)
    return out


def _rendered(sources, out_dir):
    paths = (_target_of(s, out_dir) for s in sources)
    return sorted(p for p in paths if os.path.getsize(p) > 0)


def _write_list(path, docs):
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.writelines(p + "\n" for p in docs)
    os.replace(path + ".tmp", path)


def man_corpus(min_docs=20000, log=_log):
    """Renders (or reuses) every man page of sections 1-8; adds /usr/share/doc HTML pages as
    text if that is fewer than min_docs. Returns the directory; its list.txt names every
    document. Fails if even then the corpus is smaller than min_docs."""
    out_dir = os.path.join(CACHE, "man")
    sources = man_sources()
    _render(sources, out_dir, log)
    docs = _rendered(sources, out_dir)
    if len(docs) < min_docs:
        extra = _doc_text_files(out_dir, min_docs - len(docs))
        log(f"corpus: {len(docs)} man pages; adding {len(extra)} /usr/share/doc HTML pages "
            f"as text to reach {min_docs}")
        docs += extra
    if len(docs) < min_docs:
        raise RuntimeError(f"only {len(docs)} documents under /usr/share; {min_docs} wanted")
    _write_list(os.path.join(out_dir, "list.txt"), docs)
    return out_dir


def _spread(items, count):
    """`count` of `items`, ordered by a hash of their name so any sample mixes sections and
    packages (the sorted list starts with hundreds of similar gcloud pages)."""
    keyed = sorted(items, key=lambda p: hashlib.sha1(p.encode()).hexdigest())
    return sorted(keyed[:count])


def man_documents(count=None, min_docs=20000, log=_log):
    """The documents of man_corpus(min_docs), or `count` of them (only those rendered)."""
    if count is None:
        out_dir = man_corpus(min_docs, log)
        with open(os.path.join(out_dir, "list.txt"), encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    out_dir = os.path.join(CACHE, "man")
    sample = _spread(man_sources(), count + count // 10 + 10)  # a margin for empty pages
    _render(sample, out_dir, log)
    docs = _rendered(sample, out_dir)[:count]
    if len(docs) < count:
        raise RuntimeError(f"only {len(docs)} of {count} sample pages rendered to text")
    return docs


def write_list(docs, path):
    """A list file (one path per line), as the peer programs take it."""
    _write_list(path, docs)
    return path


_BODY_START = re.compile(r"<body\b[^>]*>", re.I)
_BODY_END = re.compile(r"</body\s*>", re.I)
# Document-level tags left inside a page's body (some pages have two): one big page keeps
# one <html> and one <body>, so every piece is read as part of it.
_PAGE_TAGS = re.compile(r"<!DOCTYPE[^>]*>|</?html\b[^>]*>|</?body\b[^>]*>|<head\b.*?</head\s*>",
                        re.I | re.S)


def _body_of(markup):
    start = _BODY_START.search(markup)
    if start:
        markup = markup[start.end():]
        ends = list(_BODY_END.finditer(markup))
        if ends:
            markup = markup[: ends[-1].start()]
    return _PAGE_TAGS.sub("", markup)


class _OpenElements(html.parser.HTMLParser):
    """The elements a fragment leaves open. Pages do leave some (an unclosed <div> or <font>);
    closing them at the end of each piece keeps a page of thousands of pieces as shallow as
    each piece is, instead of nesting every next piece one level deeper."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "param", "source", "track", "wbr", "basefont", "frame", "isindex", "keygen"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def _closed(fragment):
    """`fragment` with its open comment and elements closed."""
    if fragment.rfind("<!--") > fragment.rfind("-->"):
        fragment += " -->"
    parser = _OpenElements()
    parser.feed(fragment)
    parser.close()
    return fragment + "".join(f"</{tag}>" for tag in reversed(parser.stack))


def _html_piece(path):
    """A document as an HTML fragment: an HTML page's body as it is, text as a heading
    (its name) and paragraphs (its blank-line separated blocks)."""
    name = os.path.basename(path)
    if path.endswith((".html", ".htm")):
        return f'<section class="doc">\n{_closed(_body_of(_read_html(path)))}\n</section>\n'
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", errors="replace")
    parts = [f'<section class="doc">\n<h2>{html.escape(name)}</h2>\n']
    for block in re.split(r"\n\s*\n", text):
        block = block.strip("\n")
        if not block.strip():
            continue
        lines = block.splitlines()
        if len(lines) == 1 and lines[0].isupper():
            parts.append(f"<h3>{html.escape(lines[0].strip())}</h3>\n")
        else:
            parts.append("<p>" + html.escape(" ".join(line.strip() for line in lines))
                         + "</p>\n")
    parts.append("</section>\n")
    return "".join(parts)


def html_from_text(paths, target_bytes, out_path):
    """Writes one HTML page of at least target_bytes made of the documents at `paths` (HTML
    pages' bodies, text files as headings and paragraphs), going round the list again if it is
    too short. Returns the size written."""
    if not paths:
        raise ValueError("html_from_text needs at least one document")
    head = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>Documents from /usr/share</title>\n<style>section{margin:1em}</style>\n"
            '<script>document.documentElement.className="js";</script>\n</head>\n<body>\n')
    tail = "</body>\n</html>\n"
    written = 0
    with open(out_path + ".tmp", "wb") as out:
        chunk = head.encode()
        out.write(chunk)
        written += len(chunk)
        while written + len(tail) < target_bytes:
            progressed = False
            for path in paths:
                chunk = _html_piece(path).encode("utf-8")
                if len(chunk) > 64:
                    progressed = True
                out.write(chunk)
                written += len(chunk)
                if written + len(tail) >= target_bytes:
                    break
            if not progressed:
                raise ValueError("the documents given to html_from_text are empty")
        out.write(tail.encode())
        written += len(tail)
    os.replace(out_path + ".tmp", out_path)
    return written


def main():
    parser = argparse.ArgumentParser(description="Render the man-page corpus and print its size.")
    parser.add_argument("--min-docs", type=int, default=20000)
    parser.add_argument("--count", type=int, default=None, help="only a sample of N pages")
    args = parser.parse_args()
    docs = man_documents(args.count, args.min_docs)
    sizes = sorted(os.path.getsize(p) for p in docs)
    print(f"{len(docs)} documents, {sum(sizes) / 1e6:.2f} MB of text, median "
          f"{sizes[len(sizes) // 2]} B, p99 {sizes[len(sizes) * 99 // 100]} B, max {sizes[-1]} B")


if __name__ == "__main__":
    main()
