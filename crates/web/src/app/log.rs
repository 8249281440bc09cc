//! The transparency log as the application sees it (DESIGN.md decision 5): what the public
//! endpoints serve, the receipts citizens and verifiers download, and the record of each
//! public verification.

use sahih_signing::verify::{Indication, Report, Unusable};
use sahih_store::log::leaf::{Leaf, Verdict, VerificationLeaf, VerificationSource};
use sahih_store::log::receipt::Receipt;
use sahih_store::log::{LogOverview, SEQUENCER_BATCH};
use sahih_store::{User, sha256_hex};
use sahih_tlog::{TilePath, TreeSize, leaf_hash, new_entry_bundles, tiles_for_size};

use super::{App, is_verification_code};
use crate::AppError;

/// One row of the log page: what any visitor may see of an entry.
#[derive(Debug, Clone)]
pub struct LogRow {
    /// The leaf's index.
    pub index: u64,
    /// Its kind (`paraf`, `verification_requested`…), or `?` if the entry does not parse.
    pub kind: String,
    /// Its time, Unix seconds, if it parses.
    pub time: Option<i64>,
    /// `SHA-256(0x00 ‖ entry)`, hex.
    pub leaf_hash: String,
}

/// What the log page shows.
#[derive(Debug, Clone)]
pub struct LogPageData {
    /// The verifier key string (c2sp.org/signed-note) to pin.
    pub verifier_key: String,
    /// The size of the latest checkpoint.
    pub tree_size: u64,
    /// Leaves not yet in a checkpoint.
    pub pending: i64,
    /// The latest signed checkpoint.
    pub checkpoint: String,
    /// One page of entries, newest first.
    pub rows: Vec<LogRow>,
    /// The `dari` of the page of older entries, if there are older ones.
    pub older: Option<u64>,
    /// The `dari` of the page of newer entries, if this is not the newest page.
    pub newer: Option<u64>,
    /// The paths (below `/log/`) of the tree's partial tiles and entry bundle, e.g.
    /// `tile/0/000.p/5`, `tile/entries/000.p/5`: the resources a small log has.
    pub partial_tiles: Vec<String>,
}

/// How many entries the log page lists.
pub const LOG_PAGE_ROWS: i64 = 50;

/// The paths of the partial hash tiles and the partial entry bundle of a tree of `size`
/// leaves (c2sp.org/tlog-tiles, "Partial Tiles").
fn partial_tiles(size: u64) -> Vec<String> {
    let size = TreeSize(size);
    let tiles = tiles_for_size(size).into_iter().filter(|t| t.is_partial());
    let bundles = new_entry_bundles(TreeSize(0), size)
        .into_iter()
        .filter(|b| b.is_partial());
    tiles
        .map(|t| t.path())
        .chain(bundles.map(|b| b.path()))
        .collect()
}

fn verdict(outcome: &Result<Report, Unusable>) -> Verdict {
    match outcome {
        Ok(report) => match report.indication {
            Indication::TotalPassed => Verdict::TotalPassed,
            Indication::Indeterminate => Verdict::Indeterminate,
            Indication::TotalFailed => Verdict::TotalFailed,
        },
        Err(_) => Verdict::Unusable,
    }
}

impl App {
    /// The log's verifier key string, e.g. `sahih.local/log+1a2b3c4d+AR…` (c2sp.org/signed-note).
    pub fn log_verifier_key(&self) -> String {
        self.config.log_key.verifier_key().to_string()
    }

    /// Sequences every pending leaf now, in the calling thread (the background sequencer does
    /// the same within a second; this is for receipts, tests and `sahih demo`).
    ///
    /// Errors: `E_INTERNAL` when the log cannot be sequenced.
    pub fn log_flush(&self) -> Result<(), AppError> {
        self.store
            .log_sequence_all(&self.config.log_key, SEQUENCER_BATCH)?;
        Ok(())
    }

    /// The latest signed checkpoint (signing the empty tree first on a new instance).
    ///
    /// Errors: `E_INTERNAL`.
    pub fn log_checkpoint(&self) -> Result<String, AppError> {
        if let Some(note) = self.store.log_checkpoint()? {
            return Ok(note);
        }
        self.log_flush()?;
        self.store
            .log_checkpoint()?
            .ok_or_else(|| AppError::Internal("the log has no checkpoint".into()))
    }

    /// A c2sp.org/tlog-tiles resource, by its path below `/log/` (`tile/0/x001/234.p/7`,
    /// `tile/entries/000`).
    ///
    /// Errors: `E_NOT_FOUND` for a malformed path or a resource the tree does not reach.
    pub fn log_tile(&self, path: &str) -> Result<(TilePath, Vec<u8>), AppError> {
        let parsed = TilePath::parse(path).map_err(|_| AppError::NotFound)?;
        let data = self.store.log_tile(parsed)?.ok_or(AppError::NotFound)?;
        Ok((parsed, data))
    }

    /// Everything the log page shows.
    ///
    /// Errors: `E_INTERNAL`.
    pub fn log_page(&self, from: Option<u64>) -> Result<LogPageData, AppError> {
        let checkpoint = self.log_checkpoint()?;
        let LogOverview {
            tree_size,
            pending,
            recent,
            ..
        } = self.store.log_overview_from(from, LOG_PAGE_ROWS)?;
        let page = LOG_PAGE_ROWS.unsigned_abs();
        let older = recent.last().and_then(|(i, _)| i.checked_sub(1));
        let newer = recent
            .first()
            .map(|(i, _)| *i)
            .filter(|i| i + 1 < tree_size)
            .map(|i| i.saturating_add(page).min(tree_size - 1));
        let partial_tiles = partial_tiles(tree_size);
        let rows = recent
            .into_iter()
            .map(|(index, entry)| {
                let parsed = Leaf::parse(&entry).ok();
                LogRow {
                    index,
                    kind: parsed
                        .as_ref()
                        .map_or_else(|| "?".into(), |l| l.kind().as_str().into()),
                    time: parsed.as_ref().map(Leaf::time),
                    leaf_hash: leaf_hash(&entry).to_string(),
                }
            })
            .collect();
        Ok(LogPageData {
            verifier_key: self.log_verifier_key(),
            tree_size,
            pending,
            checkpoint,
            rows,
            older,
            newer,
            partial_tiles,
        })
    }

    /// The receipt of the document `public_id` for its applicant: every event of the document
    /// with its inclusion proof against the latest checkpoint (sequencing what is pending
    /// first, so the receipt is complete).
    ///
    /// Errors: those of [`App::document_for`]; `E_NOT_FOUND` for anyone but the applicant.
    pub fn receipt_for(&self, user: &User, public_id: &str) -> Result<Receipt, AppError> {
        let doc = self.document_for(user, public_id)?;
        if doc.applicant_id != user.id {
            return Err(AppError::NotFound);
        }
        self.log_flush()?;
        Ok(self.store.log_receipt(doc.id)?)
    }

    /// The receipt of the signed document with verification code `code`, for anyone who has
    /// the code (the `/v/{code}` page).
    ///
    /// Errors: `E_NOT_FOUND` for a code that is malformed or names no signed document.
    pub fn receipt_by_code(&self, code: &str) -> Result<Receipt, AppError> {
        if !is_verification_code(code) {
            return Err(AppError::NotFound);
        }
        let doc = self
            .store
            .document_by_verification_code(code)?
            .ok_or(AppError::NotFound)?;
        self.log_flush()?;
        Ok(self.store.log_receipt(doc.id)?)
    }

    /// Records a verification the public page or the API answered: the file's SHA-256 and
    /// the verdict, no requester (docs/transparency-log.md).
    ///
    /// Errors: `E_INTERNAL` when the record cannot be committed (the answer is then withheld:
    /// every verification answered is in the log).
    pub(crate) fn log_verification(
        &self,
        pdf: &[u8],
        outcome: &Result<Report, Unusable>,
        source: VerificationSource,
    ) -> Result<(), AppError> {
        let sha256 = sha256_hex(pdf);
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(&sha256, &mut bytes).map_err(|e| AppError::Internal(e.to_string()))?;
        self.store.log_verification(&VerificationLeaf {
            time: 0,
            sha256: bytes,
            verdict: verdict(outcome),
            source,
        })?;
        Ok(())
    }

    /// Validates `pdf` (as [`App::verify_pdf`]) and records the request in the log: the API's
    /// path.
    ///
    /// Errors: `E_INTERNAL` when the record cannot be committed (the answer is then withheld).
    pub fn verify_logged(
        &self,
        pdf: &[u8],
        source: VerificationSource,
    ) -> Result<Result<Report, Unusable>, AppError> {
        let outcome = self.verify_pdf(pdf);
        self.log_verification(pdf, &outcome, source)?;
        Ok(outcome)
    }
}
