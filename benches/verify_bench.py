#!/usr/bin/env python3
"""Validation benchmark (issue 3): `sahih verify` against the floor and pyHanko, side by side,
measured in one run on this machine.

For 1, 10 and 100 MB PDFs carrying two signatures (made with `sahih sign`, a page with a large
incompressible image stream), it measures wall time and peak RSS of:

* the floor: `openssl dgst -sha256` over the file (reading and hashing every byte once);
* `sahih verify --trust CA` (release build, whole process);
* pyHanko's command line, `pyhanko sign validate --trust CA`;
* pyHanko in-process: `validate_pdf_signature` for both signatures, after import and parse
  warm-up excluded (RSS is the Python process's peak, including the interpreter).

Each is the median of N runs (default 5; 3 for 100 MB). Usage:

    python3 benches/verify_bench.py [--runs N] [--update-docs]

With --update-docs the table replaces the block between the markers in docs/performance.md.
Needs: a release build (`cargo build --release -p sahih`, done by the script), openssl,
pyHanko (../shared/tools/install-oracles), /usr/bin/time.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAHIH = ROOT / "target" / "release" / "sahih"
SIZES_MB = [1, 10, 100]
MARK_BEGIN = "<!-- verify-bench:begin -->"
MARK_END = "<!-- verify-bench:end -->"

IN_PROCESS = r"""
import sys, time, resource
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from asn1crypto import pem, x509
with open(sys.argv[2], 'rb') as f:
    roots = [x509.Certificate.load(der) for _, _, der in pem.unarmor(f.read(), multiple=True)]
def run():
    with open(sys.argv[1], 'rb') as f:
        r = PdfFileReader(f)
        for s in r.embedded_signatures:
            st = validate_pdf_signature(s, ValidationContext(trust_roots=roots))
            assert st.intact and st.valid, st
run()  # warm-up: imports, lazy initialisation
t = time.perf_counter(); run(); dt = time.perf_counter() - t
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, **kw)


def measure(cmd, ok_codes=(0,)):
    """Wall seconds and peak RSS (KiB) of one run of `cmd`, via /usr/bin/time -f."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode not in ok_codes:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}: {p.stderr[-500:]}")
    rss = int(p.stderr.strip().splitlines()[-1])
    return dt, rss


def plain_pdf(path, megabytes):
    """One page that draws one RGB image of `megabytes` MB of random (incompressible) data."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    data = os.urandom(side * side * 3)
    content = b"q 500 0 0 500 50 150 cm /Im0 Do Q BT /F1 24 Tf 50 700 Td (Surat Keterangan) Tj ET"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(data)) + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    Path(path).write_bytes(out)


def prepare(work):
    sh("cargo", "build", "--release", "-q", "-p", "sahih", cwd=ROOT)
    certs = work / "certs"
    sh(str(SAHIH), "keys", "dev-init", "--dir", str(certs))
    env = dict(os.environ, SAHIH_KEY_PASSPHRASE="sahih-demo")
    files = {}
    for mb in SIZES_MB:
        plain, once, twice = (work / f"{mb}mb{s}.pdf" for s in ("", "-1", "-2"))
        plain_pdf(plain, mb)
        for src, dst, who in ((plain, once, "verifikator"), (once, twice, "penandatangan")):
            sh(str(SAHIH), "sign", "--key", str(certs / f"{who}.key.pem"),
               "--cert", str(certs / f"{who}.cert.pem"), "--chain", str(certs / "ca.pem"),
               str(src), "-o", str(dst), env=env)
        files[mb] = twice
    return certs / "ca.pem", files


def median_of(fn, runs):
    results = [fn() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def bench(ca, files, runs):
    rows = []
    script = Path(tempfile.mkstemp(suffix=".py")[1])
    script.write_text(IN_PROCESS)
    for mb, pdf in files.items():
        n = min(runs, 3) if mb >= 100 else runs
        floor = median_of(lambda: measure(["openssl", "dgst", "-sha256", str(pdf)]), n)
        ours = median_of(lambda: measure([str(SAHIH), "verify", "--trust", str(ca), str(pdf)]), n)
        cli = median_of(
            lambda: measure(["pyhanko", "sign", "validate", "--trust", str(ca), str(pdf)]), n)

        def in_process():
            out = sh(sys.executable, str(script), str(pdf), str(ca)).stdout.split()
            return float(out[0]), int(out[1])

        inproc = median_of(in_process, n)
        rows.append((mb, floor, ours, inproc, cli))
    script.unlink()
    return rows


def table(rows):
    head = ("| PDF (2 signatures) | floor: `openssl dgst -sha256` | `sahih verify` | "
            "pyHanko in-process | pyHanko CLI | sahih ÷ floor | pyHanko in-process ÷ sahih | "
            "pyHanko CLI ÷ sahih |\n|---|---|---|---|---|---|---|---|\n")
    lines = []
    for mb, floor, ours, inproc, cli in rows:
        cell = lambda m: f"{m[0] * 1000:.0f} ms, {m[1] / 1024:.0f} MB"
        lines.append(
            f"| {mb} MB | {cell(floor)} | {cell(ours)} | {cell(inproc)} | {cell(cli)} | "
            f"{ours[0] / floor[0]:.1f}× | {inproc[0] / ours[0]:.2f}× | {cli[0] / ours[0]:.1f}× |")
    return head + "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--update-docs", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ca, files = prepare(Path(tmp))
        rows = bench(ca, files, args.runs)
    text = table(rows)
    print(text)
    if args.update_docs:
        doc = ROOT / "docs" / "performance.md"
        old = doc.read_text()
        block = f"{MARK_BEGIN}\n{text}{MARK_END}"
        new = re.sub(re.escape(MARK_BEGIN) + ".*?" + re.escape(MARK_END), block, old, flags=re.S)
        doc.write_text(new)


if __name__ == "__main__":
    main()
