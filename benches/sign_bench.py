#!/usr/bin/env python3
"""Signing benchmark (issue 9): `sahih sign` against the floor and pyHanko, side by side,
measured in one run on this machine.

For unsigned PDFs from benches/pdfgen.py (1, 10 and 100 MB of incompressible images on three
pages with a classic cross-reference table, and a 2,000-page text document in object streams
behind a cross-reference stream), it measures wall time and peak RSS of:

* the floor: `openssl dgst -sha256 IN && cat IN > OUT` in one `sh` (hash every byte once and
  write a copy: the least a signer that rewrites the file can do);
* `sahih sign` (release build, whole process);
* pyHanko in-process: `signers.sign_pdf` with a `SimpleSigner` loaded from the same key and
  certificates, through an `IncrementalPdfFileWriter`, written to a file; one warm-up signature
  first, excluded with the imports and the key loading (RSS is the Python process's peak,
  including the interpreter);
* pyHanko's command line, `pyhanko sign addsig --field Signature1 pemder ...` (whole process).

All three sign with the same P-256 development key, as an unencrypted PKCS#8 copy made with
`openssl pkey` outside the timing: unlocking the scrypt-protected key costs every signer the
same 40-70 ms and 16 MiB whatever the file, which is key custody, not signing, and pyHanko
in-process loads its key before the timing anyway.

Every command writes a fresh output file (the previous one is removed first, outside the
timing). Each figure is the median of N runs (default 5; at most 3 for 100 MB), the four taken
in turn within a run; RSS is the largest of the runs. Usage:

    python3 benches/sign_bench.py [--runs N] [--update-docs] [--label TEXT] [--rev REV]

With --update-docs the table, and a line saying when and what was measured (starting with
--label, default "Measured {date}"), replace the block between the sign-bench markers in
docs/performance.md (the section is added at the end when the markers are missing). --rev
measures the committed tree of a git revision instead of the working tree (see
verify_bench.py). Needs: cargo (the script builds `sahih` in release), openssl, pyHanko
(../shared/tools/install-oracles), /usr/bin/time.
"""

import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
from verify_bench import table as verify_table
from verify_bench import (PASSPHRASE, arguments, build_and_keys, in_turn, inputs, measure,
                          provenance, runs_for, sh, update_docs, warn_if_busy)

MARK_BEGIN = "<!-- sign-bench:begin -->"
MARK_END = "<!-- sign-bench:end -->"
FIELD = "Signature1"

IN_PROCESS = r"""
import sys, time, resource
from pyhanko.sign import signers
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
src, key, cert, ca, out = sys.argv[1:6]
signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(ca,), key_passphrase=None)
meta = signers.PdfSignatureMetadata(field_name='""" + FIELD + r"""')
def run(dst):
    with open(src, 'rb') as f, open(dst, 'wb') as o:
        signers.sign_pdf(IncrementalPdfFileWriter(f), meta, signer=signer, output=o)
run(out + '.warm-up')  # imports, lazy initialisation
t = time.perf_counter(); run(out); dt = time.perf_counter() - t
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SECTION = """## Signing (`sahih sign`), issue 9

```
python3 benches/sign_bench.py --update-docs
```

""" + MARK_BEGIN + "\n" + MARK_END + "\n"


class Contenders:
    """The four ways of signing one PDF, each a function returning (seconds, peak KiB)."""

    def __init__(self, sahih, work, certs, env, script):
        self.binary, self.work, self.env, self.script = sahih, work, env, script
        self.key = work / "penandatangan.plain.key.pem"
        sh("openssl", "pkey", "-in", str(certs / "penandatangan.key.pem"),
           "-passin", f"pass:{PASSPHRASE}", "-out", str(self.key))
        self.cert = certs / "penandatangan.cert.pem"
        self.ca = certs / "ca.pem"

    def _out(self, src, who):
        out = self.work / f"{src.stem}-{who}.pdf"
        out.unlink(missing_ok=True)
        return out

    def floor(self, src):
        out = self._out(src, "floor")
        return measure(["sh", "-c", 'openssl dgst -sha256 "$1" >/dev/null && cat "$1" > "$2"',
                        "floor", str(src), str(out)])

    def sahih(self, src):
        out = self._out(src, "sahih")
        return measure([str(self.binary), "sign", "--key", str(self.key),
                        "--cert", str(self.cert), "--chain", str(self.ca), str(src),
                        "-o", str(out)], env=self.env)

    def pyhanko_in_process(self, src):
        out = self._out(src, "pyhanko-lib")
        res = sh(sys.executable, str(self.script), str(src), str(self.key), str(self.cert),
                 str(self.ca), str(out)).stdout.split()
        return float(res[0]), int(res[1])

    def pyhanko_cli(self, src):
        out = self._out(src, "pyhanko-cli")
        return measure(["pyhanko", "sign", "addsig", "--field", FIELD, "pemder",
                        "--key", str(self.key), "--cert", str(self.cert), "--chain", str(self.ca),
                        "--no-pass", str(src), str(out)])

    def check(self, src):
        """Outside the timing: what `sahih sign` wrote verifies (`sahih verify`)."""
        signed = self.work / f"{src.stem}-sahih.pdf"
        sh(str(self.binary), "verify", "--trust", str(self.ca), str(signed))


def bench(c, files, runs):
    ways = (c.floor, c.sahih, c.pyhanko_in_process, c.pyhanko_cli)
    rows = []
    for label, src in files:
        warn_if_busy()
        rows.append((label, *in_turn(ways, src, runs_for(src, runs), after_first=c.check)))
    return rows


def table(rows):
    return verify_table(rows, first="PDF (unsigned)", floor="`openssl dgst -sha256` + `cat`",
                        ours="`sahih sign`")


def main():
    args = arguments()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sahih, built, certs, env = build_and_keys(work, args.rev)
        script = work / "pyhanko_sign.py"
        script.write_text(IN_PROCESS)
        rows = bench(Contenders(sahih, work, certs, env, script), inputs(work), args.runs)
    text = table(rows)
    print(text)
    if args.update_docs:
        update_docs(MARK_BEGIN, MARK_END, text + "\n" + provenance(args.label, args.runs, built),
                    SECTION)


if __name__ == "__main__":
    main()
