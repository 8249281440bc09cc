//! What the re-timestamping job of long-term validity (ETSI EN 319 142-1 §5.5) knows of the
//! signed PDFs: per document, the signed file last read and when the certificate of its last
//! timestamp expires; and the swap of a document's signed file for its re-timestamped one.

use diesel::prelude::*;
use sahih_workflow::DocumentId;

use crate::schema::{archive_timestamps, documents};
use crate::{Store, StoreError, now};

/// A signed document as the re-timestamping job sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveState {
    /// The document.
    pub document: DocumentId,
    /// Its current signed file (blob key, SHA-256 hex).
    pub sha256: String,
    /// What the job recorded for that file: `None` when never read; `Some(None)` when it has no
    /// timestamp; `Some(Some(t))` when its last timestamp's TSA certificate expires at `t`
    /// (Unix seconds).
    pub tsa_not_after: Option<Option<i64>>,
}

impl Store {
    /// Every document with a signed file, with what the job recorded for that file.
    ///
    /// Errors: `E_DATABASE`.
    pub fn archive_states(&self) -> Result<Vec<ArchiveState>, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let docs = documents::table
                .filter(documents::signed_sha256.is_not_null())
                .order(documents::id.asc())
                .select((documents::id, documents::signed_sha256))
                .load::<(i64, Option<String>)>(c)?;
            let rows = archive_timestamps::table
                .order(archive_timestamps::id.asc())
                .select((
                    archive_timestamps::document_id,
                    archive_timestamps::sha256,
                    archive_timestamps::tsa_not_after,
                ))
                .load::<(i64, String, Option<i64>)>(c)?;
            let mut known = std::collections::HashMap::new();
            for (doc, sha, not_after) in rows {
                known.insert((doc, sha), not_after);
            }
            Ok(docs
                .into_iter()
                .filter_map(|(id, sha)| {
                    let sha = sha?;
                    let tsa_not_after = known.get(&(id, sha.clone())).copied();
                    Some(ArchiveState {
                        document: DocumentId(id),
                        sha256: sha,
                        tsa_not_after,
                    })
                })
                .collect())
        })
    }

    /// Records that the signed file `sha256` of `document` was read: its last timestamp's TSA
    /// certificate expires at `tsa_not_after` (Unix seconds; `None`: no timestamp).
    ///
    /// Errors: `E_DATABASE`.
    pub fn archive_note(
        &self,
        document: DocumentId,
        sha256: &str,
        tsa_not_after: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::insert_into(archive_timestamps::table)
            .values((
                archive_timestamps::document_id.eq(document.0),
                archive_timestamps::sha256.eq(sha256),
                archive_timestamps::tsa_not_after.eq(tsa_not_after),
                archive_timestamps::at.eq(now()),
            ))
            .execute(&mut conn)?;
        Ok(())
    }

    /// Makes `sha256` (already in the blob store) the signed file of `document` in place of
    /// `previous`, and records it with its TSA certificate's expiry, in one transaction; only
    /// while `previous` is still the document's signed file (compare-and-set).
    ///
    /// Errors: [`StoreError::Conflict`] when the signed file changed meanwhile; `E_DATABASE`.
    pub fn archive_replace(
        &self,
        document: DocumentId,
        previous: &str,
        sha256: &str,
        tsa_not_after: Option<i64>,
    ) -> Result<(), StoreError> {
        let at = now();
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let updated = diesel::update(
                documents::table
                    .find(document.0)
                    .filter(documents::signed_sha256.eq(previous)),
            )
            .set(documents::signed_sha256.eq(sha256))
            .execute(c)?;
            if updated != 1 {
                return Err(StoreError::Conflict {
                    actual: "the signed file changed".into(),
                });
            }
            diesel::insert_into(archive_timestamps::table)
                .values((
                    archive_timestamps::document_id.eq(document.0),
                    archive_timestamps::sha256.eq(sha256),
                    archive_timestamps::previous_sha256.eq(previous),
                    archive_timestamps::tsa_not_after.eq(tsa_not_after),
                    archive_timestamps::at.eq(at),
                ))
                .execute(c)?;
            Ok(())
        })
    }
}
