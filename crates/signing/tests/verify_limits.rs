//! Hostile inputs get "unusable input" or a report, never a panic or a hang: deep nesting,
//! decompression bombs, huge object counts.

use sahih_signing::verify::{Policy, verify};

fn pdf_with(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

fn base(extra_page: &[u8]) -> Vec<Vec<u8>> {
    let mut page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /X ".to_vec();
    page.extend(extra_page);
    page.extend(b" >>");
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        page,
    ]
}

#[test]
fn deeply_nested_arrays_do_not_overflow_the_stack() {
    for depth in [300usize, 100_000] {
        let mut nested = vec![b'['; depth];
        nested.extend(vec![b']'; depth]);
        let pdf = pdf_with(&base(&nested), "");
        // Either a report with no signature or unusable input; reaching here is the point.
        let outcome = verify(&pdf, &Policy::default());
        if let Ok(r) = outcome {
            assert!(r.signatures.is_empty());
        }
    }
}

#[test]
fn a_decompression_bomb_is_bounded() {
    // 64 MiB of zeros deflated to ~64 KiB, as a page content stream.
    let mut enc = flate2_free_deflate(64 * 1024 * 1024);
    let mut objects = base(b"0");
    let mut stream =
        format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", enc.len()).into_bytes();
    stream.append(&mut enc);
    stream.extend(b"\nendstream");
    objects[2] =
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec();
    objects.push(stream);
    let pdf = pdf_with(&objects, "");
    if let Ok(r) = verify(&pdf, &Policy::default()) {
        assert!(r.signatures.is_empty());
    }
}

/// A zlib stream (RFC 1950/1951) that inflates to about `n` zero bytes, written without a
/// compressor crate: one fixed-Huffman block, a literal 0, then length-258 copies at distance 1.
fn flate2_free_deflate(n: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    let runs = n / 258;
    bits.push(1, 1); // BFINAL
    bits.push(1, 2); // BTYPE = fixed Huffman (01, LSB first)
    push_literal(&mut bits, 0);
    for _ in 0..runs {
        // Length 258 is code 285: fixed codes 280..287 are 8 bits from 11000000.
        bits.push_rev(0b1100_0000 + (285 - 280), 8);
        // distance 1 = code 0, 5 bits
        bits.push_rev(0, 5);
    }
    bits.push_rev(0, 7); // end of block (256)
    let mut out = vec![0x78, 0x01];
    out.extend(bits.finish());
    // The Adler-32 trailer is left zero: a reader that checks it refuses the stream, one that
    // does not inflates it; both must stay bounded.
    out.extend([0, 0, 0, 0]);
    out
}

fn push_literal(bits: &mut BitWriter, byte: u8) {
    // literals 0..143: 8-bit codes 00110000 + value
    bits.push_rev(0b0011_0000 + u32::from(byte), 8);
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    cur: u32,
    n: u32,
}

impl BitWriter {
    fn push(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.cur |= ((value >> i) & 1) << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.cur as u8);
                self.cur = 0;
                self.n = 0;
            }
        }
    }

    /// Huffman codes are written most significant bit first.
    fn push_rev(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.push((value >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.cur as u8);
        }
        self.out
    }
}

#[test]
fn an_absurd_object_count_is_refused_quickly() {
    let pdf = pdf_with(&base(b"0"), "");
    let text = String::from_utf8_lossy(&pdf).replace("/Size 4", "/Size 999999999");
    let outcome = verify(text.as_bytes(), &Policy::default());
    if let Ok(r) = outcome {
        assert!(r.signatures.is_empty());
    }
}
