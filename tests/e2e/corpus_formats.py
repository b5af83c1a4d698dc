"""Documents of the formats Sluice extracts, written from scratch with Python's standard library
(and Debian's qpdf for encryption): PDF, Office Open XML, OpenDocument, e-mail with
attachments, HTML in legacy encodings, and hostile files. Shared by the end-to-end tests and
`make bench`."""

import email.message
import email.policy
import io
import random
import subprocess
import tempfile
import zipfile
import zlib
from xml.sax.saxutils import escape


# PDF ----------------------------------------------------------------------------------------

def _pdf_string(text):
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf(pages, title=None, author=None, subject=None, keywords=None, created=None,
        compress=True, break_xref=False):
    """A PDF whose pages hold the given lines of text (a list of lists of ASCII lines), in
    Helvetica. `created` is a PDF date ("D:20240301100000Z"). `break_xref` writes wrong
    offsets into the cross-reference table, as a damaged file has."""
    objects = []  # bodies; object n is objects[n - 1]

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    page_tree = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "50 780 Td"]
        for line in lines:
            ops.append(_pdf_string(line) + " Tj T*")
        ops.append("ET")
        content = "\n".join(ops).encode("latin-1")
        if compress:
            data = zlib.compress(content, 6)
            stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
        else:
            stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
        content_id = add(stream)
        kids.append(add(("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
                         "/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                         % (page_tree, font, content_id)).encode()))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % page_tree
    objects[page_tree - 1] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (
        " ".join(f"{k} 0 R" for k in kids), len(kids))).encode()
    info_entries = {"Title": title, "Author": author, "Subject": subject, "Keywords": keywords,
                    "CreationDate": created, "ModDate": created}
    info_body = " ".join(f"/{k} {_pdf_string(v)}" for k, v in info_entries.items() if v)
    info = add(f"<< {info_body} >>".encode("latin-1"))

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % ((offset * 7 + 13) if break_xref else offset))
    out.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, catalog, info, xref))
    return out.getvalue()


def encrypted_pdf(plain, user_password):
    """`plain` encrypted with AES-256 by qpdf; an empty user password opens without asking."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = f"{tmp}/in.pdf", f"{tmp}/out.pdf"
        with open(src, "wb") as f:
            f.write(plain)
        subprocess.run(["qpdf", "--encrypt", user_password, "owner-secret", "256", "--",
                        src, dst], check=True)
        with open(dst, "rb") as f:
            return f.read()


def big_pdf(min_bytes, words):
    """A PDF of at least `min_bytes` (uncompressed content streams) made of `words`."""
    lines_per_page = 50
    line = " ".join(words[i % len(words)] for i in range(12))
    page = [line] * lines_per_page
    page_bytes = len(line) * lines_per_page + 600
    return pdf([page] * (min_bytes // page_bytes + 1), title="Big", compress=False)


# Office Open XML and OpenDocument ----------------------------------------------------------

_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
         'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
         'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
         '<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>'
         '<cp:keywords>{keywords}</cp:keywords>'
         '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T10:00:00Z</dcterms:created>'
         '</cp:coreProperties>')
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _ooxml(main_part, main_type, parts, title, author, keywords):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
                   '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   f'Target="{main_part}"/></Relationships>')
        z.writestr("docProps/core.xml", _CORE.format(title=escape(title), author=escape(author),
                                                     keywords=escape(keywords)))
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def docx(paragraphs, title="", author="", keywords="", document_xml=None):
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    xml = document_xml or (f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}">'
                           f"<w:body>{body}</w:body></w:document>")
    return _ooxml("word/document.xml",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                  {"word/document.xml": xml}, title, author, keywords)


def big_docx(min_bytes, words):
    """A .docx whose word/document.xml is at least `min_bytes`, of words in a seeded random
    order (a real document compresses a few times, not thousands)."""
    rng = random.Random(7)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>']
    size = 0
    while size < min_bytes:
        line = " ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(12))
        paragraph = f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>"
        parts.append(paragraph)
        size += len(paragraph)
    parts.append("</w:body></w:document>")
    return docx([], title="Big", document_xml="".join(parts))


def xlsx(cells, title="", author=""):
    strings = "".join(f"<si><t>{escape(c)}</t></si>" for c in cells)
    row = "".join(f'<c r="A{i + 1}" t="s"><v>{i}</v></c>' for i in range(len(cells)))
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return _ooxml("xl/workbook.xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", {
                      "xl/workbook.xml": f'<workbook xmlns="{ns}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                                         '<sheets><sheet name="One" sheetId="1" r:id="rId1"/></sheets></workbook>',
                      "xl/_rels/workbook.xml.rels":
                          '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                          '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                          '</Relationships>',
                      "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{strings}</sst>',
                      "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{ns}"><sheetData><row r="1">{row}</row></sheetData></worksheet>',
                  }, title, author, "")


def pptx(slides, title="", author=""):
    ns_a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    ns_p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    parts = {"ppt/presentation.xml": f'<p:presentation xmlns:p="{ns_p}"/>'}
    for i, text in enumerate(slides, start=1):
        parts[f"ppt/slides/slide{i}.xml"] = (
            f'<p:sld xmlns:p="{ns_p}" xmlns:a="{ns_a}"><p:cSld><p:spTree><p:sp><p:txBody>'
            f"<a:p><a:r><a:t>{escape(text)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    return _ooxml("ppt/presentation.xml",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                  parts, title, author, "")


def odt(paragraphs, title="", author=""):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("META-INF/manifest.xml",
                   '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
                   '</manifest:manifest>')
        body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
        z.writestr("content.xml",
                   '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                   f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
        z.writestr("meta.xml",
                   '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0">'
                   f"<office:meta><dc:title>{escape(title)}</dc:title>"
                   f"<meta:initial-creator>{escape(author)}</meta:initial-creator></office:meta></office:document-meta>")
    return out.getvalue()


def zip_bomb_docx(expanded_bytes):
    """A .docx whose document.xml expands to `expanded_bytes` of one repeated byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   '</Types>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<w:document xmlns:w="{_W}"><w:body><w:p><w:r><w:t>'.encode())
            chunk = b"a" * (1 << 20)
            for _ in range(expanded_bytes >> 20):
                f.write(chunk)
            f.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


# E-mail ---------------------------------------------------------------------------------------

def eml(subject, sender, to, text, attachments=(), html=None):
    """An RFC 5322 message; attachments are (file name, MIME type, bytes) or an
    email.message.EmailMessage to attach as message/rfc822."""
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = "Fri, 01 Mar 2024 10:00:00 +0000"
    msg.set_content(text, charset="utf-8")
    if html:
        msg.add_alternative(html, subtype="html")
    for attachment in attachments:
        if isinstance(attachment, email.message.EmailMessage):
            msg.add_attachment(attachment)
        else:
            name, mime, data = attachment
            maintype, subtype = mime.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


# HTML in legacy encodings --------------------------------------------------------------------

def html_page(title, body, charset):
    """`title` and `body` (str) in a page encoded in `charset`, declared by <meta> (UTF-16 by
    its byte order mark)."""
    if charset.lower().startswith("utf-16"):
        page = f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>"
        return page.encode("utf-16")  # with a byte order mark
    page = (f'<html><head><meta charset="{charset}"><title>{title}</title></head>'
            f"<body><p>{body}</p></body></html>")
    return page.encode(charset)


def billion_laughs_xml():
    xml = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    for level in range(1, 10):
        previous = "lol" if level == 1 else f"lol{level - 1}"
        xml += f'<!ENTITY lol{level} "' + f"&{previous};" * 10 + '">\n'
    return (xml + "]>\n<lolz>laughsafe &lol9; end</lolz>").encode()


def xxe_xml():
    return (b'<?xml version="1.0"?>\n<!DOCTYPE data [\n<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
            b"<data>xxeprobe &secret; done</data>")


def nested_html(depth, word):
    return ("<html><body>" + "<div>" * depth + word + "</div>" * depth + "</body></html>").encode()
