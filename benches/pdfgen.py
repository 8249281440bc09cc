#!/usr/bin/env python3
"""Test PDFs for the benchmarks under benches/ (issues 3 and 9), written by hand with zlib.

Two shapes, the two ends of what officers upload:

* `image SIZE_MB`: a few pages (3 by default), each drawing one large incompressible RGB image
  XObject (random bytes, no filter), about SIZE_MB MiB in all; classic cross-reference table.
  Time and memory are dominated by bytes, not by objects.
* `text PAGES`: a text-only document of PAGES pages (2,000 for the benchmarks), PDF 1.5 style:
  every non-stream object (catalog, page tree, pages, fonts, resources, info) lives in object
  streams (/Type /ObjStm, FlateDecode), the cross-reference data is a FlateDecoded stream
  (/Type /XRef, /W [1 4 2]), and each page's content stream is FlateDecoded. Small in bytes,
  large in objects (ISO 32000-2 §7.5.7, §7.5.8).

Usage:

    python3 benches/pdfgen.py image 100 out.pdf [--pages 3]
    python3 benches/pdfgen.py text 2000 out.pdf [--predictor]

or, from Python, `pdfgen.image(path, size_mb)` and `pdfgen.text(path, pages)`.
The files pass `qpdf --check`; the image data is random, the text output is deterministic
(apart from the file /ID).
"""

import argparse
import math
import os
import struct
import zlib
from pathlib import Path

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
MIB = 1024 * 1024
OBJSTM_CAPACITY = 100  # objects per object stream, as Acrobat and most writers do
FANOUT = 50  # kids per intermediate /Pages node of the text document


class _Writer:
    """Appends numbered objects to a file and remembers where each one starts."""

    def __init__(self, f):
        self.f = f
        self.pos = 0
        self.offsets = {}

    def raw(self, data):
        self.f.write(data)
        self.pos += len(data)

    def obj(self, num, body, stream=None):
        self.offsets[num] = self.pos
        self.raw(b"%d 0 obj\n" % num + body)
        if stream is not None:
            self.raw(b"\nstream\n")
            self.raw(stream)
            self.raw(b"\nendstream")
        self.raw(b"\nendobj\n")


def _file_id():
    h = os.urandom(16).hex().encode()
    return b"[<%s> <%s>]" % (h, h)


# --- image: a few big incompressible images, classic xref table ---------------------------


def image(path, size_mb, pages=3):
    """Writes to `path` a PDF of `pages` pages, each drawing one random RGB image, about
    `size_mb` MiB in all (the images are written straight to the file, one at a time)."""
    per_image = max(int(size_mb * MIB / pages), 3)
    width = max(int(math.sqrt(per_image / 3)), 1)
    height = max(per_image // 3 // width, 1)
    # 1 catalog, 2 pages, 3 font, then per page: page, content, image
    page_nums = [4 + 3 * i for i in range(pages)]
    with open(path, "wb") as f:
        w = _Writer(f)
        w.raw(HEADER)
        kids = b" ".join(b"%d 0 R" % n for n in page_nums)
        w.obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        w.obj(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
        w.obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
              b"/Encoding /WinAnsiEncoding >>")
        for i, num in enumerate(page_nums):
            content = (
                b"q 500 0 0 500 50 150 cm /Im0 Do Q BT /F1 24 Tf 50 700 Td "
                b"(Surat Keterangan, halaman %d) Tj ET" % (i + 1)
            )
            w.obj(num, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                  b"/Resources << /XObject << /Im0 %d 0 R >> /Font << /F1 3 0 R >> >> >>"
                  % (num + 1, num + 2))
            w.obj(num + 1, b"<< /Length %d >>" % len(content), content)
            data = os.urandom(width * height * 3)
            w.obj(num + 2, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                  b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Length %d >>"
                  % (width, height, len(data)), data)
            del data
        size = 3 + 3 * pages + 1
        xref = w.pos
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        rows += [b"%010d 00000 n \n" % w.offsets[n] for n in range(1, size)]
        w.raw(b"".join(rows))
        w.raw(b"trailer\n<< /Size %d /Root 1 0 R /ID %s >>\nstartxref\n%d\n%%%%EOF\n"
              % (size, _file_id(), xref))


# --- text: many pages, object streams, cross-reference stream -----------------------------

LINES = [
    b"PEMERINTAH KOTA - SURAT KETERANGAN",
    b"Nomor: 470/%05d/DISDUKCAPIL/2026",
    b"Yang bertanda tangan di bawah ini menerangkan bahwa data penduduk",
    b"pada halaman ini telah diperiksa dan sesuai dengan arsip dinas.",
    b"Halaman %d dari %d",
]


def _page_content(n, total):
    lines = [LINES[0], LINES[1] % n, LINES[2], LINES[3], LINES[4] % (n, total)]
    ops = [b"BT /F2 14 Tf 72 770 Td 18 TL (%s) Tj /F1 11 Tf" % lines[0]]
    ops += [b"T* (%s) Tj" % line for line in lines[1:]]
    ops.append(b"ET")
    return zlib.compress(b"\n".join(ops), 6)


def _page_tree(first_num, leaves):
    """Numbers and bodies of a two-level page tree: the root /Pages (object 2) with one
    intermediate /Pages node per FANOUT pages. `leaves` are the pages' object numbers.
    Returns ({num: body}, {page num: parent num})."""
    bodies, parent_of = {}, {}
    groups = [leaves[i:i + FANOUT] for i in range(0, len(leaves), FANOUT)]
    mids = list(range(first_num, first_num + len(groups)))
    for mid, group in zip(mids, groups):
        kids = b" ".join(b"%d 0 R" % n for n in group)
        bodies[mid] = b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>" % (kids, len(group))
        for n in group:
            parent_of[n] = mid
    kids = b" ".join(b"%d 0 R" % n for n in mids)
    bodies[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(leaves))
    return bodies, parent_of


def _object_stream(objs):
    """An object stream's dictionary and FlateDecoded data for [(num, body)]."""
    header, data = [], bytearray()
    for num, body in objs:
        header.append(b"%d %d" % (num, len(data)))
        data += body + b"\n"
    head = b" ".join(header) + b"\n"
    packed = zlib.compress(head + bytes(data), 6)
    return (b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
            % (len(objs), len(head), len(packed)), packed)


def _png_up(rows, width):
    """PNG 'Up' predictor (filter type 2 on every row), for /Predictor 12."""
    out, prev = bytearray(), bytes(width)
    for i in range(0, len(rows), width):
        row = rows[i:i + width]
        out.append(2)
        out += bytes((a - b) & 0xFF for a, b in zip(row, prev))
        prev = row
    return bytes(out)


def text(path, pages, predictor=False):
    """Writes to `path` a text-only PDF of `pages` pages whose non-stream objects live in object
    streams, indexed by a cross-reference stream (with /Predictor 12 when `predictor`)."""
    # Object numbers: 1 catalog, 2 root /Pages, 3 Helvetica, 4 Helvetica-Bold, 5 shared
    # /Resources, 6 info; then per page: page dict, content stream; then the intermediate
    # /Pages nodes; then the object streams; last the cross-reference stream.
    page_nums = [7 + 2 * i for i in range(pages)]
    first_mid = 7 + 2 * pages
    tree, parent_of = _page_tree(first_mid, page_nums)
    compressible = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
           b"/Encoding /WinAnsiEncoding >>",
        5: b"<< /Font << /F1 3 0 R /F2 4 0 R >> /ProcSet [/PDF /Text] >>",
        6: b"<< /Title (Surat keterangan, %d halaman) /Producer (sahih benches/pdfgen.py) >>"
           % pages,
    }
    for num in page_nums:
        compressible[num] = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                             b"/Resources 5 0 R /Contents %d 0 R >>" % (parent_of[num], num + 1))
    compressible.update(tree)
    order = sorted(compressible)
    chunks = [order[i:i + OBJSTM_CAPACITY] for i in range(0, len(order), OBJSTM_CAPACITY)]
    first_stm = first_mid + len(tree) - 1  # tree includes object 2
    xref_num = first_stm + len(chunks)
    size = xref_num + 1

    entries = {0: (0, 0, 65535)}
    with open(path, "wb") as f:
        w = _Writer(f)
        w.raw(HEADER)
        for num in page_nums:
            data = _page_content((num - 7) // 2 + 1, pages)
            w.obj(num + 1, b"<< /Length %d /Filter /FlateDecode >>" % len(data), data)
        for k, chunk in enumerate(chunks):
            stm = first_stm + k
            body, data = _object_stream([(n, compressible[n]) for n in chunk])
            w.obj(stm, body, data)
            for idx, n in enumerate(chunk):
                entries[n] = (2, stm, idx)
        for num, off in w.offsets.items():
            entries[num] = (1, off, 0)
        entries[xref_num] = (1, w.pos, 0)
        rows = b"".join(struct.pack(">BIH", *entries[n]) for n in range(size))
        parms = b""
        if predictor:
            rows = _png_up(rows, 7)
            parms = b" /DecodeParms << /Predictor 12 /Columns 7 >>"
        data = zlib.compress(rows, 6)
        xref = w.pos
        w.obj(xref_num, b"<< /Type /XRef /Size %d /W [1 4 2] /Index [0 %d] /Root 1 0 R "
              b"/Info 6 0 R /ID %s /Filter /FlateDecode%s /Length %d >>"
              % (size, size, _file_id(), parms, len(data)), data)
        w.raw(b"startxref\n%d\n%%%%EOF\n" % xref)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="kind", required=True)
    a = sub.add_parser("image", help="a few pages of large random images, classic xref")
    a.add_argument("size_mb", type=float)
    a.add_argument("out", type=Path)
    a.add_argument("--pages", type=int, default=3)
    b = sub.add_parser("text", help="many text pages in object streams, xref stream")
    b.add_argument("pages", type=int)
    b.add_argument("out", type=Path)
    b.add_argument("--predictor", action="store_true",
                   help="PNG Up predictor on the cross-reference stream (/Predictor 12)")
    args = ap.parse_args()
    if args.kind == "image":
        image(args.out, args.size_mb, args.pages)
    else:
        text(args.out, args.pages, args.predictor)
    print(f"{args.out}: {args.out.stat().st_size / MIB:.2f} MiB")


if __name__ == "__main__":
    main()
