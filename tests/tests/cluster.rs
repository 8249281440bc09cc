//! Two `sahih serve` nodes on one PostgreSQL database (issue #7), always on PostgreSQL (a fresh
//! database per test, dropped afterwards): 20 officers, half on each node, give paraf and sign
//! hundreds of documents at once, some clicks doubled across the nodes; then the same with node
//! A killed (`SIGKILL`) in the middle, its officers carrying on at node B, whose sequencer
//! takes the log over. Afterwards: every document signed exactly once, every acknowledged
//! action in its timeline, the nomor surat contiguous from 1, every signed PDF downloadable
//! from either node and valid, `sahih log verify --audit` clean from both nodes with one leaf
//! per event. The two tests run one after the other (they would share 2 cores otherwise).

mod cluster_support;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cluster_support::officers::{self, Shared};
use cluster_support::{
    AGENCY, Api, CERTS_SECRETS, CLASSIFICATION, Cluster, DATA_SECRETS, Duty, Staff, file_names,
    poll, sequencer_holder,
};
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use sahih_e2e::http::sahih_bin;

/// The tests take the machine's cores: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// How long the officers' part of a run may take before it fails.
const RUN_LIMIT: Duration = Duration::from_secs(900);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    number: String,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// The size of the node's current checkpoint.
fn checkpoint_size(base: &str) -> u64 {
    let text = ureq::get(format!("{base}/log/checkpoint"))
        .call()
        .expect("GET /log/checkpoint")
        .body_mut()
        .read_to_string()
        .expect("checkpoint");
    text.lines()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("checkpoint: {text}"))
}

fn get_text(url: &str) -> String {
    ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_to_string()
        .expect("body")
}

fn get_bytes(url: &str) -> Vec<u8> {
    ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_to_vec()
        .expect("body")
}

/// Node B joined with only the secrets copied: it made none of its own (a node without
/// `ca.key.pem` would silently make a CA of its own), and both nodes speak for one log and
/// one CA.
fn check_the_nodes_share_their_secrets(cluster: &Cluster) {
    let mut certs: Vec<String> = CERTS_SECRETS.iter().map(|s| s.to_string()).collect();
    certs.sort();
    assert_eq!(
        file_names(&cluster.dirs_b.certs),
        certs,
        "node B made no CA of its own"
    );
    let mut data: Vec<String> = DATA_SECRETS.iter().map(|s| s.to_string()).collect();
    data.sort();
    assert_eq!(file_names(&cluster.dirs_b.data), data);
    // A node given none of them refuses to start rather than sign with a key of its own.
    let bare = cluster_support::serve_without_secrets(cluster);
    let stderr = String::from_utf8_lossy(&bare.stderr);
    assert!(
        !bare.status.success() && stderr.contains("E_LOG_KEY_MISMATCH"),
        "{stderr}"
    );
    for path in ["/log/key", "/pki/ca.pem"] {
        assert_eq!(
            get_text(&format!("{}{path}", cluster.a().base)),
            get_text(&format!("{}{path}", cluster.b.base)),
            "{path}"
        );
    }
}

/// Timings of one run, printed at the end.
#[derive(Default)]
struct Timings(Vec<(&'static str, Duration)>);

impl Timings {
    fn lap(&mut self, what: &'static str, since: &mut Instant) {
        self.0.push((what, since.elapsed()));
        *since = Instant::now();
    }

    fn print(&self, test: &str) {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(w, d)| format!("{w} {:.1} s", d.as_secs_f64()))
            .collect();
        eprintln!("{test}: {}", parts.join(", "));
    }
}

#[test]
fn twenty_officers_on_two_nodes_sign_each_document_once_with_contiguous_numbers() {
    const DOCUMENTS: usize = 500;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut t = Instant::now();
    let mut timings = Timings::default();
    let cluster = Cluster::start();
    check_the_nodes_share_their_secrets(&cluster);
    let staff = cluster_support::staff(&cluster);
    timings.lap("setup", &mut t);
    let docs = cluster_support::submit_all(&cluster, &staff, DOCUMENTS);
    timings.lap("500 submissions", &mut t);

    let shared = Shared::new(&cluster.a().base, &cluster.b.base, RUN_LIMIT);
    let workers = officers::workers(&staff.officers, &shared);
    officers::run_all(workers, || ());
    timings.lap("officers", &mut t);
    report(&shared);

    check_outcome(&cluster, &staff, &docs, &shared);
    timings.lap("checks", &mut t);
    timings.print("concurrency");
}

#[test]
fn node_a_killed_mid_run_loses_nothing_acknowledged_and_b_takes_the_log_over() {
    const DOCUMENTS: usize = 200;
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut t = Instant::now();
    let mut timings = Timings::default();
    let mut cluster = Cluster::start();
    let staff = cluster_support::staff(&cluster);
    let docs = cluster_support::submit_all(&cluster, &staff, DOCUMENTS);
    timings.lap("setup and 200 submissions", &mut t);
    let mut db = PgConnection::establish(&cluster.db.url).expect("connect");
    let leader = cluster.a_sequencer;
    assert_eq!(
        sequencer_holder(&mut db),
        Some(leader),
        "node A's sequencer leads"
    );

    let shared = Shared::new(&cluster.a().base, &cluster.b.base, RUN_LIMIT);
    let workers = officers::workers(&staff.officers, &shared);
    let takeover = officers::run_all(workers, || {
        // Mid-run: a third of the documents signed.
        poll(RUN_LIMIT, "a third of the documents signed", || {
            (shared.signed.load(Ordering::Acquire) >= DOCUMENTS / 3
                || shared.failed.load(Ordering::Acquire))
            .then_some(())
        });
        // The balancer stops sending to A, which then dies without a word.
        shared.a_down.store(true, Ordering::Release);
        cluster.kill_a();
        let killed = Instant::now();
        // B's sequencer takes the lock over, then signs the next checkpoints.
        let holder = poll(Duration::from_secs(30), "B's sequencer takes over", || {
            sequencer_holder(&mut db).filter(|pid| *pid != leader)
        });
        let took_over = killed.elapsed();
        let at_takeover = checkpoint_size(&cluster.b.base);
        poll(
            Duration::from_secs(30),
            "B's sequencer signs a larger checkpoint",
            || (checkpoint_size(&cluster.b.base) > at_takeover).then_some(()),
        );
        (holder, took_over, killed.elapsed())
    });
    timings.lap("officers (A killed mid-run)", &mut t);
    report(&shared);
    eprintln!(
        "crash: the sequencer's lock moved from backend {leader} (node A) to {} {:.2} s after \
         the kill; B signed a larger checkpoint {:.2} s after the kill",
        takeover.0,
        takeover.1.as_secs_f64(),
        takeover.2.as_secs_f64()
    );
    assert!(
        shared.a_down.load(Ordering::Acquire) && cluster.a.is_none(),
        "node A was killed mid-run"
    );

    cluster.restart_a();
    timings.lap("restart of A", &mut t);
    check_outcome(&cluster, &staff, &docs, &shared);
    timings.lap("checks", &mut t);
    timings.print("crash");
}

fn report(shared: &Shared) {
    let duels = shared.duels.lock().unwrap_or_else(|e| e.into_inner());
    eprintln!(
        "officers: {} actions acknowledged, {} E_CONFLICT, {} unanswered (node A died), {} \
         doubled clicks",
        shared.acks.lock().unwrap_or_else(|e| e.into_inner()).len(),
        shared.conflicts.load(Ordering::Relaxed),
        shared.unanswered.load(Ordering::Relaxed),
        duels.len()
    );
    for line in shared.latency_report() {
        eprintln!("  {line}");
    }
}

/// Everything a user would check after the run, from both nodes.
fn check_outcome(cluster: &Cluster, staff: &Staff, docs: &[String], shared: &Shared) {
    let n = docs.len();
    let bases = [cluster.a().base.clone(), cluster.b.base.clone()];
    check_doubled_clicks(shared);
    let numbers = check_timelines(&bases, staff, docs, shared);
    check_numbers(cluster, &numbers, n);
    check_signed_pdfs(cluster, staff, docs);
    check_log(cluster, &bases, n);
}

/// Of two officers clicking at once, at most one was told it was done; the other got 409
/// `E_CONFLICT`, never a 500.
fn check_doubled_clicks(shared: &Shared) {
    let duels = shared.duels.lock().unwrap_or_else(|e| e.into_inner());
    assert!(!duels.is_empty(), "no doubled click happened");
    let mut decided = 0;
    for d in duels.iter() {
        let won: Vec<_> = d.answers.iter().filter(|a| a.1 == 303).collect();
        assert!(won.len() <= 1, "both officers were told they acted: {d:?}");
        for a in &d.answers {
            assert!(
                a.1 == 303 || a.1 == 0 || (a.1 == 409 && a.2.as_deref() == Some("E_CONFLICT")),
                "{d:?}"
            );
        }
        if won.len() == 1 && d.answers.iter().any(|a| a.1 == 409) {
            decided += 1;
        }
    }
    assert!(
        decided * 2 >= duels.len(),
        "few doubled clicks were decided between the two officers: {decided} of {}",
        duels.len()
    );
}

/// Every document signed exactly once (submitted, paraf, numbered, signed) and every
/// acknowledged action in its timeline under the officer's name; the nomor surat of each.
fn check_timelines(
    bases: &[String; 2],
    staff: &Staff,
    docs: &[String],
    shared: &Shared,
) -> Vec<String> {
    let acks = shared.acks.lock().unwrap_or_else(|e| e.into_inner());
    let mut acked: HashMap<(&str, Duty), Vec<&str>> = HashMap::new();
    for a in acks.iter() {
        acked
            .entry((a.doc.as_str(), a.duty))
            .or_default()
            .push(a.officer.as_str());
    }
    for ((doc, duty), who) in &acked {
        assert_eq!(who.len(), 1, "{doc}: {duty:?} acknowledged to {who:?}");
    }
    let api = Api::new(&staff.token);
    let mut numbers = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let status = api.status(&bases[i % 2], doc);
        assert_eq!(status["state"], "signed", "{status:#}");
        let history: Vec<(&str, &str)> = status["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|h| {
                (
                    h["event"].as_str().unwrap_or_default(),
                    h["actor"].as_str().unwrap_or_default(),
                )
            })
            .collect();
        let kinds: Vec<&str> = history.iter().map(|h| h.0).collect();
        assert_eq!(
            kinds,
            ["submitted", "paraf", "numbered", "signed"],
            "{doc}: {history:?}"
        );
        for (duty, event) in [(Duty::Verifier, "paraf"), (Duty::Signer, "signed")] {
            let actor = history.iter().find(|h| h.0 == event).map(|h| h.1);
            let officer = actor.and_then(|a| staff.by_name(a));
            assert_eq!(officer.map(|o| o.duty), Some(duty), "{doc}: {history:?}");
            if let Some(who) = acked.get(&(doc.as_str(), duty)) {
                assert_eq!(actor, Some(who[0]), "{doc}: acknowledged {event} lost");
            }
        }
        numbers.push(
            status["nomor_surat"]
                .as_str()
                .expect("nomor surat")
                .to_string(),
        );
    }
    assert_eq!(
        acked
            .keys()
            .filter(|k| !docs.iter().any(|d| d == k.0))
            .count(),
        0,
        "acknowledged actions on unknown documents"
    );
    numbers
}

/// The nomor surat of (agency, classification, year) run 1..=n, none twice, none missing, as
/// the documents show them and as the counter stands.
fn check_numbers(cluster: &Cluster, numbers: &[String], n: usize) {
    let mut seqs: Vec<u64> = numbers
        .iter()
        .map(|num| {
            let parts: Vec<&str> = num.split('/').collect();
            assert_eq!(
                (parts.first().copied(), parts.get(2).copied()),
                (Some(CLASSIFICATION), Some(AGENCY)),
                "{num}"
            );
            parts[1].parse().unwrap_or_else(|_| panic!("{num}"))
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=n as u64).collect::<Vec<_>>(),
        "nomor surat 1..={n}"
    );
    let mut db = PgConnection::establish(&cluster.db.url).expect("connect");
    let rows = diesel::sql_query(format!(
        "SELECT seq, number FROM document_numbers WHERE classification = '{CLASSIFICATION}' \
         ORDER BY seq"
    ))
    .load::<Seq>(&mut db)
    .expect("numbers");
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=n as i64).collect::<Vec<_>>()
    );
    let texts: HashSet<&str> = rows.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(texts.len(), n, "distinct numbers");
    assert_eq!(
        count(
            &mut db,
            &format!(
                "SELECT last_seq AS n FROM number_counters WHERE classification = \
                 '{CLASSIFICATION}'"
            )
        ),
        n as i64,
        "the counter stands at the last number given"
    );
}

/// Every signed PDF downloads the same from both nodes and is TOTAL-PASSED against the CA
/// (with its current CRL).
fn check_signed_pdfs(cluster: &Cluster, staff: &Staff, docs: &[String]) {
    let (a, b) = (cluster.a().base.clone(), cluster.b.base.clone());
    let ca = std::fs::read_to_string(cluster.dirs_b.certs.join("ca.pem")).expect("ca.pem");
    let policy = sahih_signing::verify::Policy {
        trust_anchors: sahih_signing::load_certificates_pem(&ca).expect("CA"),
        crls: vec![get_bytes(&format!("{b}/pki/crl"))],
        ..Default::default()
    };
    std::thread::scope(|s| {
        for part in docs.chunks(docs.len().div_ceil(2)) {
            let (a, b, policy) = (&a, &b, &policy);
            s.spawn(move || {
                let api = Api::new(&staff.token);
                for doc in part {
                    let pdf = api.signed_pdf(a, doc);
                    assert_eq!(api.signed_pdf(b, doc), pdf, "{doc}: the nodes differ");
                    let report = sahih_signing::verify::verify(&pdf, policy)
                        .unwrap_or_else(|u| panic!("{doc}: {u:?}"));
                    assert_eq!(
                        report.indication,
                        sahih_signing::verify::Indication::TotalPassed,
                        "{doc}: {}",
                        report.reason
                    );
                }
            });
        }
    });
}

/// Every leaf sequenced, one per event (plus one per certificate the CA issued), and
/// `sahih log verify --audit` clean from both nodes.
fn check_log(cluster: &Cluster, bases: &[String; 2], n: usize) {
    let mut db = PgConnection::establish(&cluster.db.url).expect("connect");
    let leaves = count(&mut db, "SELECT count(*) AS n FROM log_leaves");
    let size = poll(Duration::from_secs(30), "every leaf sequenced", || {
        let size = checkpoint_size(&bases[1]);
        (size == leaves as u64).then_some(size)
    });
    assert_eq!(
        count(
            &mut db,
            "SELECT count(*) AS n FROM log_leaves WHERE leaf_index IS NULL"
        ),
        0
    );
    let events = count(&mut db, "SELECT count(*) AS n FROM events");
    assert_eq!(events, 4 * n as i64, "submitted, paraf, numbered, signed");
    assert_eq!(
        count(
            &mut db,
            "SELECT count(*) AS n FROM log_leaves WHERE document_id IS NOT NULL"
        ),
        events,
        "one leaf per event"
    );
    let certificates = count(&mut db, "SELECT count(*) AS n FROM certificates");
    assert_eq!(leaves, events + certificates, "nothing else in the log");
    assert_eq!(checkpoint_size(&bases[0]), size);
    let key = get_text(&format!("{}/log/key", bases[0]))
        .trim()
        .to_string();
    for base in bases {
        let out = std::process::Command::new(sahih_bin())
            .args(["log", "verify", "--url", base, "--key", &key, "--audit"])
            .output()
            .expect("sahih log verify");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{base}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(&format!("{n} documents in the workflow's order")),
            "{stdout}"
        );
    }
}
