//! Where a PDF's bytes come from: a slice already in memory, or a file read piece by piece, so
//! that signing and validation hold only the parts they parse (issue 9: a 100 MB file is
//! hashed by streaming, never loaded whole).

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

/// Random access to the bytes of one file. Implementations are cheap to read from several
/// threads at once.
pub trait Source: Sync {
    /// Length in bytes.
    fn len(&self) -> usize;

    /// Whether the source holds no byte.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset..offset + buf.len()`.
    ///
    /// Errors: [`io::ErrorKind::UnexpectedEof`] when the range passes the end; the reader's
    /// own I/O errors.
    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()>;

    /// The whole source, when it is in memory already (no copy is made then).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

impl Source for &[u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()> {
        let end = offset
            .checked_add(buf.len())
            .filter(|e| *e <= <[u8]>::len(self));
        let Some(end) = end else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        buf.copy_from_slice(&self[offset..end]);
        Ok(())
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl Source for Vec<u8> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// Size of the blocks [`FileSource`] keeps, bytes.
const BLOCK: usize = 64 * 1024;
/// Blocks kept (4 MiB): the small reads of parsing cluster around the cross-reference data
/// and the objects an update touches.
const BLOCKS_KEPT: usize = 64;

/// A file read with positioned reads (`pread`), with a small cache of 64 KiB blocks for the
/// many small reads of parsing. Reads of a block or more go straight to the file.
pub struct FileSource {
    file: File,
    len: usize,
    cache: Mutex<BlockCache>,
}

#[derive(Default)]
struct BlockCache {
    blocks: HashMap<usize, Vec<u8>>,
    order: VecDeque<usize>,
}

impl FileSource {
    /// Opens `file`, whose length is read once: the file must not change while it is read.
    ///
    /// Errors: the file's metadata cannot be read, or it is larger than `usize`.
    pub fn new(file: File) -> io::Result<FileSource> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file too large"))?;
        Ok(FileSource {
            file,
            len,
            cache: Mutex::new(BlockCache::default()),
        })
    }

    /// Copies `out.len()` bytes from offset `from` of block `index` into `out`, reading the
    /// block into the cache first if needed.
    fn copy_from_block(&self, index: usize, from: usize, out: &mut [u8]) -> io::Result<()> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.blocks.contains_key(&index) {
            let start = index * BLOCK;
            let mut data = vec![0; BLOCK.min(self.len - start)];
            self.file.read_exact_at(&mut data, start as u64)?;
            if cache.order.len() >= BLOCKS_KEPT
                && let Some(old) = cache.order.pop_front()
            {
                cache.blocks.remove(&old);
            }
            cache.order.push_back(index);
            cache.blocks.insert(index, data);
        }
        let block = cache
            .blocks
            .get(&index)
            .ok_or_else(|| io::Error::other("block cache lost a block"))?;
        let bytes = block
            .get(from..from + out.len())
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        out.copy_from_slice(bytes);
        Ok(())
    }
}

impl Source for FileSource {
    fn len(&self) -> usize {
        self.len
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()> {
        let end = offset.checked_add(buf.len()).filter(|e| *e <= self.len);
        let Some(end) = end else {
            return Err(io::ErrorKind::UnexpectedEof.into());
        };
        if buf.len() >= BLOCK {
            return self.file.read_exact_at(buf, offset as u64);
        }
        let mut at = offset;
        while at < end {
            let from = at % BLOCK;
            let take = (end - at).min(BLOCK - from);
            self.copy_from_block(at / BLOCK, from, &mut buf[at - offset..at - offset + take])?;
            at += take;
        }
        Ok(())
    }
}

/// The first `len` bytes of another source: one revision of a file (ISO 32000-2 §7.5.6).
pub struct Prefix<'a> {
    inner: &'a dyn Source,
    len: usize,
}

impl<'a> Prefix<'a> {
    /// The first `len` bytes of `inner` (all of it when `len` is larger).
    pub fn new(inner: &'a dyn Source, len: usize) -> Prefix<'a> {
        Prefix {
            inner,
            len: len.min(inner.len()),
        }
    }
}

impl Source for Prefix<'_> {
    fn len(&self) -> usize {
        self.len
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: usize) -> io::Result<()> {
        if offset.checked_add(buf.len()).is_none_or(|e| e > self.len) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.inner.read_exact_at(buf, offset)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        self.inner.as_slice().map(|s| &s[..self.len])
    }
}

/// Up to `len` bytes at `offset` (fewer at the end of the source; empty past it). Borrowed
/// from an in-memory source; read into a buffer otherwise.
///
/// Errors: the source's I/O errors.
pub(crate) fn window(src: &dyn Source, offset: usize, len: usize) -> io::Result<Cow<'_, [u8]>> {
    let start = offset.min(src.len());
    let end = start.saturating_add(len).min(src.len());
    if let Some(all) = src.as_slice() {
        return Ok(Cow::Borrowed(&all[start..end]));
    }
    let mut buf = vec![0; end - start];
    src.read_exact_at(&mut buf, start)?;
    Ok(Cow::Owned(buf))
}

/// First window size tried by [`parse_at`], bytes.
const FIRST_WINDOW: usize = 4096;

/// Runs `parse` on a window of the source starting at `offset` (its argument: the window,
/// whose index 0 is `offset`), growing the window ×16 while `parse` returns `None` and the
/// window has not reached `max` bytes or the end of the source. For reading one object or
/// dictionary whose length is not known beforehand.
///
/// Errors: the source's I/O errors. `Ok(None)` when `parse` fails on the largest window.
pub(crate) fn parse_at<T>(
    src: &dyn Source,
    offset: usize,
    max: usize,
    mut parse: impl FnMut(&[u8]) -> Option<T>,
) -> io::Result<Option<T>> {
    if let Some(all) = src.as_slice() {
        let end = offset.saturating_add(max).min(all.len());
        return Ok(parse(all.get(offset..end).unwrap_or_default()));
    }
    let mut len = FIRST_WINDOW.min(max);
    loop {
        let w = window(src, offset, len)?;
        if let Some(t) = parse(&w) {
            return Ok(Some(t));
        }
        if len >= max || offset.saturating_add(len) >= src.len() {
            return Ok(None);
        }
        len = len.saturating_mul(16).min(max);
    }
}

/// Chunk size for streaming reads, bytes.
pub(crate) const CHUNK: usize = 1024 * 1024;

/// Feeds the bytes of `range` to `each`, in chunks of at most [`CHUNK`] bytes, in order.
///
/// Errors: the source's I/O errors (the range is clamped to the source's end).
pub(crate) fn for_each_chunk(
    src: &dyn Source,
    range: std::ops::Range<usize>,
    mut each: impl FnMut(&[u8]),
) -> io::Result<()> {
    let end = range.end.min(src.len());
    if let Some(all) = src.as_slice() {
        if range.start < end {
            each(&all[range.start..end]);
        }
        return Ok(());
    }
    let mut buf = vec![0; CHUNK.min(end.saturating_sub(range.start))];
    let mut at = range.start;
    while at < end {
        let take = (end - at).min(CHUNK);
        src.read_exact_at(&mut buf[..take], at)?;
        each(&buf[..take]);
        at += take;
    }
    Ok(())
}

/// SHA-256 (FIPS 180-4) of the bytes of `range` of `src`, streaming: e.g. of a whole input, the
/// document hash of a visible signature's QR statement.
///
/// Errors: the source's I/O errors.
pub fn sha256(src: &dyn Source, range: std::ops::Range<usize>) -> io::Result<[u8; 32]> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for_each_chunk(src, range, |chunk| hasher.update(chunk))?;
    Ok(hasher.finalize().into())
}

/// Offsets of every occurrence of each of `needles` in the source, found in one streaming pass
/// (occurrences that straddle two chunks included); one list per needle, ascending.
///
/// Errors: the source's I/O errors.
pub(crate) fn find_all(src: &dyn Source, needles: &[&[u8]]) -> io::Result<Vec<Vec<usize>>> {
    let finders: Vec<memchr::memmem::Finder<'_>> =
        needles.iter().map(memchr::memmem::Finder::new).collect();
    let overlap = needles.iter().map(|n| n.len()).max().unwrap_or(1) - 1;
    let mut found = vec![Vec::new(); needles.len()];
    if let Some(all) = src.as_slice() {
        for (f, out) in finders.iter().zip(&mut found) {
            out.extend(f.find_iter(all));
        }
        return Ok(found);
    }
    let len = src.len();
    let mut at = 0;
    let mut buf = vec![0; (CHUNK + overlap).min(len)];
    while at < len {
        let take = (len - at).min(CHUNK + overlap);
        src.read_exact_at(&mut buf[..take], at)?;
        for ((f, n), out) in finders.iter().zip(needles).zip(&mut found) {
            // A match starting in the overlap is found again by the next chunk.
            let limit = if at + take < len { CHUNK } else { take };
            out.extend(
                f.find_iter(&buf[..take])
                    .filter(|p| *p < limit && p + n.len() <= take)
                    .map(|p| p + at),
            );
        }
        if at + take >= len {
            break;
        }
        at += CHUNK;
    }
    Ok(found)
}

/// The offset of the first occurrence of `needle` at or after `from`, read in chunks.
///
/// Errors: the source's I/O errors.
pub(crate) fn find_from(src: &dyn Source, from: usize, needle: &[u8]) -> io::Result<Option<usize>> {
    let finder = memchr::memmem::Finder::new(needle);
    if let Some(all) = src.as_slice() {
        return Ok(all
            .get(from..)
            .and_then(|rest| finder.find(rest))
            .map(|p| p + from));
    }
    let overlap = needle.len().saturating_sub(1);
    let mut at = from;
    let mut len = 64 * 1024;
    while at < src.len() {
        let w = window(src, at, len + overlap)?;
        if let Some(p) = finder.find(&w) {
            return Ok(Some(at + p));
        }
        at += len;
        len = (len * 4).min(CHUNK);
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> FileSource {
        let mut f = tempfile::tempfile().expect("temp file");
        f.write_all(bytes).expect("write");
        FileSource::new(f).expect("open")
    }

    #[test]
    fn a_file_reads_like_the_slice_it_holds_across_blocks() {
        let bytes: Vec<u8> = (0..(3 * BLOCK + 123))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let file = file_with(&bytes);
        for (at, n) in [
            (0, 10),
            (BLOCK - 3, 9),
            (2 * BLOCK - 1, BLOCK + 2),
            (3 * BLOCK, 123),
        ] {
            let mut buf = vec![0; n];
            file.read_exact_at(&mut buf, at).expect("read");
            assert_eq!(buf, &bytes[at..at + n], "at {at}");
        }
        let mut past = [0; 2];
        assert!(file.read_exact_at(&mut past, bytes.len() - 1).is_err());
    }

    #[test]
    fn needles_across_chunk_boundaries_are_found_once() {
        let mut bytes = vec![b'.'; 2 * CHUNK + 50];
        for at in [0, CHUNK - 2, CHUNK + 7, 2 * CHUNK + 45] {
            bytes[at..at + 5].copy_from_slice(b"%%EOF");
        }
        let file = file_with(&bytes);
        let from_file = find_all(&file, &[b"%%EOF", b"nothing"]).expect("scan");
        let from_slice = find_all(&bytes.as_slice(), &[b"%%EOF", b"nothing"]).expect("scan");
        assert_eq!(from_file, from_slice);
        assert_eq!(from_file[0], vec![0, CHUNK - 2, CHUNK + 7, 2 * CHUNK + 45]);
        assert!(from_file[1].is_empty());
    }

    #[test]
    fn windows_grow_until_the_parse_succeeds() {
        let mut bytes = vec![b'x'; 20_000];
        bytes.extend_from_slice(b"END");
        let file = file_with(&bytes);
        let found = parse_at(&file, 0, 1 << 20, |w| memchr::memmem::find(w, b"END")).expect("read");
        assert_eq!(found, Some(20_000));
        let capped = parse_at(&file, 0, 8000, |w| memchr::memmem::find(w, b"END")).expect("read");
        assert_eq!(capped, None);
    }
}
