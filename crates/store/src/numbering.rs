//! Nomor surat: official document numbers, allocated inside the signing transaction.
//!
//! Numbers run per agency, per classification code and per calendar year (in WIB), from 1,
//! without gaps: the counter is incremented in the same transaction that records the
//! signature, after the compare-and-set that makes SQLite take its write lock, so concurrent
//! signers queue, and a signature that fails rolls its number back with it.

use diesel::prelude::*;
use std::borrow::Cow;

use sahih_workflow::{AgencyId, DocumentId, Event, NumberParts, Numbering, Transition, UserId};
use time::OffsetDateTime;
use time::macros::offset;

use crate::documents::{claim, record_change};
use crate::schema::{document_numbers, documents};
use crate::{Change, DbConnection, Store, StoreError, TxBlobs, now};

/// What a signature needs to be numbered: the service's numbering, the codes the number may
/// show, and the signing time's calendar year and month in WIB (UTC+7), which pick the
/// counter (year) and fill `{year}`, `{month}` and `{month_roman}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberRequest {
    /// The service's classification code and number format.
    pub numbering: Numbering,
    /// The agency's code, e.g. `DPMPTSP` (for `{agency}`).
    pub agency_code: String,
    /// The service's code (for `{service}`).
    pub service_code: String,
    /// Calendar year of the signing time in WIB.
    pub year: i32,
    /// Month (1..=12) of the signing time in WIB.
    pub month: u8,
}

impl NumberRequest {
    /// A request for a signature at `unix_seconds` (UTC), whose year and month are taken in WIB
    /// (UTC+7): 2026-12-31 17:00 UTC is already 2027-01-01 in WIB, and numbered in 2027. Times
    /// outside 1970..=9999 are clamped into that range.
    pub fn at(
        numbering: Numbering,
        agency_code: impl Into<String>,
        service_code: impl Into<String>,
        unix_seconds: i64,
    ) -> NumberRequest {
        // The last second whose WIB date is still in the year 9999.
        const LAST: i64 = 253_402_300_799 - 7 * 3600;
        let wib = OffsetDateTime::from_unix_timestamp(unix_seconds.clamp(0, LAST))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(offset!(+7));
        NumberRequest {
            numbering,
            agency_code: agency_code.into(),
            service_code: service_code.into(),
            year: wib.year(),
            month: u8::from(wib.month()),
        }
    }
}

/// The number a document received when it was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatedNumber {
    /// Sequence number within (agency, classification, year), from 1.
    pub seq: u64,
    /// The rendered number, e.g. `503/0012/DPMPTSP/XI/2026`.
    pub number: String,
    /// The counter's year (WIB).
    pub year: i32,
    /// The classification code.
    pub classification: String,
}

/// Gives `document` of `agency` the next number of (agency, classification, year) inside the
/// caller's transaction, which must already hold the write lock: increments the counter (or
/// starts it at 1) and records the number.
///
/// Errors: [`StoreError::Conflict`] if the document already has a number; [`StoreError::Db`]
/// (a unique violation) if the rendered text was already given to another document of the
/// agency, which a format with `{classification}` and `{year}` prevents unless its literal text
/// makes two numbers read alike.
pub(crate) fn allocate(
    c: &mut DbConnection,
    document: DocumentId,
    agency: AgencyId,
    request: &NumberRequest,
    at: i64,
) -> Result<AllocatedNumber, StoreError> {
    if let Some(number) = number_of(c, document)? {
        return Err(StoreError::Conflict {
            actual: format!("already numbered {number}"),
        });
    }
    let classification = &request.numbering.classification;
    let seq = crate::dialect::bump_counter(c, agency.0, classification, request.year)?;
    let seq_u64 =
        u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("number counter at {seq}")))?;
    let number = request.numbering.format.render(&NumberParts {
        classification: classification.clone(),
        seq: seq_u64,
        agency: request.agency_code.clone(),
        service: request.service_code.clone(),
        month: request.month,
        year: request.year,
    });
    // Another service of the agency, with its own counter, may render the same text (formats
    // are checked to make that unlikely, not impossible): refuse by name, take nothing.
    let taken = document_numbers::table
        .filter(document_numbers::agency_id.eq(agency.0))
        .filter(document_numbers::number.eq(&number))
        .count()
        .get_result::<i64>(c)?;
    if taken > 0 {
        return Err(StoreError::NumberTaken { number });
    }
    diesel::insert_into(document_numbers::table)
        .values((
            document_numbers::document_id.eq(document.0),
            document_numbers::agency_id.eq(agency.0),
            document_numbers::classification.eq(classification),
            document_numbers::year.eq(request.year),
            document_numbers::seq.eq(seq),
            document_numbers::number.eq(&number),
            document_numbers::allocated_at.eq(at),
        ))
        .execute(c)?;
    Ok(AllocatedNumber {
        seq: seq_u64,
        number,
        year: request.year,
        classification: classification.clone(),
    })
}

fn number_of(c: &mut DbConnection, document: DocumentId) -> Result<Option<String>, StoreError> {
    Ok(document_numbers::table
        .find(document.0)
        .select(document_numbers::number)
        .first::<String>(c)
        .optional()?)
}

/// `t` with [`Event::Numbered`] recorded just before [`Event::Signed`] (at the end if there is
/// none), when a number was given and `t` does not already say so.
fn with_numbered_event<'t>(
    t: &'t Transition,
    number: Option<&AllocatedNumber>,
) -> Cow<'t, Transition> {
    let Some(number) = number else {
        return Cow::Borrowed(t);
    };
    if t.events.iter().any(|e| matches!(e, Event::Numbered { .. })) {
        return Cow::Borrowed(t);
    }
    let mut t = t.clone();
    let at = t
        .events
        .iter()
        .position(|e| matches!(e, Event::Signed))
        .unwrap_or(t.events.len());
    t.events.insert(
        at,
        Event::Numbered {
            number: number.number.clone(),
        },
    );
    Cow::Owned(t)
}

/// Why the signing transaction stopped: the store, or the caller's `sign`.
enum Failure<E> {
    Store(StoreError),
    Sign(E),
}

impl<E> From<StoreError> for Failure<E> {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

impl<E> From<diesel::result::Error> for Failure<E> {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Store(StoreError::Db(e))
    }
}

impl Store {
    /// Signs document `id` by `actor` in ONE transaction, numbering it when `numbering` is
    /// given: (1) the compare-and-set of [`Store::apply_transition`] (the document must still
    /// be in `transition.from` at attachment version `version`), which takes SQLite's write
    /// lock so concurrent signers queue; (2) the next number of (agency, classification,
    /// year); (3) `sign`, given that number, which builds the signed PDF (with the number in
    /// it), stores it with the [`TxBlobs`] it is given (inside this transaction: never with
    /// [`Store::blobs`], whose pool connections may all be held by other signers queued behind
    /// this transaction's lock on the counter) and returns its [`Change`] (blob key,
    /// verification code); (4) what
    /// `apply_transition` records: the signed PDF's key and code, the events and their pending
    /// log leaves, with [`Event::Numbered`] recorded just before [`Event::Signed`] when a
    /// number was given. If `sign` or anything else fails, all of it is rolled back: no number is
    /// used up, and the next signature gets the same one. `sign` runs while the write lock is
    /// held, so it should not wait on the network for long.
    ///
    /// Returns the number given, if `numbering` was.
    ///
    /// Errors: `sign`'s error as it is; [`StoreError::Conflict`] (`E_CONFLICT`) if the document
    /// changed meanwhile (e.g. it is already signed: a document never gets two numbers),
    /// [`StoreError::NotFound`], [`StoreError::Db`], converted with `E::from`.
    pub fn apply_signature<E, F>(
        &self,
        id: DocumentId,
        actor: UserId,
        transition: &Transition,
        version: i64,
        numbering: Option<NumberRequest>,
        sign: F,
    ) -> Result<Option<AllocatedNumber>, E>
    where
        E: From<StoreError>,
        F: FnOnce(Option<&AllocatedNumber>, &mut TxBlobs<'_>) -> Result<Change, E>,
    {
        let at = now();
        let mut conn = self.conn().map_err(E::from)?;
        let result = conn.transaction::<_, Failure<E>, _>(|c| {
            claim(c, id, transition, version, at)?;
            let number = match &numbering {
                Some(request) => {
                    let agency = documents::table
                        .find(id.0)
                        .select(documents::agency_id)
                        .first::<i64>(c)?;
                    Some(allocate(c, id, AgencyId(agency), request, at)?)
                }
                None => None,
            };
            let change =
                sign(number.as_ref(), &mut TxBlobs::new(&self.blobs, c)).map_err(Failure::Sign)?;
            let recorded = with_numbered_event(transition, number.as_ref());
            record_change(c, id, actor, &recorded, version, &change, at)?;
            Ok(number)
        });
        match result {
            Ok(number) => {
                self.log_signal.notify();
                Ok(number)
            }
            Err(Failure::Store(e)) => Err(E::from(e)),
            Err(Failure::Sign(e)) => Err(e),
        }
    }

    /// The number (nomor surat) document `id` received when it was signed, if any.
    pub fn document_number(&self, id: DocumentId) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn()?;
        number_of(&mut conn, id)
    }
}

#[cfg(test)]
mod tests {
    use sahih_workflow::{DocumentState, NumberFormat};

    use super::*;

    fn numbering() -> Numbering {
        Numbering::new("503", NumberFormat::default()).expect("valid")
    }

    #[test]
    fn the_year_and_month_are_those_of_wib() {
        // 2026-12-31 16:59:59 UTC is 23:59:59 WIB; one second later it is 2027 in WIB.
        let before = NumberRequest::at(numbering(), "DPMPTSP", "sku", 1_798_736_399);
        assert_eq!((before.year, before.month), (2026, 12));
        let after = NumberRequest::at(numbering(), "DPMPTSP", "sku", 1_798_736_400);
        assert_eq!((after.year, after.month), (2027, 1));
        assert_eq!(
            (after.agency_code.as_str(), after.service_code.as_str()),
            ("DPMPTSP", "sku")
        );
    }

    #[test]
    fn impossible_times_are_clamped_not_a_panic() {
        assert_eq!(
            NumberRequest::at(numbering(), "A", "s", i64::MIN).year,
            1970
        );
        let last = NumberRequest::at(numbering(), "A", "s", i64::MAX);
        assert_eq!((last.year, last.month), (9999, 12));
    }

    #[test]
    fn the_numbered_event_comes_just_before_the_signature() {
        let sign = Transition {
            from: DocumentState::Approved,
            to: DocumentState::Signed,
            events: vec![Event::Signed],
        };
        let number = AllocatedNumber {
            seq: 1,
            number: "503/0001/DPMPTSP/XI/2026".into(),
            year: 2026,
            classification: "503".into(),
        };
        let numbered = Event::Numbered {
            number: number.number.clone(),
        };
        let recorded = with_numbered_event(&sign, Some(&number));
        assert_eq!(recorded.events, vec![numbered.clone(), Event::Signed]);
        assert_eq!(with_numbered_event(&sign, None).events, vec![Event::Signed]);
        // Said once only, even if the caller already said it.
        assert_eq!(
            with_numbered_event(&recorded, Some(&number)).events,
            recorded.events
        );
    }
}
