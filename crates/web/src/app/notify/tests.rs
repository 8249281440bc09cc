//! What the notices and their e-mails say, to whom, and that notifying never fails an action.

use sahih_store::testing::TestDatabase;
use sahih_store::{NewAttachment, NewDocument, NewUser, OutboxMail};
use sahih_workflow::{AgencyId, Role, submit};

use super::*;
use crate::seed::{DEMO_SERVICE, seed_demo};

const PUBLIC: &str = "https://sahih.kota.test";

fn app_with_mail(dir: &std::path::Path) -> (TestDatabase, App) {
    let (db, state) = crate::test_support::state(dir);
    let app = state.app.clone().with_notify_settings(NotifySettings {
        mail: true,
        public_url: Some(PUBLIC.into()),
    });
    seed_demo(&app, &dir.join("certs")).expect("seed");
    (db, app)
}

fn verifier_with_email(app: &App, agency: AgencyId) -> UserId {
    app.store()
        .create_user(&NewUser {
            login: "dewi".into(),
            name: "Dewi Lestari".into(),
            email: Some("dewi@kota.test".into()),
            password_hash: "$argon2id$unused".into(),
            role: Role::Verifier,
            agency_id: Some(agency),
            position: Some("Verifikator Perizinan".into()),
            cert_pem: None,
            key_pem: None,
        })
        .expect("verifier")
}

fn submitted(app: &App, citizen: UserId) -> Document {
    let service = app.service(DEMO_SERVICE).expect("service");
    let id = app
        .store()
        .submit_document(
            &NewDocument {
                public_id: "0123456789abcdef0123456789abcdef".into(),
                service_id: service.id,
                agency_id: service.agency_id,
                applicant_id: citizen,
                form: vec![("nama_usaha".into(), "Bengkel Jaya".into())],
                attachment: NewAttachment {
                    sha256: "00".repeat(32),
                    filename: "a.pdf".into(),
                    size: 1,
                },
            },
            &submit(),
        )
        .expect("submit");
    app.store().document(id).expect("load").expect("document")
}

fn outbox(app: &App) -> Vec<OutboxMail> {
    app.store()
        .claim_due_mails(sahih_store::now(), 100)
        .expect("claim")
}

#[test]
fn a_submission_tells_the_applicant_and_the_verifiers_each_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, app) = app_with_mail(dir.path());
    let citizen = app
        .register_citizen("siti", "Siti Aminah", "siti@kota.test", "rahasia-siti-2026")
        .expect("citizen");
    let doc = submitted(&app, citizen.id);
    let dewi = verifier_with_email(&app, doc.agency_id);
    let next = app.awaited_officers(&doc).expect("officers");
    let demo_verifier = app
        .store()
        .user_by_login("verifikator")
        .expect("load")
        .expect("demo verifier")
        .0
        .id;
    assert_eq!(
        next,
        [demo_verifier, dewi],
        "the officers holding the first step's position, not the signer"
    );

    app.notify_transition(&doc, &submit(), &next)
        .expect("notify");

    let mails = outbox(&app);
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(
        to,
        ["siti@kota.test", "dewi@kota.test"],
        "one mail per notice to a user with an address (the demo verifier has none)"
    );
    let receipt = &mails[0].body;
    let (id_part, en_part) = receipt.split_once("-- English --").expect("two parts");
    assert!(id_part.starts_with("Yth. Siti Aminah,"), "{receipt}");
    assert!(
        id_part.contains(
            "Permohonan Surat Keterangan Usaha Anda dengan nomor pelacakan 01234567 sudah kami terima"
        ),
        "{receipt}"
    );
    assert!(en_part.contains("We received your Surat Keterangan Usaha application"));
    let link = format!("{PUBLIC}/permohonan/{}", doc.public_id);
    assert!(id_part.contains(&format!("Buka: {link}")), "{receipt}");
    assert!(en_part.contains(&format!("Open: {link}")), "{receipt}");
    assert_eq!(
        mails[0].subject,
        "Sahih 01234567: status permohonan Anda / your application's status"
    );
    let work = &mails[1].body;
    assert!(
        work.contains("Dokumen menunggu tindakan Anda pada tahap Verifikasi"),
        "{work}"
    );
    assert!(work.contains(&format!("{PUBLIC}/petugas/dokumen/{}", doc.public_id)));

    // In the app: each reads their own notice, in their language.
    let siti = app.notices_for(&citizen, Lang::En).expect("notices");
    assert_eq!(siti.len(), 1);
    assert!(
        siti[0].text.starts_with("We received your"),
        "{}",
        siti[0].text
    );
    assert_eq!(siti[0].link, Some(format!("/permohonan/{}", doc.public_id)));
    assert_eq!(app.unread_notices(demo_verifier).expect("count"), 1);
}

#[test]
fn without_mail_only_the_app_hears_and_a_failure_never_fails_the_action() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, state) = crate::test_support::state(dir.path());
    let app = state.app.clone();
    let citizen = app
        .register_citizen("budi", "Budi", "budi@kota.test", "rahasia-budi-2026")
        .expect("citizen");
    let notice = |document| Notice {
        user: citizen.id,
        kind: NoticeKind::DelegationGranted {
            from: "Kepala Dinas".into(),
            until: "2026-12-31".into(),
        },
        document,
    };
    app.notify(vec![notice(None)]).expect("notify");
    assert!(outbox(&app).is_empty(), "mail is off");
    let items = app.notices_for(&citizen, Lang::Id).expect("notices");
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].text,
        "Kepala Dinas melimpahkan wewenang penandatanganan kepada Anda (Plt./Plh.) sampai 2026-12-31."
    );
    assert_eq!(items[0].link, None);

    // A notice about a document that does not exist breaks a foreign key: the action that
    // caused it still succeeds, and nothing of the batch is stored.
    let ghost = NoticeDocument {
        id: DocumentId(999),
        public_id: "ghost".into(),
        service: "Layanan".into(),
    };
    let result = app.notify(vec![notice(None), notice(Some(ghost))]);
    assert!(result.is_ok());
    assert_eq!(
        app.notices_for(&citizen, Lang::Id).expect("notices").len(),
        1
    );
}

#[test]
fn every_kind_has_a_sentence_in_each_language_and_a_subject() {
    let doc = NoticeDocument {
        id: DocumentId(1),
        public_id: "abcdef0123456789".into(),
        service: "Surat Keterangan Usaha".into(),
    };
    let kinds = [
        NoticeKind::StatusChanged {
            state: DocumentState::Returned,
        },
        NoticeKind::StatusChanged {
            state: DocumentState::Approved,
        },
        NoticeKind::NewWork {
            step: "Kepala Bidang".into(),
        },
        NoticeKind::Disposition {
            instruction: "Mohon diteliti".into(),
            from: "Kepala Dinas".into(),
        },
        NoticeKind::Overdue {
            step: "Verifikasi".into(),
            days_late: 1,
        },
        NoticeKind::DelegationGranted {
            from: "Kepala Dinas".into(),
            until: "2026-12-31".into(),
        },
        NoticeKind::Tembusan {
            step: "Pengesahan".into(),
        },
    ];
    let expect = [
        ("dikembalikan untuk perbaikan", "returned for revision"),
        (
            "kini: Sudah diparaf, menunggu tanda tangan.",
            "is now: Initialled, awaiting signature.",
        ),
        ("pada tahap Kepala Bidang", "at step Kepala Bidang"),
        (
            "disposisi dari Kepala Dinas untuk Surat Keterangan Usaha (nomor pelacakan abcdef01). Instruksi: Mohon diteliti",
            "disposition from Kepala Dinas",
        ),
        (
            "terlambat 1 hari kerja pada tahap Verifikasi",
            "is 1 working day late at step Verifikasi",
        ),
        ("melimpahkan wewenang", "delegated their signing authority"),
        (
            "Tembusan untuk Anda",
            "A copy for your information (tembusan)",
        ),
    ];
    for (kind, (id, en)) in kinds.iter().zip(expect) {
        let text_id = sentence(Lang::Id, kind, Some(&doc)).expect("id");
        let text_en = sentence(Lang::En, kind, Some(&doc)).expect("en");
        assert!(text_id.contains(id), "{text_id}");
        assert!(text_en.contains(en), "{text_en}");
        assert!(!text_id.contains('\n') && !text_en.contains('\n'));
        let subject = render(&Subject {
            kind,
            number: doc.number(),
        })
        .expect("subject");
        assert!(
            subject.starts_with("Sahih") && subject.contains(" / "),
            "{subject}"
        );
    }
}
