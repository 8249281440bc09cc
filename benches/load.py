#!/usr/bin/env python3
"""Load benchmark (issue 7): `sahih serve` under HTTP load on SQLite, on PostgreSQL with one
node, and on PostgreSQL with two nodes sharing the database.

The load generator is wrk (Debian's package: `apt-get install -y wrk`) driven by
benches/load.lua. Four workloads, each measured for --duration seconds with --connections
connections held open by two wrk threads (closed loop: each connection sends its next request
when the previous answer has arrived):

* tracking: the citizen's tracking page of one document, `GET /permohonan/{id}`, logged in as
  `warga` (session cookie);
* queue: the officer's queue, `GET /petugas`, logged in as `verifikator`, with 51 documents
  waiting in it (50 submitted over the API and the citizen's one);
* verify: the public verification API, `POST /api/v1/verify` with a 1 MB PDF (three image
  pages from benches/pdfgen.py) signed by `penandatangan` with `sahih sign` (no API key: the
  public path);
* paraf: `POST /petugas/dokumen/{id}/paraf` as `verifikator` (cookie and CSRF token), each
  request on a distinct document waiting for that paraf. The documents are submitted just
  before, over the API (`POST /api/v1/documents`, also with wrk); each is approved once. If
  the measured run uses up every prepared document, it is discarded, twice as many are prepared
  and it runs again.

Three configurations, each on a fresh data directory and database, its servers started and
stopped by this script:

* sqlite: one node, `--data DIR` (SQLite under DIR, blobs in files);
* pg1: one node, `--database postgres://.../sahih_load_...` (a database made for the run and
  dropped after it);
* pg2: two nodes on that one database, each with its own data directory holding copies of the
  first node's log key and second-factor key, as a deployment's nodes would. The load is split
  by wrk thread: thread 1 and its half of the connections on node A, thread 2 and the other
  half on node B (one wrk process, so one latency histogram).

Every node serves the demo data with the API's request rate raised out of the way
(SAHIH_API_REQUESTS_PER_MINUTE and SAHIH_API_BURST = 10^8), logging at its default level
(one line per request) to a file. Besides the rates and latencies, the CPU time each party used
during the measured run is shown as a share of one core: the sahih nodes (from /proc), the
PostgreSQL backends serving the run's database (their pids from pg_stat_activity) and wrk.

Usage:

    python3 benches/load.py [--quick] [--duration S] [--connections C] [--configs LIST]
                            [--sahih PATH] [--postgres URL] [--update-docs] [--label TEXT]
                            [--keep]

--quick is a smoke run: 2 s per workload, no warm-up. Otherwise each GET and verify workload
first runs 2 s unmeasured (warm-up). --configs takes a comma-separated subset of
sqlite,pg1,pg2. --postgres is the server to make the databases on (default
$SAHIH_BENCH_POSTGRES, else postgres://postgres@127.0.0.1:5432; the user must be allowed to
CREATE DATABASE). Without --sahih the script builds `sahih` with
`cargo build --release -p sahih` and uses $CARGO_TARGET_DIR/release/sahih (target/release/sahih
when unset). --update-docs replaces the table between the load-bench markers in
docs/performance.md. --keep leaves the work directory (server logs, ids, wrk results).

Needs: wrk, psql (for the PostgreSQL configurations), a PostgreSQL server, cargo unless --sahih.
This is not part of `cargo test`.
"""

import argparse
import datetime
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import uuid
from http import client as httpc
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import pdfgen

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "benches" / "load.lua"
SAMPLE_PDF = ROOT / "examples" / "contoh-permohonan.pdf"
SERVICE = "surat-keterangan-usaha"
FORM = {
    "nama_usaha": "Warung Uji Beban",
    "bidang_usaha": "Kuliner",
    "alamat_usaha": "Jl. Merdeka 12",
    "modal_usaha": "250000000",
}
WARGA = ("warga", "warga-demo-2026")
VERIFIKATOR = ("verifikator", "verifikator-demo")
KEY_PASSPHRASE = "sahih-demo"  # of the keys `sahih keys dev-init` writes
QUEUE_DOCUMENTS = 50
RATE = "100000000"
THREADS = 2
MARK_BEGIN = "<!-- load-bench:begin -->"
MARK_END = "<!-- load-bench:end -->"

CONFIGS = {
    "sqlite": ("SQLite, 1 node", 1),
    "pg1": ("PostgreSQL, 1 node", 1),
    "pg2": ("PostgreSQL, 2 nodes", 2),
}
WORKLOADS = [
    ("tracking", "citizen's tracking page, GET"),
    ("queue", "officer's queue (51 documents), GET"),
    ("verify", "verify a 1 MB signed PDF, POST /api/v1/verify"),
    ("paraf", "paraf, POST, a distinct document each"),
]


def fail(msg):
    raise SystemExit(f"load.py: {msg}")


def sh(cmd, env=None):
    """Runs `cmd`; its standard output, or the end with its standard error on failure."""
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail(f"{' '.join(str(c) for c in cmd[:3])} exited {p.returncode}: {p.stderr[-1000:]}")
    return p.stdout


# --- HTTP, for the setup (the load itself is wrk's) --------------------------------------------


def request(addr, method, path, body=None, headers=None):
    host, port = addr.rsplit(":", 1)
    conn = httpc.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        return res.status, res.headers, res.read()
    finally:
        conn.close()


def expect(status, want, what, body=b""):
    if status != want:
        fail(f"{what}: HTTP {status}, expected {want}: {body[:300]!r}")


def multipart(fields, file_field=None):
    """A multipart/form-data body: text parts, then a PDF part (name, filename, bytes)."""
    boundary = "sahihload" + uuid.uuid4().hex
    out = []
    for name, (value, ctype) in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        if ctype:
            head += f"Content-Type: {ctype}\r\n"
        out.append(head.encode() + b"\r\n" + value.encode() + b"\r\n")
    if file_field:
        name, filename, data = file_field
        out.append(
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
             f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n').encode()
            + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def session_cookie(headers):
    for value in headers.get_all("Set-Cookie") or []:
        m = re.match(r"(sahih_session=[^;]+)", value)
        if m:
            return m.group(1)
    return None


def csrf_of(body):
    m = re.search(rb'name="csrf" value="([^"]+)"', body)
    if not m:
        fail("no CSRF token in the page")
    return m.group(1).decode()


def login(addr, user, password):
    """Logs in through the login form; returns (Cookie header value, the session's CSRF token)."""
    status, headers, body = request(addr, "GET", "/masuk")
    expect(status, 200, "GET /masuk", body)
    anon = session_cookie(headers)
    form = urllib.parse.urlencode(
        {"csrf": csrf_of(body), "login": user, "password": password}).encode()
    status, headers, body = request(addr, "POST", "/masuk", form, {
        "Cookie": anon, "Content-Type": "application/x-www-form-urlencoded"})
    expect(status, 303, f"logging in as {user}", body)
    cookie = session_cookie(headers)
    home = headers["Location"]
    status, _, body = request(addr, "GET", home, headers={"Cookie": cookie})
    expect(status, 200, f"GET {home} as {user}", body)
    return cookie, csrf_of(body)


def submit_as_citizen(addr, cookie, csrf, pdf):
    fields = {k: (v, None) for k, v in FORM.items()}
    fields["csrf"] = (csrf, None)
    body, ctype = multipart(fields, ("berkas", "permohonan.pdf", pdf))
    status, headers, resp = request(addr, "POST", f"/layanan/{SERVICE}", body,
                                    {"Cookie": cookie, "Content-Type": ctype})
    expect(status, 303, "the citizen's application", resp)
    return headers["Location"].rsplit("/", 1)[1]


def api_submission(pdf):
    """The body and content type of one `POST /api/v1/documents`."""
    metadata = json.dumps({"service": SERVICE, "form": FORM})
    return multipart({"metadata": (metadata, "application/json")},
                     ("berkas", "permohonan.pdf", pdf))


def api_submit(addr, key, body, ctype):
    status, _, resp = request(addr, "POST", "/api/v1/documents", body, {
        "Authorization": f"Bearer {key}", "Content-Type": ctype})
    expect(status, 201, "POST /api/v1/documents", resp)
    return json.loads(resp)["id"]


def api_state(addr, key, doc):
    status, _, resp = request(addr, "GET", f"/api/v1/documents/{doc}",
                              headers={"Authorization": f"Bearer {key}"})
    expect(status, 200, f"GET /api/v1/documents/{doc}", resp)
    return json.loads(resp)["state"]


# --- processes -----------------------------------------------------------------------------------


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    """User + system CPU seconds of the processes `pids` (all their threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Node:
    """One `sahih serve` on 127.0.0.1 and a free port, logging to files beside its data."""

    def __init__(self, sahih, name, data, certs, database):
        self.name, self.data = name, data
        data.mkdir(parents=True, exist_ok=True)
        self.out = open(data.parent / f"{name}.stdout", "w+")
        self.err = open(data.parent / f"{name}.log", "w")
        cmd = [str(sahih), "serve", "--bind", "127.0.0.1:0", "--data", str(data),
               "--certs", str(certs)]
        if database:
            cmd += ["--database", database]
        env = dict(os.environ, SAHIH_API_REQUESTS_PER_MINUTE=RATE, SAHIH_API_BURST=RATE)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err,
                                     stdin=subprocess.DEVNULL, env=env)
        self.addr = self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            self.out.seek(0)
            m = re.search(r"^Open http://([0-9.]+:[0-9]+)/", self.out.read(), re.M)
            if m:
                return m.group(1)
            if self.proc.poll() is not None:
                log = Path(self.err.name).read_text()[-2000:]
                fail(f"{self.name} exited {self.proc.returncode} before listening:\n{log}")
            time.sleep(0.1)
        fail(f"{self.name} did not listen within 180 s")

    def cpu(self):
        return cpu_seconds([self.proc.pid])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"psql {sql!r}: {p.stderr.strip()}")
    return p.stdout


class Postgres:
    """A database made for one configuration on the --postgres server, dropped by `drop`."""

    def __init__(self, server, name):
        self.server, self.name = server.rstrip("/"), name
        self.admin = f"{self.server}/postgres"
        psql(self.admin, f"CREATE DATABASE {name}")
        self.url = f"{self.server}/{name}"

    def backend_pids(self):
        out = psql(self.admin,
                   f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.name}'")
        return [int(p) for p in out.split()]

    def drop(self):
        psql(self.admin, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


# --- wrk -----------------------------------------------------------------------------------------


class Run:
    """The processes whose CPU a workload's table row reports."""

    def __init__(self, nodes, pg):
        self.nodes, self.pg = nodes, pg


def settle(nodes, timeout=60):
    """Waits until the nodes are idle (under a tenth of a core over a quarter of a second):
    when wrk stops at the end of its duration, the requests it had in flight are still being
    served, and must not spill into the next run (a 1 MB verification takes a place in the PDF
    gate, which refuses requests beyond its queue with 503)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = sum(n.cpu() for n in nodes)
        time.sleep(0.25)
        if sum(n.cpu() for n in nodes) - before < 0.025:
            return
    print(f"    warning: the nodes were still busy {timeout} s after the run", file=sys.stderr)


def wrk(run, name, seconds, connections, env, work):
    """Runs wrk with load.lua for `seconds`, the load split over the nodes by thread; returns
    its results (load.lua's JSON) with the CPU shares of the parties added."""
    out = work / f"{name}.json"
    out.unlink(missing_ok=True)
    Path(f"{out}.bad").unlink(missing_ok=True)
    env = dict(os.environ, LOAD_NODES=",".join(n.addr for n in run.nodes),
               LOAD_THREADS=str(THREADS), LOAD_OUT=str(out), **env)
    cmd = ["wrk", "-t", str(THREADS), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", "60s", "-s", str(LUA), f"http://{run.nodes[0].addr}"]
    settle(run.nodes)
    pg_pids = run.pg.backend_pids() if run.pg else []
    before = (sum(n.cpu() for n in run.nodes), cpu_seconds(pg_pids), children_cpu())
    start = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    after = (sum(n.cpu() for n in run.nodes), cpu_seconds(pg_pids), children_cpu())
    (work / f"{name}.wrk.txt").write_text(p.stdout + p.stderr)
    if p.returncode != 0 or not out.exists():
        fail(f"wrk ({name}) exited {p.returncode}: {p.stderr[-1000:]}")
    r = json.loads(out.read_text())
    r["cpu"] = [(a - b) / wall * 100 for a, b in zip(after, before)]
    if run.pg is None:
        r["cpu"][1] = None
    problems = []
    bad = Path(f"{out}.bad")
    if r["bad"]:
        problems.append(f"{r['bad']} unexpected answers, the first: "
                        + (bad.read_text().strip() if bad.exists() else "?"))
    errors = {k: r[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")}
    if any(errors.values()):
        problems.append(f"socket errors {errors}")
    if r["ok"] == 0:
        problems.append("no successful request")
    # A paraf run that used up its documents is judged (and repeated) by its caller.
    if problems and not r["exhausted"]:
        fail(f"{name}: " + "; ".join(problems))
    return r


def prepare_documents(run, key, body_file, ctype, seconds, connections, work, tag):
    """Submits documents over the API with wrk for `seconds`; returns the file of their ids."""
    ids = work / f"documents-{tag}.txt"
    r = wrk(run, f"submit-{tag}", seconds, connections, {
        "LOAD_METHOD": "POST", "LOAD_PATH": "/api/v1/documents", "LOAD_EXPECT": "201",
        "LOAD_BODY_FILE": str(body_file), "LOAD_CAPTURE": str(ids),
        "LOAD_HEADERS": f"Authorization: Bearer {key}\nContent-Type: {ctype}",
    }, work)
    count = len(ids.read_text().split())
    print(f"    prepared {count} documents in {seconds} s "
          f"({r['ok'] / (r['duration_us'] / 1e6):.0f}/s)", file=sys.stderr)
    return ids, count


# --- one configuration ---------------------------------------------------------------------------


def configuration(code, sahih, args, master_certs, signed_pdf, sample_pdf, top):
    label, node_count = CONFIGS[code]
    print(f"{label}:", file=sys.stderr)
    work = top / code
    work.mkdir()
    certs = work / "certs"
    shutil.copytree(master_certs, certs)
    pg = Postgres(args.postgres, f"sahih_load_{os.getpid()}_{code}") if code != "sqlite" else None
    nodes = []
    try:
        database = pg.url if pg else None
        nodes.append(Node(sahih, "node-a", work / "node-a", certs, database))
        if node_count == 2:
            data_b = work / "node-b"
            data_b.mkdir()
            for f in ("log-signing.key", "second-factor.key"):
                shutil.copy2(work / "node-a" / f, data_b / f)
            nodes.append(Node(sahih, "node-b", data_b, certs, database))
        run = Run(nodes, pg)
        a = nodes[0].addr
        where = ["--database", pg.url] if pg else ["--data", str(work / "node-a")]
        key = sh([sahih, "apikey", "create", "--agency", "DPMPTSP", "--application",
                  "uji-beban", "--name", "Uji beban"] + where).strip()

        warga_cookie, warga_csrf = login(a, *WARGA)
        tracked = submit_as_citizen(a, warga_cookie, warga_csrf, sample_pdf)
        body, ctype = api_submission(sample_pdf)
        body_file = work / "submission.body"
        body_file.write_bytes(body)
        for _ in range(QUEUE_DOCUMENTS):
            api_submit(a, key, body, ctype)
        officer_cookie, officer_csrf = login(a, *VERIFIKATOR)

        status, _, resp = request(a, "POST", "/api/v1/verify", signed_pdf.read_bytes(),
                                  {"Content-Type": "application/pdf"})
        expect(status, 200, "POST /api/v1/verify", resp)
        indication = json.loads(resp)["indication"]
        if indication != "TOTAL-PASSED":
            fail(f"the signed PDF verifies as {indication}, not TOTAL-PASSED")

        gets = {
            "tracking": {"LOAD_PATH": f"/permohonan/{tracked}",
                         "LOAD_HEADERS": f"Cookie: {warga_cookie}"},
            "queue": {"LOAD_PATH": "/petugas", "LOAD_HEADERS": f"Cookie: {officer_cookie}"},
            "verify": {"LOAD_METHOD": "POST", "LOAD_PATH": "/api/v1/verify",
                       "LOAD_BODY_FILE": str(signed_pdf),
                       "LOAD_HEADERS": "Content-Type: application/pdf"},
        }
        results = {}
        for name, env in gets.items():
            env = dict(env, LOAD_EXPECT="200")
            if args.warmup:
                wrk(run, f"{name}-warmup", args.warmup, args.connections, env, work)
            results[name] = wrk(run, name, args.duration, args.connections, env, work)
            report_progress(name, results[name])

        paraf_env = {
            "LOAD_METHOD": "POST", "LOAD_PATH": "/petugas/dokumen/{id}/paraf",
            "LOAD_EXPECT": "303", "LOAD_BODY": f"csrf={officer_csrf}",
            "LOAD_HEADERS": (f"Cookie: {officer_cookie}\n"
                             "Content-Type: application/x-www-form-urlencoded"),
        }
        prep_seconds = max(2, args.duration * 2)
        for attempt in range(1, 4):
            ids, count = prepare_documents(run, key, body_file, ctype, prep_seconds,
                                           args.connections, work, str(attempt))
            r = wrk(run, f"paraf-{attempt}", args.duration, args.connections,
                    dict(paraf_env, LOAD_IDS=str(ids)), work)
            if not r["exhausted"]:
                break
            print(f"    the paraf run used up all {count} documents; preparing more",
                  file=sys.stderr)
            prep_seconds *= 2
        else:
            fail("paraf: still out of documents after three tries")
        results["paraf"] = r
        report_progress("paraf", r)
        # What the answers said happened did happen: lines 2 and 3 of the ids are approved (as
        # seen through the last node). They are the first of thread 2 and the second of thread
        # 1, whose first wrk may have asked for once, unsent, when checking the script.
        first = ids.read_text().split()[1:3]
        for doc in first:
            state = api_state(nodes[-1].addr, key, doc)
            if state != "approved":
                fail(f"paraf: document {doc} is {state!r} after the run, not approved")
        return results
    finally:
        for n in nodes:
            n.stop()
        if pg:
            pg.drop()


def report_progress(name, r):
    rate = r["requests"] / (r["duration_us"] / 1e6)
    print(f"    {name}: {rate:,.0f} requests/s, p50 {r['p50_us'] / 1000:.1f} ms, "
          f"p99 {r['p99_us'] / 1000:.1f} ms", file=sys.stderr)


# --- output --------------------------------------------------------------------------------------


def ms(us):
    return f"{us / 1000:.1f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def pct(x):
    return "–" if x is None else f"{x:.0f} %"


def table(results):
    lines = [
        "| workload | configuration | requests/s | p50 | p99 | CPU: sahih | CPU: PostgreSQL | CPU: wrk |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, what in WORKLOADS:
        for code, per in results.items():
            r = per[name]
            rate = r["requests"] / (r["duration_us"] / 1e6)
            cpu = r["cpu"]
            lines.append(f"| {what} | {CONFIGS[code][0]} | {rate:,.0f} | {ms(r['p50_us'])} | "
                         f"{ms(r['p99_us'])} | {pct(cpu[0])} | {pct(cpu[1])} | {pct(cpu[2])} |")
    return "\n".join(lines) + "\n"


def provenance(args, built, load):
    head = args.label.format(date=datetime.date.today().isoformat())
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True,
                                 text=True).stdout.split("[")[0].strip()
    line = (f"{head}: {built}, {wrk_version}, `--duration {args.duration} --connections "
            f"{args.connections}`{' (--quick)' if args.quick else ''}, {THREADS} wrk threads; "
            f"{os.cpu_count()} cores shared by wrk, the nodes and PostgreSQL; load average "
            f"{load[0]:.1f} before the run.")
    return textwrap.fill(line, width=95, break_long_words=False, break_on_hyphens=False) + "\n"


def update_docs(text):
    doc = ROOT / "docs" / "performance.md"
    old = doc.read_text()
    if MARK_BEGIN not in old:
        fail(f"{doc}: no {MARK_BEGIN} marker")
    block = f"{MARK_BEGIN}\n{text}{MARK_END}"
    new = re.sub(re.escape(MARK_BEGIN) + ".*?" + re.escape(MARK_END), lambda _: block, old,
                 flags=re.S)
    doc.write_text(new)


def build():
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True,
                                    text=True).stdout.strip()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "sahih"], cwd=ROOT, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    dirty = git("status", "--porcelain", "--", "crates", "Cargo.toml", "Cargo.lock")
    return target / "release" / "sahih", (
        f"release build at commit {git('rev-parse', '--short', 'HEAD')}"
        + (" with uncommitted changes in crates/" if dirty else ""))


def arguments():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short smoke run")
    ap.add_argument("--duration", type=int, help="seconds per measured run (default 10)")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--configs", default="sqlite,pg1,pg2")
    ap.add_argument("--sahih", type=Path, help="the sahih binary (default: build release)")
    ap.add_argument("--postgres", default=os.environ.get(
        "SAHIH_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    ap.add_argument("--update-docs", action="store_true")
    ap.add_argument("--label", default="Measured {date}")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.duration = args.duration or (2 if args.quick else 10)
    args.warmup = 0 if args.quick else 2
    args.configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown or not args.configs:
        fail(f"--configs takes sqlite, pg1 and pg2, not {unknown}")
    if args.connections < THREADS:
        fail(f"--connections must be at least {THREADS}")
    return args


def main():
    args = arguments()
    if not shutil.which("wrk"):
        fail("wrk is not installed: apt-get install -y wrk")
    if any(c != "sqlite" for c in args.configs) and not shutil.which("psql"):
        fail("psql is not installed: apt-get install -y postgresql-client")
    if args.sahih:
        sahih = args.sahih.resolve()
        built = f"`{sahih}`"
    else:
        sahih, built = build()
    load = os.getloadavg()
    top = Path(tempfile.mkdtemp(prefix="sahih-load-"))
    try:
        certs = top / "certs"
        sh([sahih, "keys", "dev-init", "--dir", certs])
        plain, signed = top / "image-1mb.pdf", top / "image-1mb-signed.pdf"
        pdfgen.image(plain, 1)
        sh([sahih, "sign", "--key", certs / "penandatangan.key.pem",
            "--cert", certs / "penandatangan.cert.pem", "--chain", certs / "ca.pem",
            plain, "-o", signed], env=dict(os.environ, SAHIH_KEY_PASSPHRASE=KEY_PASSPHRASE))
        sample = SAMPLE_PDF.read_bytes()
        results = {}
        for code in args.configs:
            results[code] = configuration(code, sahih, args, certs, signed, sample, top)
        text = table(results) + "\n" + provenance(args, built, load)
        print(text, end="")
        if args.update_docs:
            update_docs(text)
    finally:
        if args.keep:
            print(f"work directory kept: {top}", file=sys.stderr)
        else:
            shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
