//! Published test vectors of checkpoints and signed notes, each with its source.

use sahih_tlog::{Checkpoint, Error, SignerKey, TreeSize, VerifierKey, leaf_hash, note};

// ---------------------------------------------------------------------------------------------
// Checkpoint bodies. Source: golang.org/x/mod, sumdb/tlog/note_test.go (TestFormatTree,
// TestParseTree): the Go checksum database's tree format is a checkpoint with origin
// "go.sum database tree".
// ---------------------------------------------------------------------------------------------

const GO_TREE: &str =
    "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n";

#[test]
fn go_tree_format_and_parse() {
    let root = leaf_hash(b"hello world");
    let checkpoint = Checkpoint::new("go.sum database tree", TreeSize(123_456_789_012), root)
        .expect("valid origin");
    assert_eq!(checkpoint.to_body(), GO_TREE);
    assert_eq!(Checkpoint::parse(GO_TREE).ok(), Some(checkpoint));

    // TestParseTree's bad trees (its "not-" prefix is only wrong for Go's fixed origin).
    for bad in [
        "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
    ] {
        assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
    }
    // Go ignores junk after the tree; C2SP makes newline-ended lines extension lines and
    // requires every line to end in a newline.
    let extended = Checkpoint::parse(&format!("{GO_TREE}JOE\n")).expect("extension line");
    assert_eq!(extended.extensions(), ["JOE"]);
    assert!(Checkpoint::parse(&format!("{GO_TREE}JOE")).is_err());
}

// ---------------------------------------------------------------------------------------------
// Signed notes. Sources: c2sp.org/signed-note ("Verifier keys", example), the example of
// c2sp.org/tlog-checkpoint, and golang.org/x/mod sumdb/note/note_test.go (TestNewVerifier,
// TestNewSigner, TestSign, TestVerifierList, TestOpen).
// ---------------------------------------------------------------------------------------------

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn vkey(text: &str) -> VerifierKey {
    VerifierKey::parse(text).expect("valid verifier key")
}

#[test]
fn c2sp_signed_note_example_verifies() {
    let key = vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
    let signed = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let opened = note::open(signed, &[key]).expect("the spec's example verifies");
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.verified.len(), 1);
}

#[test]
fn c2sp_checkpoint_example_parses_and_its_unknown_key_is_set_aside() {
    let signed = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let parsed = note::parse(signed).expect("syntax");
    let checkpoint = Checkpoint::parse(&parsed.text).expect("body");
    assert_eq!(checkpoint.origin(), "example.com/behind-the-sofa");
    assert_eq!(checkpoint.size(), TreeSize(20_852_163));
    assert_eq!(checkpoint.to_body(), parsed.text);
    let peter = vkey(PETER_VKEY);
    assert!(matches!(
        Checkpoint::open(signed, &[peter]),
        Err(Error::NoVerifiedSignature { unverified: 1 })
    ));
}

#[test]
fn sum_golang_org_checkpoint_verifies() {
    // The key: Go's cmd/go/internal/modfetch/key.go (note its base64 holds '+').
    // The checkpoint: sum.golang.org at size 15368405, as quoted in
    // github.com/sigsum/sigsum proposals/2023-01-checkpoint-format.md.
    let key = vkey("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8");
    let signed = "go.sum database tree\n15368405\n/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY=\n\n— sum.golang.org Az3grqJGUaSGukG9p8nI2vKgiFn7qGHxn0W+mrwyI6Gz3F0t1J3LzmWk/p96Ybf295EjwdSwlzgijq5WA9d1Ded7owM=\n";
    let (checkpoint, _) = Checkpoint::open(signed, &[key]).expect("verifies");
    assert_eq!(checkpoint.size(), TreeSize(15_368_405));
    assert!(key_string_round_trip(
        "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
    ));
}

fn key_string_round_trip(text: &str) -> bool {
    VerifierKey::parse(text)
        .map(|k| k.to_string())
        .ok()
        .as_deref()
        == Some(text)
}

#[test]
fn go_verifier_and_signer_keys_parse_and_every_mangling_is_rejected() {
    assert!(key_string_round_trip(PETER_VKEY));
    let signer = SignerKey::parse(PETER_SKEY).expect("valid signer key");
    assert_eq!(signer.verifier_key().to_string(), PETER_VKEY);
    assert_eq!(signer.to_secret_string().as_str(), PETER_SKEY);
    assert!(!format!("{signer:?}").contains("AYEK"));

    for (key, parse) in [
        (
            PETER_VKEY,
            (|s: &str| VerifierKey::parse(s).is_ok()) as fn(&str) -> bool,
        ),
        (PETER_SKEY, |s: &str| SignerKey::parse(s).is_ok()),
    ] {
        let b = key.as_bytes();
        for i in 0..=b.len() {
            for j in i + 1..=b.len() {
                if (i, j) != (0, b.len()) {
                    let part = std::str::from_utf8(&b[i..j]).expect("ASCII");
                    assert!(!parse(part), "{part:?} accepted");
                }
            }
        }
        for i in 0..b.len() {
            let mut mangled = b.to_vec();
            mangled[i] += 1;
            let mangled = String::from_utf8(mangled).expect("ASCII");
            assert!(!parse(&mangled), "{mangled:?} accepted");
        }
    }
    // Wrong key length and unknown algorithm, each with its key ID adjusted.
    assert!(
        VerifierKey::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
        .is_err()
    );
    assert!(matches!(
        VerifierKey::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(Error::UnknownAlgorithm { algorithm: 0x65 })
    ));
}

#[test]
fn go_sign_gives_the_published_bytes() {
    let signer = SignerKey::parse(PETER_SKEY).expect("valid signer key");
    let signed = note::sign(TEXT, &[&signer]).expect("signs");
    assert_eq!(signed, format!("{TEXT}\n{PETER_SIG}"));
    assert!(note::sign("abc", &[&signer]).is_err());
    assert!(note::sign("a\u{1}b\n", &[&signer]).is_err());
}

#[test]
fn go_open_cases() {
    let (peter, enoch) = (vkey(PETER_VKEY), vkey(ENOCH_VKEY));
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    let only_peter = std::slice::from_ref(&peter);

    let one = note::open(&both, only_peter).expect("one verified");
    assert_eq!(one.text, TEXT);
    assert_eq!((one.verified.len(), one.unverified.len()), (1, 1));
    assert_eq!(one.verified[0].to_line(), PETER_SIG);
    assert_eq!(one.unverified[0].to_line(), ENOCH_SIG);

    let two = note::open(&both, &[peter.clone(), enoch.clone()]).expect("both verified");
    assert_eq!((two.verified.len(), two.unverified.len()), (2, 0));

    assert!(matches!(
        note::open(&both, &[]),
        Err(Error::NoVerifiedSignature { unverified: 2 })
    ));

    // Duplicated verifier: ambiguous only when a signature needs it.
    let list = [enoch.clone(), peter.clone(), enoch.clone()];
    assert!(matches!(
        note::open(format!("{TEXT}\n{ENOCH_SIG}"), &list),
        Err(Error::AmbiguousKey { .. })
    ));
    assert!(note::open(format!("{TEXT}\n{PETER_SIG}"), &list).is_ok());

    // Too many signatures, with and without known keys.
    let many = format!("{TEXT}\n{}", PETER_SIG.repeat(101));
    for list in [only_peter, &[]] {
        assert!(matches!(
            note::open(&many, list),
            Err(Error::TooManySignatures { .. })
        ));
    }

    // A known key's bad signature rejects the whole note.
    let bad = format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    assert!(matches!(
        note::open(&bad, only_peter),
        Err(Error::InvalidSignature { .. })
    ));

    // Repeated signatures are checked once; repeated unknown ones listed once.
    let enoch_abcd = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let repeated = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_abcd}");
    let opened = note::open(&repeated, only_peter).expect("verifies");
    assert_eq!((opened.verified.len(), opened.unverified.len()), (1, 2));

    // Malformed messages.
    let bad_messages = [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\u{1}{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
    ];
    for message in &bad_messages {
        assert!(
            matches!(
                note::open(message, only_peter),
                Err(Error::MalformedNote { .. })
            ),
            "{message:?}"
        );
    }
    let mut invalid_utf8 = b"\xff".to_vec();
    invalid_utf8.extend_from_slice(format!("{TEXT}\n{PETER_SIG}").as_bytes());
    assert!(matches!(
        note::open(&invalid_utf8, only_peter),
        Err(Error::MalformedNote { .. })
    ));

    // A signature under another name, or with another key ID, is by an unknown key.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    let rekeyed = PETER_SIG.replace("x08g", "xxxx");
    for sig in [misnamed, rekeyed] {
        assert!(matches!(
            note::open(format!("{TEXT}\n{sig}"), only_peter),
            Err(Error::NoVerifiedSignature { unverified: 1 })
        ));
    }
}
