//! A small strict PDF tokenizer (ISO 32000-2 §7.2, §7.3) over raw bytes, with positions, so that
//! objects can be read and edited as the text they are, without re-serializing them.

use std::ops::Range;

/// Nesting bound for arrays and dictionaries.
pub(crate) const MAX_DEPTH: usize = 256;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str,
    Keyword(Vec<u8>),
    DictOpen,
    DictClose,
    ArrayOpen,
    ArrayClose,
}

pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pub(crate) pos: usize,
}

pub(crate) fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer { data, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(crate) fn skip_space(&mut self) {
        self.pos = skip_space(self.data, self.pos);
    }

    fn regular(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(|b| !is_white(b) && !is_delim(b)) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    fn literal_string(&mut self) -> Option<Token> {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'(' => depth += 1,
                b')' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(Token::Str);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The next token, or `None` at the end of the data or on an unterminated string.
    pub(crate) fn next(&mut self) -> Option<Token> {
        self.skip_space();
        let b = self.peek()?;
        let two = self.data.get(self.pos..self.pos + 2);
        match b {
            b'<' if two == Some(b"<<") => {
                self.pos += 2;
                Some(Token::DictOpen)
            }
            b'>' if two == Some(b">>") => {
                self.pos += 2;
                Some(Token::DictClose)
            }
            b'<' => {
                let end = self.data[self.pos..].iter().position(|&c| c == b'>')?;
                self.pos += end + 1;
                Some(Token::Str)
            }
            b'(' => self.literal_string(),
            b'[' => {
                self.pos += 1;
                Some(Token::ArrayOpen)
            }
            b']' => {
                self.pos += 1;
                Some(Token::ArrayClose)
            }
            b'/' => {
                self.pos += 1;
                Some(Token::Name(decode_name(self.regular())))
            }
            b'{' | b'}' | b')' | b'>' => {
                self.pos += 1;
                Some(Token::Keyword(vec![b]))
            }
            _ => {
                let word = self.regular();
                if word.is_empty() {
                    self.pos += 1;
                    return Some(Token::Keyword(vec![b]));
                }
                let text = std::str::from_utf8(word).ok();
                if let Some(n) = text.and_then(|t| t.parse::<i64>().ok()) {
                    Some(Token::Int(n))
                } else if text.is_some_and(|t| t.parse::<f64>().is_ok()) {
                    Some(Token::Real)
                } else {
                    Some(Token::Keyword(word.to_vec()))
                }
            }
        }
    }

    /// Reads `N G R` at the current position, or leaves the position unchanged.
    pub(crate) fn reference(&mut self) -> Option<(u32, u16)> {
        let start = self.pos;
        let parsed = match (self.next(), self.next(), self.next()) {
            (Some(Token::Int(n)), Some(Token::Int(g)), Some(Token::Keyword(r))) if r == b"R" => {
                u32::try_from(n).ok().zip(u16::try_from(g).ok())
            }
            _ => None,
        };
        if parsed.is_none() {
            self.pos = start;
        }
        parsed
    }

    /// Skips one complete direct object (a reference counts as one) and returns its span.
    pub(crate) fn skip_value(&mut self) -> Option<Range<usize>> {
        self.skip_space();
        let start = self.pos;
        if self.reference().is_some() {
            return Some(start..self.pos);
        }
        // Open brackets: `true` for a dictionary; each must close with its own kind.
        let mut open: Vec<bool> = Vec::new();
        loop {
            match self.next()? {
                Token::DictOpen => open.push(true),
                Token::ArrayOpen => open.push(false),
                Token::DictClose => open.pop()?.then_some(())?,
                Token::ArrayClose => (!open.pop()?).then_some(())?,
                _ => {}
            }
            if open.len() > MAX_DEPTH {
                return None;
            }
            if open.is_empty() {
                return Some(start..self.pos);
            }
        }
    }
}

/// The position after the white space and comments (§7.2.3, §7.2.4) at `pos` of `data`.
pub(crate) fn skip_space(data: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = data.get(pos) {
        if is_white(b) {
            pos += 1;
        } else if b == b'%' {
            while data.get(pos).is_some_and(|b| *b != b'\n' && *b != b'\r') {
                pos += 1;
            }
        } else {
            break;
        }
    }
    pos
}

/// A name's bytes with `#xx` escapes decoded (ISO 32000-2 §7.3.5): `/Acro#46orm` is `/AcroForm`.
pub(crate) fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            raw[i],
            raw.get(i + 1).and_then(|b| hex(*b)),
            raw.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'#', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// What kind of value a dictionary entry holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Ref(u32, u16),
    Int(i64),
    Name(Vec<u8>),
    Array,
    Dict,
    Other,
}

/// One top-level entry of a dictionary.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: Vec<u8>,
    pub(crate) span: Range<usize>,
    pub(crate) value: Value,
}

/// A dictionary's top-level entries, and where its closing `>>` starts.
#[derive(Debug, Clone)]
pub(crate) struct Dict {
    pub(crate) entries: Vec<Entry>,
    pub(crate) close: usize,
}

impl Dict {
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }

    /// A key that occurs twice: readers disagree on which value counts (lopdf and qpdf take
    /// the last, pyHanko the first), so such a dictionary must not be edited.
    pub(crate) fn repeated_key(&self) -> Option<&[u8]> {
        self.entries
            .iter()
            .enumerate()
            .find(|(i, e)| self.entries[..*i].iter().any(|f| f.key == e.key))
            .map(|(_, e)| e.key.as_slice())
    }
}

/// Parses the dictionary starting at `at` (after optional white space).
pub(crate) fn parse_dict(data: &[u8], at: usize) -> Option<Dict> {
    let mut lex = Lexer::new(data, at);
    if lex.next()? != Token::DictOpen {
        return None;
    }
    let mut entries = Vec::new();
    loop {
        lex.skip_space();
        let key_at = lex.pos;
        match lex.next()? {
            Token::DictClose => {
                return Some(Dict {
                    entries,
                    close: lex.pos - 2,
                });
            }
            Token::Name(key) => {
                lex.skip_space();
                let start = lex.pos;
                let value = if let Some((n, g)) = lex.reference() {
                    Value::Ref(n, g)
                } else {
                    let mut probe = Lexer::new(data, start);
                    let first = probe.next()?;
                    lex.skip_value()?;
                    match first {
                        Token::Int(n) if lex.pos == probe.pos => Value::Int(n),
                        Token::Name(n) => Value::Name(n),
                        Token::ArrayOpen => Value::Array,
                        Token::DictOpen => Value::Dict,
                        _ => Value::Other,
                    }
                };
                entries.push(Entry {
                    key,
                    span: start..lex.pos,
                    value,
                });
            }
            _ => {
                let _ = key_at;
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_with_their_spans() {
        let text = b"<< /Type /Page /Annots 12 0 R /MediaBox [0 0 595.32001 841.91998] /Res << /F 1 0 R >> /N 7 /S (a\\)b) >>";
        let d = parse_dict(text, 0).expect("dict");
        assert_eq!(
            d.get(b"Annots").map(|e| e.value.clone()),
            Some(Value::Ref(12, 0))
        );
        assert_eq!(
            d.get(b"Type").map(|e| e.value.clone()),
            Some(Value::Name(b"Page".to_vec()))
        );
        let mb = d.get(b"MediaBox").expect("mediabox");
        assert_eq!(&text[mb.span.clone()], b"[0 0 595.32001 841.91998]");
        assert_eq!(d.get(b"N").map(|e| e.value.clone()), Some(Value::Int(7)));
        assert_eq!(d.get(b"Res").map(|e| e.value.clone()), Some(Value::Dict));
        assert_eq!(&text[d.close..], b">>");
    }

    #[test]
    fn refuses_unbalanced_and_too_deep_input() {
        assert!(parse_dict(b"<< /A [1 2 >>", 0).is_none());
        let deep = format!("<< /A {}{} >>", "[".repeat(300), "]".repeat(300));
        assert!(parse_dict(deep.as_bytes(), 0).is_none());
        let fine = format!("<< /A {}{} >>", "[".repeat(100), "]".repeat(100));
        assert!(parse_dict(fine.as_bytes(), 0).is_some());
    }

    #[test]
    fn names_are_compared_decoded_and_repeated_keys_are_found() {
        let d = parse_dict(b"<< /Acro#46orm 5 0 R /A 1 /A 2 >>", 0).expect("dict");
        assert_eq!(
            d.get(b"AcroForm").map(|e| e.value.clone()),
            Some(Value::Ref(5, 0))
        );
        assert_eq!(d.repeated_key(), Some(&b"A"[..]));
        assert_eq!(
            decode_name(b"A#2"),
            b"A#2",
            "an incomplete escape stays as it is"
        );
    }
}
