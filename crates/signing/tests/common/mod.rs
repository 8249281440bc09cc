//! Hand-made PDFs and signers shared by the signing crate's tests. Not every test binary uses
//! every item, hence the `dead_code` allowances.

/// Objects 1..n, an xref table and a trailer whose /Root is object 1.
#[allow(dead_code)]
pub fn assemble(bodies: &[String]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = bodies.iter().map(|b| b.as_bytes().to_vec()).collect();
    assemble_bytes(&bytes)
}

/// [`assemble`] for bodies that are not text (binary stream data).
#[allow(dead_code)]
pub fn assemble_bytes(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .bytes(),
    );
    out
}

/// A signer with its certificate and the development CA that issued it.
#[allow(dead_code)]
pub struct Pki {
    _dir: tempfile::TempDir,
    pub key: sahih_signing::SignerKey,
    pub cert: sahih_signing::Certificate,
    pub ca: Vec<sahih_signing::Certificate>,
}

/// An Ed25519 signer from a fixed `seed`: its signatures are deterministic (RFC 8032), so two
/// signing paths can be compared byte for byte.
#[allow(dead_code)]
pub fn ed25519_pki(seed: u8) -> Pki {
    use sahih_signing::load_certificates_pem;
    const PASS: &[u8] = b"unit-test";
    let dir = tempfile::tempdir().expect("tempdir");
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let der = ed25519_dalek::pkcs8::EncodePrivateKey::to_pkcs8_der(&key).expect("pkcs8");
    let officer = sahih_signing::devca::DevOfficer {
        login: "s".into(),
        name: "Rina Wulandari".into(),
        position: "Kepala Dinas".into(),
        agency: "DPMPTSP".into(),
    };
    let creds = sahih_signing::devca::issue_for_key(dir.path(), &officer, der.as_bytes(), PASS)
        .expect("issue");
    let key = sahih_signing::SignerKey::from_pem(
        &std::fs::read_to_string(&creds.key).expect("key"),
        Some(PASS),
    )
    .expect("key");
    let cert = load_certificates_pem(&std::fs::read_to_string(&creds.cert).expect("cert"))
        .expect("cert")[0]
        .clone();
    let ca_path = dir.path().join(sahih_signing::devca::CA_CERT_FILE);
    let ca = load_certificates_pem(&std::fs::read_to_string(ca_path).expect("ca")).expect("ca");
    Pki {
        _dir: dir,
        key,
        cert,
        ca,
    }
}

/// Appends an incremental update that writes `objects` (number, text) again, with an xref
/// table whose `/Prev` is the file's last `startxref`.
#[allow(dead_code)]
pub fn append_update(pdf: &[u8], objects: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(64)..]).into_owned();
    let prev: usize = tail
        .rsplit("startxref")
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    let text = String::from_utf8_lossy(pdf);
    let size: u32 = text
        .rsplit("/Size ")
        .next()
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("size");
    let mut out = pdf.to_vec();
    let mut entries = Vec::new();
    for (n, body) in objects {
        entries.push((*n, out.len()));
        out.extend(format!("{n} 0 obj\n").bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(b"xref\n0 1\n0000000000 65535 f \n");
    for (n, at) in entries {
        out.extend(format!("{n} 1\n{at:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n")
            .bytes(),
    );
    out
}
