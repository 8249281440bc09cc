#!/usr/bin/env python3
"""Validation benchmark (issues 3 and 9): `sahih verify` against the floor and pyHanko, side by
side, measured in one run on this machine.

For PDFs carrying two signatures (made with `sahih sign`) it measures wall time and peak RSS of:

* the floor: `openssl dgst -sha256` over the file (reading and hashing every byte once);
* `sahih verify --trust CA` (release build, whole process);
* pyHanko's command line, `pyhanko sign validate --trust CA`;
* pyHanko in-process: `validate_pdf_signature` for both signatures, after import and parse
  warm-up excluded (RSS is the Python process's peak, including the interpreter).

The PDFs come from benches/pdfgen.py: 1, 10 and 100 MB of incompressible images on three pages
(classic cross-reference table), and a 2,000-page text document whose objects live in object
streams behind a cross-reference stream. Each figure is the median of N runs (default 5; at most
3 for 100 MB), the four taken in turn within a run; RSS is the largest of the runs. Usage:

    python3 benches/verify_bench.py [--runs N] [--update-docs] [--label TEXT] [--rev REV]

With --update-docs the table, and a line saying when and what was measured (starting with
--label, default "Measured {date}"), replace the block between the markers in
docs/performance.md. --rev measures the committed tree of a git revision (exported and built
under target/bench-rev/, leaving target/release alone) instead of the working tree. Needs:
cargo (the script builds `sahih` in release), openssl, pyHanko (../shared/tools/install-oracles),
/usr/bin/time.
"""

import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import pdfgen

ROOT = Path(__file__).resolve().parent.parent
SAHIH = ROOT / "target" / "release" / "sahih"
SIZES_MB = [1, 10, 100]
TEXT_PAGES = 2000
PASSPHRASE = "sahih-demo"  # of the keys `sahih keys dev-init` writes
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


def measure(cmd, ok_codes=(0,), env=None):
    """Wall seconds and peak RSS (KiB) of one run of `cmd`, via /usr/bin/time -f."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, text=True,
                       env=env)
    dt = time.perf_counter() - t
    if p.returncode not in ok_codes:
        raise SystemExit(f"{cmd[0]} exited {p.returncode}: {p.stderr[-500:]}")
    rss = int(p.stderr.strip().splitlines()[-1])
    return dt, rss


def build(rev=None):
    """Builds `sahih` (release) from the working tree, or from the committed tree of git
    revision `rev` (exported under target/bench-rev/, with its own target directory there so
    target/release is left alone). Returns the binary and a phrase saying what was built."""
    git = lambda *a: sh("git", *a, cwd=ROOT, text=True).stdout.strip()
    if rev is None:
        sh("cargo", "build", "--release", "-q", "-p", "sahih", cwd=ROOT)
        dirty = git("status", "--porcelain", "--", "crates", "Cargo.toml", "Cargo.lock")
        return SAHIH, (f"release build at commit {git('rev-parse', '--short', 'HEAD')}"
                       + (" with uncommitted changes in crates/" if dirty else ""))
    commit = git("rev-parse", "--short", rev + "^{commit}")
    base = ROOT / "target" / "bench-rev"
    src = base / f"src-{commit}"
    if not (src / "Cargo.toml").exists():
        src.mkdir(parents=True, exist_ok=True)
        archive = sh("git", "archive", commit, cwd=ROOT).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=str(base / "target"))
    sh("cargo", "build", "--release", "-q", "-p", "sahih", cwd=src, env=env)
    return base / "target" / "release" / "sahih", f"release build of commit {commit}"


def build_and_keys(work, rev=None):
    """Builds the release binary (see `build`) and writes development keys under `work`;
    returns the binary, what was built, the certificate directory and an environment carrying
    the keys' passphrase."""
    sahih, built = build(rev)
    certs = work / "certs"
    sh(str(sahih), "keys", "dev-init", "--dir", str(certs))
    return sahih, built, certs, dict(os.environ, SAHIH_KEY_PASSPHRASE=PASSPHRASE)


def inputs(work):
    """The unsigned benchmark PDFs, written under `work`: [(row label, path)]."""
    files = []
    for mb in SIZES_MB:
        path = work / f"image-{mb}mb.pdf"
        pdfgen.image(path, mb)
        files.append((f"{mb} MB, 3 image pages", path))
    path = work / f"text-{TEXT_PAGES}p.pdf"
    pdfgen.text(path, TEXT_PAGES)
    size = path.stat().st_size / pdfgen.MIB
    files.append((f"{TEXT_PAGES:,} text pages, {size:.1f} MB, object streams", path))
    return files


def runs_for(path, runs):
    return min(runs, 3) if path.stat().st_size >= 50 * pdfgen.MIB else runs


def warn_if_busy():
    """Says so on stderr when a compiler is running: on 2 cores it skews every figure."""
    if subprocess.run(["pgrep", "-x", "rustc|cargo"], capture_output=True).returncode == 0:
        print("warning: cargo/rustc is running; timings will be noisy", file=sys.stderr)


def provenance(label, runs, built):
    """The line under a table: `label` (its `{date}` filled in), what was built, runs."""
    head = label.format(date=datetime.date.today().isoformat())
    line = f"{head}: {built}, `--runs {runs}` (medians; RSS the largest run)."
    return textwrap.fill(line, width=95, break_long_words=False, break_on_hyphens=False) + "\n"


def arguments():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--update-docs", action="store_true")
    ap.add_argument("--label", default="Measured {date}",
                    help="start of the line under the table; {date} becomes today's date")
    ap.add_argument("--rev", help="measure the release build of this git revision's committed "
                    "tree instead of the working tree")
    return ap.parse_args()


def update_docs(begin, end, text, section=None):
    """Replaces the block between the markers `begin` and `end` of docs/performance.md with
    `text`; when the markers are missing, appends `section` (which holds them) first."""
    doc = ROOT / "docs" / "performance.md"
    old = doc.read_text()
    if begin not in old:
        if section is None:
            raise SystemExit(f"{doc}: no {begin} marker")
        old = old.rstrip("\n") + "\n\n" + section
    block = f"{begin}\n{text}{end}"
    new = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, old, flags=re.S)
    doc.write_text(new)


def sign_twice(sahih, files, work, certs, env):
    """Each input signed by two officers with `sahih sign`: [(label, path)]."""
    signed = []
    for label, plain in files:
        once, twice = (work / f"{plain.stem}{s}.pdf" for s in ("-1", "-2"))
        for src, dst, who in ((plain, once, "verifikator"), (once, twice, "penandatangan")):
            sh(str(sahih), "sign", "--key", str(certs / f"{who}.key.pem"),
               "--cert", str(certs / f"{who}.cert.pem"), "--chain", str(certs / "ca.pem"),
               str(src), "-o", str(dst), env=env)
        signed.append((label, twice))
    return signed


def bench(sahih, ca, files, runs):
    script = Path(tempfile.mkstemp(suffix=".py")[1])
    script.write_text(IN_PROCESS)

    def in_process(pdf):
        out = sh(sys.executable, str(script), str(pdf), str(ca)).stdout.split()
        return float(out[0]), int(out[1])

    ways = (
        lambda pdf: measure(["openssl", "dgst", "-sha256", str(pdf)]),
        lambda pdf: measure([str(sahih), "verify", "--trust", str(ca), str(pdf)]),
        in_process,
        lambda pdf: measure(["pyhanko", "sign", "validate", "--trust", str(ca), str(pdf)]),
    )
    rows = []
    for label, pdf in files:
        warn_if_busy()
        rows.append((label, *in_turn(ways, pdf, runs_for(pdf, runs))))
    script.unlink()
    return rows


def in_turn(ways, pdf, runs, after_first=None):
    """Runs each of `ways` on `pdf` in turn, `runs` times; per way, the median seconds and the
    largest peak RSS. `after_first` is called once after the first round."""
    results = [[] for _ in ways]
    for i in range(runs):
        for acc, way in zip(results, ways):
            acc.append(way(pdf))
        if i == 0 and after_first:
            after_first(pdf)
    return [(statistics.median(r[0] for r in acc), max(r[1] for r in acc)) for acc in results]


def cell(m):
    return f"{m[0] * 1000:.0f} ms, {m[1] / 1024:.0f} MB"


def table(rows, first="PDF (2 signatures)", floor="`openssl dgst -sha256`",
          ours="`sahih verify`"):
    """The Markdown table of `rows` (label, floor, sahih, pyHanko in-process, pyHanko CLI),
    each measurement (seconds, KiB), with the ratios; shared with sign_bench.py."""
    head = (f"| {first} | floor: {floor} | {ours} | "
            "pyHanko in-process | pyHanko CLI | sahih ÷ floor | pyHanko in-process ÷ sahih | "
            "pyHanko CLI ÷ sahih |\n|---|---|---|---|---|---|---|---|\n")
    lines = []
    for label, floor, ours, inproc, cli in rows:
        lines.append(
            f"| {label} | {cell(floor)} | {cell(ours)} | {cell(inproc)} | {cell(cli)} | "
            f"{ours[0] / floor[0]:.1f}× | {inproc[0] / ours[0]:.2f}× | {cli[0] / ours[0]:.1f}× |")
    return head + "\n".join(lines) + "\n"


def main():
    args = arguments()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sahih, built, certs, env = build_and_keys(work, args.rev)
        files = sign_twice(sahih, inputs(work), work, certs, env)
        rows = bench(sahih, certs / "ca.pem", files, args.runs)
    text = table(rows)
    print(text)
    if args.update_docs:
        update_docs(MARK_BEGIN, MARK_END, text + "\n" + provenance(args.label, args.runs, built))


if __name__ == "__main__":
    main()
