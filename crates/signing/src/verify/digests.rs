//! Digests of the signed byte ranges and of the whole file, computed by streaming the file once
//! (issue 9). Every ByteRange `[0 a b c]` starts at byte 0, so all of them, and the file's own
//! SHA-256, share the prefix up to the smallest `a`; one hasher reads the file from the start,
//! and each signature's hasher is a copy of it taken at its `a`, which then reads only its second
//! range. A file whose signatures all cover its first, large revision is hashed once, not once
//! per signature.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;

use sha2::Digest;

use super::crypto::Hash;
use crate::source::{Source, for_each_chunk, window};

/// A ByteRange `[0 a b c]` as `(a, b, c)`, bytes, already checked to lie within the file.
pub(crate) type Ranges = (usize, usize, usize);

/// A running digest of one of the [`Hash`] algorithms.
#[derive(Clone)]
enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(hash: Hash) -> Hasher {
        match hash {
            Hash::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Hash::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Hash::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Hash::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(bytes),
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha384(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// Digests over one file: computed together up front for the ranges known beforehand, and on
/// demand (one streaming pass each) for any other.
pub(crate) struct Digests<'s> {
    src: &'s dyn Source,
    memo: RefCell<HashMap<(Hash, Ranges), Vec<u8>>>,
    file_sha256: RefCell<Option<Vec<u8>>>,
    /// The first read error of an on-demand digest (the validation is then unusable).
    failed: RefCell<Option<io::Error>>,
}

impl<'s> Digests<'s> {
    /// Hashes, in one pass over `src`, the file with SHA-256 and each of `ranges` with `hash`
    /// (with SHA-256 too when `hash` is another algorithm: both are then computed).
    ///
    /// Errors: the source's I/O errors.
    pub(crate) fn precompute(
        src: &'s dyn Source,
        hash: Hash,
        ranges: &[Ranges],
    ) -> io::Result<Digests<'s>> {
        let digests = Digests {
            src,
            memo: RefCell::new(HashMap::new()),
            file_sha256: RefCell::new(None),
            failed: RefCell::new(None),
        };
        let mut plan: Vec<Ranges> = ranges.to_vec();
        plan.sort_unstable();
        plan.dedup();
        let (whole, found) = shared_pass(src, hash, &plan)?;
        let mut memo = digests.memo.borrow_mut();
        for (r, d) in plan.iter().zip(found) {
            memo.insert((hash, *r), d);
        }
        drop(memo);
        if hash == Hash::Sha256 {
            *digests.file_sha256.borrow_mut() = Some(whole);
        }
        Ok(digests)
    }

    /// The digest with `hash` of the bytes `[0, a) ++ [b, b + c)`.
    ///
    /// Errors: the source's I/O errors.
    pub(crate) fn ranges(&self, hash: Hash, r: Ranges) -> io::Result<Vec<u8>> {
        if let Some(d) = self.memo.borrow().get(&(hash, r)) {
            return Ok(d.clone());
        }
        let found = range_pass(self.src, hash, r)?;
        self.memo.borrow_mut().insert((hash, r), found.clone());
        Ok(found)
    }

    /// The bytes `[0, a) ++ [b, b + c)` themselves (for a signature without signed
    /// attributes, whose value covers the content itself: rare, legacy).
    ///
    /// Errors: the source's I/O errors.
    pub(crate) fn range_bytes(&self, (a, b, c): Ranges) -> io::Result<Vec<u8>> {
        let mut out = window(self.src, 0, a)?.into_owned();
        out.extend_from_slice(&window(self.src, b, c)?);
        Ok(out)
    }

    /// SHA-256 of the whole file.
    ///
    /// Errors: the source's I/O errors.
    pub(crate) fn file_sha256(&self) -> io::Result<Vec<u8>> {
        if let Some(d) = self.file_sha256.borrow().as_ref() {
            return Ok(d.clone());
        }
        let mut h = Hasher::new(Hash::Sha256);
        for_each_chunk(self.src, 0..self.src.len(), |c| h.update(c))?;
        let d = h.finalize();
        *self.file_sha256.borrow_mut() = Some(d.clone());
        Ok(d)
    }
}

/// What a signature's value or digest covers: bytes in memory (an encapsulated content, a
/// signature value for a timestamp), or ByteRange segments of the file.
pub(crate) enum Content<'a> {
    Bytes(&'a [&'a [u8]]),
    Ranges(&'a Digests<'a>, Ranges),
}

impl Content<'_> {
    /// The digest with `hash`. A read error is kept in the [`Digests`] (see
    /// [`Digests::take_error`]) and yields an empty digest, which matches nothing.
    pub(crate) fn digest(&self, hash: Hash) -> Vec<u8> {
        match self {
            Content::Bytes(parts) => hash.digest(parts),
            Content::Ranges(d, r) => d.ranges(hash, *r).unwrap_or_else(|e| d.keep(e)),
        }
    }

    /// The bytes themselves (read error: as for [`Content::digest`]).
    pub(crate) fn concat(&self) -> Vec<u8> {
        match self {
            Content::Bytes(parts) => parts.concat(),
            Content::Ranges(d, r) => d.range_bytes(*r).unwrap_or_else(|e| d.keep(e)),
        }
    }
}

impl Digests<'_> {
    fn keep(&self, e: io::Error) -> Vec<u8> {
        self.failed.borrow_mut().get_or_insert(e);
        Vec::new()
    }

    /// The first read error met while computing a digest on demand.
    pub(crate) fn take_error(&self) -> Option<io::Error> {
        self.failed.borrow_mut().take()
    }
}

/// One range's digest, read on its own.
fn range_pass(src: &dyn Source, hash: Hash, (a, b, c): Ranges) -> io::Result<Vec<u8>> {
    let mut h = Hasher::new(hash);
    for_each_chunk(src, 0..a, |chunk| h.update(chunk))?;
    for_each_chunk(src, b..b + c, |chunk| h.update(chunk))?;
    Ok(h.finalize())
}

/// Streams `src` once: returns the digest of the whole file and of each of `plan` (sorted by
/// `a`), all with `hash`.
fn shared_pass(
    src: &dyn Source,
    hash: Hash,
    plan: &[Ranges],
) -> io::Result<(Vec<u8>, Vec<Vec<u8>>)> {
    let mut prefix = Hasher::new(hash);
    let mut taken: Vec<Option<Hasher>> = vec![None; plan.len()];
    let mut next = 0; // the next range whose copy of the prefix is still to be taken
    let mut at = 0;
    for_each_chunk(src, 0..src.len(), |chunk| {
        let end = at + chunk.len();
        let mut fed = at;
        while next < plan.len() && plan[next].0 <= end {
            let a = plan[next].0;
            prefix.update(&chunk[fed - at..a - at]);
            fed = a;
            taken[next] = Some(prefix.clone());
            next += 1;
        }
        prefix.update(&chunk[fed - at..]);
        for ((_, b, c), h) in plan.iter().zip(taken.iter_mut()) {
            let (from, to) = ((*b).max(at), (b + c).min(end));
            if let Some(h) = h
                && from < to
            {
                h.update(&chunk[from - at..to - at]);
            }
        }
        at = end;
    })?;
    let found = taken
        .into_iter()
        .map(|h| h.map(Hasher::finalize).unwrap_or_default())
        .collect();
    Ok((prefix.finalize(), found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::CHUNK;

    #[test]
    fn shared_pass_matches_hashing_each_range_on_its_own() {
        let data: Vec<u8> = (0..(3 * CHUNK + 777)).map(|i| (i % 253) as u8).collect();
        let ranges = [
            (10, 20, 5),
            (CHUNK + 3, 2 * CHUNK, CHUNK + 777),
            (CHUNK + 3, CHUNK + 9, 100),
            (3 * CHUNK, 3 * CHUNK + 10, 767),
        ];
        let src: &[u8] = &data;
        for hash in [Hash::Sha256, Hash::Sha1, Hash::Sha512] {
            let d = Digests::precompute(&src, hash, &ranges).expect("hash");
            for (a, b, c) in ranges {
                let expected = hash.digest(&[&data[..a], &data[b..b + c]]);
                assert_eq!(d.ranges(hash, (a, b, c)).expect("digest"), expected);
            }
            assert_eq!(
                d.file_sha256().expect("digest"),
                Hash::Sha256.digest(&[&data])
            );
        }
    }
}
