//! Reading `multipart/form-data` (RFC 7578) with limits: text fields up to 64 KiB each, at most
//! 50 of them, each name once, and one file, in field `berkas`, up to the configured limit. A
//! file sent under another field name is read (within the same limit) and set aside, so that
//! the answer is "no file in `berkas`" (`E_UPLOAD_MISSING`) rather than a malformed form.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::TryStreamExt;

use crate::AppError;
use crate::app::Upload;

const MAX_TEXT_FIELD: usize = 64 * 1024;
const MAX_FIELDS: usize = 50;

/// A parsed multipart form.
#[derive(Debug, Default)]
pub struct MultipartForm {
    /// Text fields by name (a repeated name is refused).
    pub fields: HashMap<String, String>,
    /// The file field named `berkas`, if one was sent with content.
    pub file: Option<Upload>,
    /// The names of file fields other than `berkas`, whose content was discarded.
    pub other_files: Vec<String>,
    /// Whether a `berkas` part came with a file name and no content.
    pub empty_file: bool,
}

impl MultipartForm {
    /// The uploaded file, or `E_UPLOAD_MISSING` naming any field a file came in instead.
    pub fn take_file(&mut self) -> Result<Upload, AppError> {
        self.file.take().ok_or_else(|| {
            let mut message = String::from(if self.empty_file {
                "the file in field berkas is empty"
            } else {
                "no file in field berkas"
            });
            if !self.other_files.is_empty() {
                message.push_str(&format!(
                    " (a file came in field {}; send it as berkas)",
                    self.other_files.join(", ")
                ));
            }
            AppError::bad_input("E_UPLOAD_MISSING", message)
        })
    }
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::bad_input("E_BAD_INPUT", format!("malformed multipart form: {e}"))
}

/// Reads the whole form. Errors: `E_UPLOAD_TOO_LARGE` past `file_limit` bytes (in any file
/// field), `E_BAD_INPUT` for malformed bodies, a repeated `berkas`, too many fields or
/// non-UTF-8 text.
///
/// A body that is not received within [`BODY_TIMEOUT`] is refused with `E_UPLOAD_TIMEOUT`
/// (408), so that stalled uploads cannot hold connections and memory.
pub async fn read(payload: Multipart, file_limit: usize) -> Result<MultipartForm, AppError> {
    within_body_timeout(read_all(payload, file_limit)).await
}

/// How long a request body may take to arrive.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs a body read under [`BODY_TIMEOUT`].
pub async fn within_body_timeout<T>(
    read: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    actix_web::rt::time::timeout(BODY_TIMEOUT, read)
        .await
        .unwrap_or(Err(AppError::UploadTimeout))
}

async fn read_all(mut payload: Multipart, file_limit: usize) -> Result<MultipartForm, AppError> {
    let mut form = MultipartForm::default();
    let mut count = 0;
    while let Some(mut field) = payload.try_next().await.map_err(bad)? {
        count += 1;
        if count > MAX_FIELDS {
            return Err(bad("too many fields"));
        }
        let (name, filename) = {
            let cd = field
                .content_disposition()
                .ok_or_else(|| bad("field without a name"))?;
            (
                cd.get_name().unwrap_or_default().to_string(),
                cd.get_filename().map(str::to_string),
            )
        };
        if filename.is_some() && name == "berkas" && form.file.is_some() {
            return Err(bad("repeated file field berkas"));
        }
        let limit = if filename.is_some() {
            file_limit
        } else {
            MAX_TEXT_FIELD
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(bad)? {
            if bytes.len() + chunk.len() > limit {
                return Err(if filename.is_some() {
                    AppError::TooLarge { limit }
                } else {
                    bad(format!("field {name} is too long"))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match filename {
            Some(_) if name != "berkas" => form.other_files.push(name),
            Some(filename) if !bytes.is_empty() => form.file = Some(Upload { filename, bytes }),
            Some(_) => form.empty_file = true,
            // A PDF sent as a text part (curl's `<` for `@`): say so, rather than "not UTF-8".
            None if name == "berkas" => {
                return Err(AppError::bad_input(
                    "E_UPLOAD_MISSING",
                    "berkas came as a text part (no file name): send the PDF as a file part \
                     (curl: -F 'berkas=@file.pdf', with @, not <)",
                ));
            }
            None => {
                let text = String::from_utf8(bytes)
                    .map_err(|_| bad(format!("field {name} is not UTF-8")))?;
                if form.fields.insert(name.clone(), text).is_some() {
                    return Err(bad(format!("field {name} is repeated")));
                }
            }
        }
    }
    Ok(form)
}
