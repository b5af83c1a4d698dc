#!/usr/bin/env python3
"""Writes the seed corpus in fuzz/corpus/<target>/ (python3 standard library only).

Every seed is made here, deterministically, so the corpus can be rebuilt and
reviewed: `python3 fuzz/make_corpus.py` rewrites it. Seeds are small on purpose;
libFuzzer grows its own corpus from them in a scratch directory.
"""
import base64
import gzip
import hashlib
import hmac
import json
import lzma
import pathlib
import random
import shutil
import struct
import urllib.parse
import zlib

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    path = CORPUS / target / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ------------------------------------------------------------------ http_request

def http_request():
    crlf = lambda *lines: "\r\n".join(lines).encode()
    seeds = {
        "get": crlf("GET /healthz HTTP/1.1", "Host: 127.0.0.1:8080", "", ""),
        "put_length": crlf(
            "PUT /push/v1/organizations/local/sources/s/documents?documentId=http%3A%2F%2Fa HTTP/1.1",
            "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: 13", "",
            '{"data":"hi"}'),
        "put_chunked": crlf("PUT /blobstore/local/f?X-Amz-Date=20240101T000000Z HTTP/1.1",
                            "Host: h", "Transfer-Encoding: chunked",
                            "x-amz-server-side-encryption: AES256", "", "5", "hello", "0", "", ""),
        "chunked_ext_trailer": crlf("POST /x HTTP/1.1", "Host: h", "Transfer-Encoding: Chunked",
                                    "", "3;ext=1", "abc", "0", "Trailer: v", "", ""),
        "te_and_length": crlf("POST /x HTTP/1.1", "Host: h", "Content-Length: 4",
                              "Transfer-Encoding: chunked", "", "0", "", ""),
        "te_gzip_then_length": crlf("POST /x HTTP/1.1", "Host: h", "Transfer-Encoding: gzip",
                                    "Content-Length: 3", "", "abc"),
        "te_gzip_chunked": crlf("POST /x HTTP/1.1", "Host: h",
                                "Transfer-Encoding: gzip, chunked", "", "0", "", ""),
        "te_twice": crlf("POST /x HTTP/1.1", "Host: h", "Transfer-Encoding: chunked",
                         "Transfer-Encoding: chunked", "", "0", "", ""),
        "http10_chunked": crlf("POST /x HTTP/1.0", "Host: h", "Transfer-Encoding: chunked", "",
                               "0", "", ""),
        "length_twice": crlf("POST /x HTTP/1.1", "Host: h", "Content-Length: 1",
                             "Content-Length: 1", "", "a"),
        "obs_fold": crlf("GET / HTTP/1.1", "Host: h", "X-A: a", " b", "", ""),
        "pipelined": crlf("GET /a HTTP/1.1", "Host: h", "", "GET /b HTTP/1.1", "Host: h", "", ""),
        "expect": crlf("PUT /x HTTP/1.1", "Host: h", "Expect: 100-continue", "Content-Length: 2",
                       "", "ab"),
        "search_query": crlf("GET /rest/search/v2?q=a+b&numberOfResults=10&%zz HTTP/1.1",
                             "Host: h", "", ""),
    }
    for name, data in seeds.items():
        write("http_request", name, data)


# ------------------------------------------------------------------ sigv4_query
# The fuzzer's fixed credentials (sigv4_query_fuzzer.cc).
AKID, SECRET, REGION, SERVICE = "AKIDSLUICEFUZZ", "c2x1aWNlLWZ1enotc2VjcmV0", "us-east-1", "s3"


def sigv4_presign(method, host, path, headers, amz_date, expires):
    enc = lambda s, safe="": urllib.parse.quote(s, safe="-_.~" + safe)
    scope = f"{amz_date[:8]}/{REGION}/{SERVICE}/aws4_request"
    canon_headers = {k.lower(): " ".join(v.split()) for k, v in headers.items()}
    canon_headers["host"] = host.lower()
    signed = ";".join(sorted(canon_headers))
    params = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": f"{AKID}/{scope}",
              "X-Amz-Date": amz_date, "X-Amz-Expires": str(expires),
              "X-Amz-SignedHeaders": signed}
    query = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()))
    request = "\n".join([method, enc(path, "/"), query,
                         "".join(f"{k}:{canon_headers[k]}\n" for k in sorted(canon_headers)),
                         signed, "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(request.encode()).hexdigest()])
    key = ("AWS4" + SECRET).encode()
    for part in (amz_date[:8], REGION, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{enc(path, '/')}?{query}&X-Amz-Signature={signature}"


def fdp_string(s):
    """A string as FuzzedDataProvider::ConsumeRandomLengthString reads it."""
    return s.replace(b"\\", b"\\\\") + b"\\ "


def sigv4_raw_seed(method, host, headers, now, target):
    """A seed for the fuzzer's raw mode: FuzzedDataProvider takes strings from the
    front and integers from the back (the mode byte last)."""
    front = fdp_string(method) + fdp_string(host)
    for name, value in headers:
        front += fdp_string(name) + fdp_string(value)
    now_bytes = struct.pack("<Q", (now + (1 << 63)) % (1 << 64))
    return front + target + now_bytes + bytes([len(headers), 2])


def sigv4_query():
    now = 1718000000  # 2024-06-10T06:13:20Z
    amz_date = "20240610T061320Z"
    cases = [
        ("PUT", "127.0.0.1:8080", "/blobstore/local/5f0c6a2e-4c1b-4f61-9a53-0f1c9a4d2b77",
         {"x-amz-server-side-encryption": "AES256", "Content-Type": "application/octet-stream"}),
        ("GET", "sluice.example.com", "/a b/\u00e9t\u00e9/+", {}),
    ]
    for i, (method, host, path, headers) in enumerate(cases):
        target = sigv4_presign(method, host, path, headers, amz_date, 3600).encode()
        header_list = [(k.encode(), v.encode()) for k, v in headers.items()]
        header_list.append((b"Host", host.encode()))
        write("sigv4_query", f"raw_signed_{i}",
              sigv4_raw_seed(method.encode(), host.encode(), header_list, now + 60, target))
    # The structured modes build their URLs themselves; any bytes will do.
    rng = random.Random(4)
    for i in range(10):
        write("sigv4_query", f"structured_{i}", bytes(rng.randrange(256) for _ in range(24 + 16 * i)))


# ------------------------------------------------------------------ base64

def base64_seeds():
    for i, raw in enumerate([b"", b"f", b"fo", b"foo", b"foob", b"\x00\xff\xfe", bytes(range(64))]):
        write("base64", f"valid_{i}", base64.b64encode(raw))
    for name, text in {"unused_bits": "Zm9=", "unused_bits2": "Zh==", "no_padding": "Zm9v Zg",
                       "urlsafe": "-_-_", "padding_inside": "Zg==Zg==", "three_pad": "Z===",
                       "newline": "Zm9v\nYmFy", "empty_pad": "===="}.items():
        write("base64", name, text)


# ------------------------------------------------------------------ decompress
TYPES = {"UNCOMPRESSED": 0, "ZLIB": 1, "GZIP": 2, "DEFLATE": 3, "LZMA": 4}
PIECES = {"whole": 0, "1": 1, "7": 4, "4096": 8}  # index into kPieces


def control(kind, pieces="whole", round_trip=False):
    return bytes([TYPES[kind] | PIECES[pieces] << 3 | (0x80 if round_trip else 0)])


def deflate_raw(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def decompress():
    text = b"<html><title>Sluice</title><p>" + b"hello world " * 40 + b"</p></html>"
    streams = {
        "uncompressed": ("UNCOMPRESSED", text),
        "zlib": ("ZLIB", zlib.compress(text)),
        "zlib_truncated": ("ZLIB", zlib.compress(text)[:-5]),
        "zlib_dictionary": ("ZLIB", bytes.fromhex("78bb") + b"\x00\x00\x00\x01" + b"\x03\x00"),
        "gzip": ("GZIP", gzip.compress(text, mtime=0)),
        "gzip_two_members_padding": ("GZIP", gzip.compress(b"a", mtime=0) +
                                     gzip.compress(b"b", mtime=0) + b"\x00\x00"),
        "gzip_garbage_after": ("GZIP", gzip.compress(b"a", mtime=0) + b"junk"),
        "deflate": ("DEFLATE", deflate_raw(text)),
        "xz": ("LZMA", lzma.compress(text, format=lzma.FORMAT_XZ)),
        "xz_two_streams": ("LZMA", lzma.compress(b"a", format=lzma.FORMAT_XZ) + b"\x00" * 4 +
                           lzma.compress(b"b", format=lzma.FORMAT_XZ)),
        "lzma_alone": ("LZMA", lzma.compress(text, format=lzma.FORMAT_ALONE)),
        "bomb_zlib": ("ZLIB", zlib.compress(b"\x00" * (3 << 20), 9)),
    }
    for name, (kind, data) in streams.items():
        write("decompress", name, control(kind) + data)
    write("decompress", "zlib_bytewise", control("ZLIB", "1") + zlib.compress(text))
    write("decompress", "gzip_pieces", control("GZIP", "7") + gzip.compress(text, mtime=0))
    for kind in ("ZLIB", "GZIP", "DEFLATE", "LZMA"):
        write("decompress", f"round_trip_{kind.lower()}", control(kind, "4096", True) + text[:200])


# ------------------------------------------------------------------ push_json

def push_json():
    doc = "https://example.com/doc"
    seeds = {
        "minimal": {"data": "hello"},
        "seed_procedure": {"FileExtension": ".html", "CompressedBinaryDataFileId":
                           "5f0c6a2e-4c1b-4f61-9a53-0f1c9a4d2b77"},
        "inline_binary": {"documentId": doc, "compressedBinaryData":
                          base64.b64encode(zlib.compress(b"<p>hi</p>")).decode(),
                          "compressionType": "zlib", "fileExtension": ".html"},
        "metadata": {"title": "T", "author": ["a", "b"], "size": 12, "ratio": 0.5, "ok": True,
                     "none": None, "date": "2024-06-10T06:13:20Z", "orderingId": 7,
                     "parentId": "p"},
        "permission_sets": {"data": "x", "permissions": [
            {"allowAnonymous": False, "allowedPermissions": [
                {"identity": "a@example.com", "identityType": "User"}],
             "deniedPermissions": [{"identity": "g", "identityType": "GROUP",
                                    "securityProvider": "Email Security Provider"}]}]},
        "permission_levels": {"data": "x", "Permissions": [
            {"name": "L", "permissionSets": [{"allowedPermissions": {"name": "u", "type": "user"}}]},
            {"permissionSets": []}]},
    }
    for name, body in seeds.items():
        write("push_json", name, json.dumps(body))
    raw = {
        "case_duplicate": '{"Data":"a","DATA":"b"}',
        "nested_duplicate": '{"m":{"X":1,"x":2}}',
        "numbers": '{"a":-0,"b":1e308,"c":1e-400,"d":18446744073709551615,"e":-9223372036854775808,'
                   '"f":1.5E+3}',
        "escapes": '{"data":"\\u00e9\\ud83d\\ude00\\n\\"\\\\\\/","t\\u0041":"k"}',
        "deep": '{"a":' * 70 + "1" + "}" * 70,
        "not_object": '["data"]',
        "comment": '{"data":"x"/* c */}',
        "trailing": '{"data":"x"} {}',
        "bad_compression": '{"data":"x","compressionType":"brotli"}',
        "bad_base64": '{"compressedBinaryData":"Zm9v\\n"}',
    }
    for name, text in raw.items():
        write("push_json", name, text)


# ------------------------------------------------------------------ batch_stream

def batch_stream():
    seeds = {
        "batch": '{"addOrUpdate":[{"documentId":"a","data":"x"},{"DocumentId":"b","meta":[1,2]}],'
                 '"delete":[{"documentId":"c","deleteChildren":true}]}',
        "partial": '{"partialUpdate":[{"documentId":"a","operator":"fieldValueReplace",'
                   '"field":"f","value":"v"}]}',
        "empty": '{"addOrUpdate":[],"delete":[]}',
        "other_keys": '{"other":[1,{"a":[]}],"ADDORUPDATE":[[1],"s",null],"x":{"y":1}}',
        "duplicate_section": '{"delete":[{"documentId":"a"}],"Delete":[]}',
        "not_array": '{"addOrUpdate":{"documentId":"a"}}',
        "root_array": '[{"addOrUpdate":[]}]',
        "truncated": '{"addOrUpdate":[{"documentId":"a"},{"docu',
        "deep_item": '{"delete":[' + '[' * 62 + ']' * 62 + ']}',
    }
    for name, text in seeds.items():
        write("batch_stream", name, text)


# ------------------------------------------------------------------ identity_body

def identity_body():
    seeds = {
        "members": {"Identity": {"Name": "Sales", "Type": "group", "AdditionalInfo": {"k": "v"}},
                    "Members": [{"name": "a@example.com", "type": "User"}],
                    "wellKnowns": [{"name": "Everyone", "type": "VirtualGroup"}]},
        "mapping": {"identity": {"name": "asmith", "type": "USER"},
                    "mappings": [{"name": "asmith@example.com", "type": "USER",
                                  "provider": "Email Security Provider"}]},
        "bare_delete": {"name": "old", "type": "VIRTUAL_GROUP"},
        "batch": {"members": [{"identity": {"name": "g", "type": "GROUP"}, "members": []}],
                  "mappings": [], "deleted": [{"identity": {"name": "x"}}, None]},
        "bad_type": {"identity": {"name": "u", "type": "robot"}},
        "null_lists": {"identity": {"name": "u", "additionalInfo": None}, "members": None,
                       "wellKnowns": None},
    }
    for name, body in seeds.items():
        write("identity_body", name, json.dumps(body))


# ------------------------------------------------------------------ html_extract

def html_extract():
    seeds = {
        "page": "<!DOCTYPE html><html><head><title>Sluice &amp; co</title>"
                "<style>p{}</style><script>var a='</p>';</script></head>"
                "<body><h1>Title</h1><p>Hello <b>wor</b>ld&nbsp;!</p><br>x<div>y</div>"
                "<svg><title>not this</title></svg><noscript>no</noscript></body></html>",
        "latin1": b"<html><head><meta charset=\"iso-8859-1\"><title>caf\xe9</title></head>"
                  b"<body>na\xefve</body></html>",
        "http_equiv": b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
                      b"<p>\x93quoted\x94</p>",
        "utf16le": "\ufeff<html><title>\u00e9t\u00e9</title><p>\u4e2d\u6587</p></html>"
                   .encode("utf-16-le"),
        "invalid_utf8": b"<p>a\xc3(b\xed\xa0\x80c\xf4\x90\x80\x80d\xff</p>",
        "entities": "<p>&lt;&#x1F600;&#0;&#xD800;&#1114112;&unknown;&amp</p>",
        "malformed": "<p><b>unclosed <i>tags</p></div><td>cell<!-- comment --><![CDATA[x]]>",
        "unterminated_comment": "<p>before</p><!-- never closed <p>after</p>",
        "controls": "<p>a\x01b\x7fc\u0085d\u2028e\u3000f</p>",
        "nested": "<div>" * 300 + "deep" + "</div>" * 300,
        "xhtml": "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\">"
                 "<body><p>x</p></body></html>",
    }
    for name, data in seeds.items():
        write("html_extract", name, data)


# ------------------------------------------------------------------ index_change
# Encoded index puts as src/index/README.md describes them ("Encoded puts"), written here
# independently of the C++ encoder. The fuzzer's first byte: odd, it appends the CRC-32 itself.

def leb128(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def leb_string(b):
    return leb128(len(b)) + b


def xapian_length(n):
    """Xapian 1.4's encode_length: one byte below 255, else 0xff and 7-bit groups, last one flagged."""
    if n < 255:
        return bytes([n])
    out, n = bytearray([0xFF]), n - 255
    while True:
        group, n = n & 0x7F, n >> 7
        if not n:
            out.append(group | 0x80)
            return bytes(out)
        out.append(group)


def xapian_document(values, terms, data):
    """values: {slot: bytes}; terms: {term: (wdf, [positions])}, as Document::serialise lays them out."""
    out = xapian_length(len(values))
    for slot in sorted(values):
        out += xapian_length(slot) + xapian_length(len(values[slot])) + values[slot]
    out += xapian_length(len(terms))
    for term in sorted(terms):
        wdf, positions = terms[term]
        out += xapian_length(len(term)) + term + xapian_length(wdf) + xapian_length(len(positions))
        last = 0
        for position in positions:
            out += xapian_length(position - last)
            last = position
    return out + data


def encoded_put(uri, metadata, kinds, document, fmt=1):
    """Without the CRC-32, which the fuzzer appends for inputs whose first byte is odd."""
    out = bytes([fmt]) + leb_string(uri) + leb128(len(metadata))
    for name, values in metadata:
        out += leb_string(name) + leb128(len(values)) + b"".join(leb_string(v) for v in values)
    out += leb128(len(kinds))
    for name, kind in kinds:
        out += leb_string(name) + bytes([kind])
    return out + leb_string(document)


def unique_term(uri):
    return b"Q" + uri if len(uri) + 1 <= 245 else b"XHQ" + hashlib.sha256(uri).hexdigest().encode()


def index_change():
    uri = b"https://example.com/a.html"
    words = {b"Sgiraffe": (1, [1]), b"giraffe": (3, [1]), b"Zgiraff": (3, []),
             b"tall": (1, [3]), b"leaves": (1, [4, 9]), b"Zleav": (2, [])}
    terms = {unique_term(uri): (0, []), b"XChttps:": (0, []), b"XChttps:/": (0, []),
             b"XChttps://example.com": (0, []), b"@author": (0, []), b"@author==ann": (0, []),
             b"@price": (0, []), b"@price==7": (0, []), **words}
    values = {0: b"\xa0", 1: b"\xb0", 3: uri, 4: b"author\0ann", 16: b"\xa8"}
    data = b'{"uri":"https://example.com/a.html","title":"Giraffe"}'
    document = xapian_document(values, terms, data)
    metadata = [(b"author", [b"Ann", b"B\xc3\xa9la"]), (b"price", [b"7"]),
                (b"released", [b"2002-01-31T11:53:12Z"])]
    kinds = [(b"price", 1), (b"released", 4), (b"weight", 3)]
    put = encoded_put(uri, metadata, kinds, document)
    write("index_change", "put", b"\x01" + put)
    write("index_change", "put_with_crc", b"\x00" + put + struct.pack("<I", zlib.crc32(put)))
    write("index_change", "bare", b"\x01" + encoded_put(
        b"x", [], [], xapian_document({3: b"x"}, {b"Qx": (0, [])}, b"{}")))
    long_uri = b"file:///share/" + b"d" * 300
    write("index_change", "long_uri", b"\x01" + encoded_put(
        long_uri, [(b"size", [b"12", b"many"])], [(b"size", 2)],
        xapian_document({3: long_uri, 300: b"v"}, {unique_term(long_uri): (0, []),
                                                   b"word": (300, [1, 2, 70000])}, b"")))
    write("index_change", "other_uri", b"\x01" + encoded_put(b"https://example.com/b", [], [],
                                                              document))
    write("index_change", "format_2", b"\x01" + encoded_put(uri, [], [], document, fmt=2))


def main():
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    http_request()
    sigv4_query()
    base64_seeds()
    decompress()
    push_json()
    batch_stream()
    identity_body()
    html_extract()
    index_change()
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"make_corpus: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} seeds, {total} bytes")


if __name__ == "__main__":
    main()
