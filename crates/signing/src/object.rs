//! Direct objects parsed into lopdf's object model (ISO 32000-2 §7.3): booleans, numbers,
//! strings (literal and hexadecimal, escapes decoded), names (`#xx` decoded), arrays,
//! dictionaries, `null` and references `N G R`. Strict where readers disagree, bounded in
//! depth, and never panicking.

use lopdf::{Dictionary, Object, StringFormat};

use crate::syntax::{MAX_DEPTH, decode_name, is_white};

/// A parser over one buffer; positions are indices into it.
pub(crate) struct Parser<'a> {
    data: &'a [u8],
    pub(crate) pos: usize,
    /// Whether a read went past the end of `data`: a failure then may be the end of a window
    /// rather than bad syntax.
    pub(crate) ran_out: bool,
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Parser<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Parser {
            data,
            pos,
            ran_out: false,
        }
    }

    fn peek(&mut self) -> Option<u8> {
        let b = self.data.get(self.pos).copied();
        self.ran_out |= b.is_none();
        b
    }

    /// Skips white space and comments.
    pub(crate) fn skip_space(&mut self) {
        self.pos = crate::syntax::skip_space(self.data, self.pos);
        self.ran_out |= self.pos >= self.data.len();
    }

    fn regular(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(|b| !is_white(b) && !is_delim(b)) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    /// Whether the next token is the keyword `word` (consumed if so).
    pub(crate) fn keyword(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        let start = self.pos;
        if self.regular() == word {
            return true;
        }
        self.pos = start;
        false
    }

    /// An unsigned integer token (for object headers and references).
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        self.skip_space();
        let start = self.pos;
        let word = self.regular();
        let n = (!word.is_empty() && word.len() <= 19 && word.iter().all(u8::is_ascii_digit))
            .then(|| std::str::from_utf8(word).ok()?.parse().ok())
            .flatten();
        if n.is_none() {
            self.pos = start;
        }
        n
    }

    /// `N G obj` at the current position: the object number and generation.
    pub(crate) fn object_header(&mut self) -> Option<(u32, u16)> {
        let n = u32::try_from(self.unsigned()?).ok()?;
        let g = u16::try_from(self.unsigned()?).ok()?;
        self.keyword(b"obj").then_some((n, g))
    }

    /// One direct object (a reference `N G R` counts as one).
    pub(crate) fn object(&mut self) -> Option<Object> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Option<Object> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let b = self.peek()?;
        match b {
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                self.dictionary(depth).map(Object::Dictionary)
            }
            b'<' => self.hex_string(),
            b'(' => self.literal_string(),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Some(Object::Array(items));
                    }
                    items.push(self.object_at_depth(depth + 1)?);
                }
            }
            b'/' => {
                self.pos += 1;
                Some(Object::Name(decode_name(self.regular())))
            }
            _ => self.word(),
        }
    }

    /// The entries after `<<`, through `>>`. A repeated key keeps its last value, as lopdf,
    /// qpdf and pdf.js read it.
    pub(crate) fn dictionary(&mut self, depth: usize) -> Option<Dictionary> {
        let mut dict = Dictionary::new();
        loop {
            self.skip_space();
            match self.peek()? {
                b'>' if self.data.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Some(dict);
                }
                b'/' => {
                    self.pos += 1;
                    let key = decode_name(self.regular());
                    let value = self.object_at_depth(depth + 1)?;
                    dict.set(key, value);
                }
                _ => {
                    // A lone `>` at the very end may be the first half of `>>`.
                    self.ran_out |= self.pos + 1 >= self.data.len();
                    return None;
                }
            }
        }
    }

    /// A number, a reference, `true`, `false` or `null`.
    fn word(&mut self) -> Option<Object> {
        let start = self.pos;
        if let Some(n) = self.unsigned() {
            let after = self.pos;
            if let Some(g) = self.unsigned()
                && self.keyword(b"R")
                && let (Ok(n), Ok(g)) = (u32::try_from(n), u16::try_from(g))
            {
                return Some(Object::Reference((n, g)));
            }
            self.pos = after;
            return i64::try_from(n).ok().map(Object::Integer);
        }
        self.pos = start;
        let word = self.regular();
        match word {
            b"true" => Some(Object::Boolean(true)),
            b"false" => Some(Object::Boolean(false)),
            b"null" => Some(Object::Null),
            _ => number(word),
        }
    }

    fn hex_string(&mut self) -> Option<Object> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            if b == b'>' {
                if let Some(h) = high {
                    out.push(h << 4);
                }
                return Some(Object::String(out, StringFormat::Hexadecimal));
            }
            if is_white(b) {
                continue;
            }
            let v = (b as char).to_digit(16)? as u8;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
    }

    fn literal_string(&mut self) -> Option<Object> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(Object::String(out, StringFormat::Literal));
                    }
                    out.push(b);
                }
                b'\\' => self.escape(&mut out)?,
                // An end-of-line in a string reads as a single line feed (§7.3.4.2).
                b'\r' => {
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(b),
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Option<()> {
        let e = self.peek()?;
        self.pos += 1;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            // `\(`, `\)`, `\\`, and an unknown escape: the character itself (§7.3.4.2).
            other => out.push(other),
        }
        Some(())
    }
}

/// An integer or real number token (§7.3.3): an optional sign, digits, at most one point.
fn number(word: &[u8]) -> Option<Object> {
    let text = std::str::from_utf8(word).ok()?;
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits_ok = !body.is_empty()
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body != ".";
    if !digits_ok {
        return None;
    }
    if !body.contains('.') {
        return text.parse::<i64>().ok().map(Object::Integer);
    }
    let value: f64 = if let Some(rest) = body.strip_prefix('.') {
        format!("0.{rest}").parse().ok()?
    } else {
        body.trim_end_matches('.').parse().ok()?
    };
    let signed = if text.starts_with('-') { -value } else { value };
    Some(Object::Real(signed as f32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Option<Object> {
        Parser::new(text, 0).object()
    }

    #[test]
    fn reads_every_kind_of_direct_object() {
        let obj = parse(b"<< /A 1 0 R /B [1 -2 +3.5 .5 -.25 4.] /C (a\\(b\\)\\101\\\nc) /D <48 6 9> /E true /F null /G#20x 1 /H <<>> >>")
            .expect("parses");
        let d = obj.as_dict().expect("dict");
        assert_eq!(d.get(b"A").ok(), Some(&Object::Reference((1, 0))));
        let b = d.get(b"B").and_then(Object::as_array).expect("array");
        assert_eq!(b[0], Object::Integer(1));
        assert_eq!(b[1], Object::Integer(-2));
        assert_eq!(b[2], Object::Real(3.5));
        assert_eq!(b[3], Object::Real(0.5));
        assert_eq!(b[4], Object::Real(-0.25));
        assert_eq!(b[5], Object::Real(4.0));
        assert_eq!(
            d.get(b"C").and_then(Object::as_str).ok(),
            Some(b"a(b)Ac".as_slice())
        );
        assert_eq!(
            d.get(b"D").and_then(Object::as_str).ok(),
            Some(b"Hi".as_slice())
        );
        assert_eq!(d.get(b"E").ok(), Some(&Object::Boolean(true)));
        assert_eq!(d.get(b"F").ok(), Some(&Object::Null));
        assert!(d.get(b"G x").is_ok());
        assert!(d.get(b"H").and_then(Object::as_dict).is_ok());
    }

    #[test]
    fn numbers_that_are_not_references_stay_numbers() {
        let arr = parse(b"[1 2 3 0 R 4 5]").expect("parses");
        let items = arr.as_array().expect("array");
        assert_eq!(
            items,
            &vec![
                Object::Integer(1),
                Object::Integer(2),
                Object::Reference((3, 0)),
                Object::Integer(4),
                Object::Integer(5)
            ]
        );
    }

    #[test]
    fn refuses_what_does_not_close_or_nests_too_deep() {
        assert!(parse(b"<< /A (open").is_none());
        assert!(parse(b"[1 2").is_none());
        assert!(parse(b"<< 1 2 >>").is_none());
        assert!(parse(b"<zz>").is_none());
        assert!(parse(b"1.2.3").is_none());
        let deep = [b"[".repeat(MAX_DEPTH + 2), b"]".repeat(MAX_DEPTH + 2)].concat();
        assert!(parse(&deep).is_none());
    }

    #[test]
    fn reads_object_headers() {
        let mut p = Parser::new(b" 12 0 obj << >> endobj", 0);
        assert_eq!(p.object_header(), Some((12, 0)));
        assert!(p.object().is_some());
        assert!(p.keyword(b"endobj"));
        assert_eq!(Parser::new(b"12 x obj", 0).object_header(), None);
    }
}
