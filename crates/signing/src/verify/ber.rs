//! A small BER reader (ITU-T X.690 §8) for the CMS found in real PDFs. Many signers write
//! SignedData with indefinite lengths (BER, allowed by RFC 5652 §2), and sets of signed
//! attributes that must be verified over the exact bytes the signer produced; a DER-only
//! decoder rejects the first and re-sorts the second. This reader keeps every element's raw
//! bytes, so the signature is checked over what was signed, and re-encodes in definite form only
//! where RFC 5652 §5.4 asks for DER.

/// Deepest nesting accepted; CMS needs about 12.
const MAX_DEPTH: usize = 48;

/// Why bytes are not BER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BerError(pub(crate) &'static str);

pub(crate) type Result<T> = std::result::Result<T, BerError>;

/// Tag numbers (universal class) used by CMS and X.509.
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
}

/// One element: its identifier octet, its content and the raw bytes it came from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and a tag number below 31).
    pub(crate) tag: u8,
    /// Content octets; for an indefinite length, everything before the end-of-contents.
    pub(crate) content: &'a [u8],
    /// The whole element: identifier, length, content (and end-of-contents).
    pub(crate) raw: &'a [u8],
    indefinite: bool,
    depth: usize,
}

fn read_header(data: &[u8]) -> Result<(u8, Option<usize>, usize)> {
    let tag = *data.first().ok_or(BerError("truncated element"))?;
    if tag & 0x1f == 0x1f {
        return Err(BerError("high tag numbers are not used by CMS"));
    }
    let first = *data.get(1).ok_or(BerError("truncated length"))?;
    if first < 0x80 {
        return Ok((tag, Some(usize::from(first)), 2));
    }
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return Err(BerError("indefinite length on a primitive element"));
        }
        return Ok((tag, None, 2));
    }
    let n = usize::from(first & 0x7f);
    if n > 4 {
        return Err(BerError("length too large"));
    }
    let bytes = data.get(2..2 + n).ok_or(BerError("truncated length"))?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Ok((tag, Some(len), 2 + n))
}

/// Reads one element at the start of `data`; returns it and the bytes after it.
pub(crate) fn parse(data: &[u8]) -> Result<(Tlv<'_>, &[u8])> {
    parse_at(data, 0)
}

fn parse_at(data: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8])> {
    if depth > MAX_DEPTH {
        return Err(BerError("nested too deeply"));
    }
    let (tag, len, header) = read_header(data)?;
    match len {
        Some(len) => {
            let end = header.checked_add(len).ok_or(BerError("length overflow"))?;
            let content = data.get(header..end).ok_or(BerError("truncated content"))?;
            let tlv = Tlv {
                tag,
                content,
                raw: &data[..end],
                indefinite: false,
                depth,
            };
            Ok((tlv, &data[end..]))
        }
        None => {
            let mut rest = &data[header..];
            loop {
                if rest.starts_with(&[0, 0]) {
                    let content_len = data.len() - header - rest.len();
                    let end = header + content_len + 2;
                    let tlv = Tlv {
                        tag,
                        content: &data[header..header + content_len],
                        raw: &data[..end],
                        indefinite: true,
                        depth,
                    };
                    return Ok((tlv, &data[end..]));
                }
                let (_, after) = parse_at(rest, depth + 1)?;
                rest = after;
            }
        }
    }
}

impl<'a> Tlv<'a> {
    /// Whether the element is constructed.
    pub(crate) fn constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// The elements inside a constructed element, in order.
    pub(crate) fn children(&self) -> Result<Vec<Tlv<'a>>> {
        if !self.constructed() {
            return Err(BerError("expected a constructed element"));
        }
        let mut out = Vec::new();
        let mut rest = self.content;
        while !rest.is_empty() {
            let (child, after) = parse_at(rest, self.depth + 1)?;
            out.push(child);
            rest = after;
        }
        Ok(out)
    }

    /// Checks the identifier octet.
    pub(crate) fn expect(self, tag: u8) -> Result<Self> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(BerError("unexpected element"))
        }
    }

    /// An OCTET STRING's value, joining the segments of a constructed (BER) one.
    pub(crate) fn octets(&self) -> Result<Vec<u8>> {
        match self.tag {
            tag::OCTET_STRING => Ok(self.content.to_vec()),
            0x24 => {
                let mut out = Vec::new();
                for part in self.children()? {
                    out.extend(part.octets()?);
                }
                Ok(out)
            }
            _ => Err(BerError("expected an OCTET STRING")),
        }
    }

    /// An OBJECT IDENTIFIER's value.
    pub(crate) fn oid(&self) -> Result<const_oid::ObjectIdentifier> {
        if self.tag != tag::OID {
            return Err(BerError("expected an OBJECT IDENTIFIER"));
        }
        const_oid::ObjectIdentifier::from_bytes(self.content)
            .map_err(|_| BerError("malformed OBJECT IDENTIFIER"))
    }

    /// The element in definite-length form (DER lengths), with the identifier `tag`: what
    /// RFC 5652 §5.4 hashes for signed attributes (`tag` = SET OF).
    pub(crate) fn definite(&self, tag: u8) -> Result<Vec<u8>> {
        let content = if self.indefinite {
            let mut out = Vec::new();
            for child in self.children()? {
                out.extend(child.definite(child.tag)?);
            }
            out
        } else {
            self.content.to_vec()
        };
        let mut out = vec![tag];
        push_length(&mut out, content.len());
        out.extend(content);
        Ok(out)
    }

    /// A SET OF in DER (X.690 §11.6): definite lengths and the elements sorted by their
    /// encodings, with the identifier `tag`.
    pub(crate) fn der_set(&self, tag: u8) -> Result<Vec<u8>> {
        let mut elements = self
            .children()?
            .iter()
            .map(|c| c.definite(c.tag))
            .collect::<Result<Vec<_>>>()?;
        elements.sort();
        let content = elements.concat();
        let mut out = vec![tag];
        push_length(&mut out, content.len());
        out.extend(content);
        Ok(out)
    }
}

fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite_lengths_alike() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let ber = [0x30, 0x80, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa, 0, 0, 0xff];
        let (a, rest_a) = parse(&der).expect("der");
        let (b, rest_b) = parse(&ber).expect("ber");
        assert!(rest_a.is_empty());
        assert_eq!(rest_b, &[0xff]);
        assert_eq!(a.children().expect("a").len(), 2);
        assert_eq!(b.children().expect("b").len(), 2);
        assert_eq!(b.definite(tag::SET).expect("re-encode")[2..], der[2..]);
        assert_eq!(b.definite(tag::SET).expect("re-encode")[0], tag::SET);
    }

    #[test]
    fn sorts_a_set_into_der_order() {
        let unsorted = [0xa0, 0x06, 0x04, 0x01, 0x02, 0x04, 0x01, 0x01];
        let (t, _) = parse(&unsorted).expect("parse");
        assert_eq!(
            t.der_set(tag::SET).expect("der"),
            vec![0x31, 0x06, 0x04, 0x01, 0x01, 0x04, 0x01, 0x02]
        );
        assert_ne!(
            t.definite(tag::SET).expect("as is"),
            t.der_set(tag::SET).expect("der")
        );
    }

    #[test]
    fn joins_constructed_octet_strings() {
        let ber = [0x24, 0x80, 0x04, 0x01, 0x01, 0x04, 0x02, 0x02, 0x03, 0, 0];
        let (t, _) = parse(&ber).expect("parse");
        assert_eq!(t.octets().expect("octets"), vec![1, 2, 3]);
    }

    #[test]
    fn refuses_truncation_and_bombs() {
        assert!(parse(&[0x30, 0x05, 0x02]).is_err());
        assert!(parse(&[0x02, 0x80, 0, 0]).is_err());
        assert!(parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 200).flatten().collect();
        assert!(parse(&deep).is_err());
    }
}
