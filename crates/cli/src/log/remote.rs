//! A Sahih log over HTTP: its checkpoint, its key, and its c2sp.org/tlog-tiles resources,
//! also as a [`TileReader`] so proofs can be built from what the log serves.

use std::time::Duration;

use sahih_tlog::{TileId, TileReader};

use super::Failure;

/// The largest checkpoint or key read (a checkpoint is a few hundred bytes).
const SMALL_LIMIT: u64 = 64 * 1024;
/// The largest tile or bundle read: 256 entries of at most 65,535 bytes, with their lengths.
const TILE_LIMIT: u64 = 256 * 65_537;

/// The log at one URL.
pub struct Remote {
    agent: ureq::Agent,
    /// `<url>/log/`.
    prefix: String,
}

impl Remote {
    /// The log of the Sahih service at `url` (`https://sahih.kota.go.id`, or its `/log` prefix).
    pub fn new(url: &str) -> Result<Remote, Failure> {
        let base = url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Failure::cannot(
                "E_LOG_URL",
                format!("--url {url:?} is not an http:// or https:// URL"),
            ));
        }
        let prefix = if base.ends_with("/log") {
            format!("{base}/")
        } else {
            format!("{base}/log/")
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        Ok(Remote { agent, prefix })
    }

    /// GETs `path` below the prefix: its body, or `None` for 404.
    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, Failure> {
        let url = format!("{}{path}", self.prefix);
        let cannot =
            |e: &dyn std::fmt::Display| Failure::cannot("E_LOG_FETCH", format!("GET {url}: {e}"));
        let mut res = self.agent.get(&url).call().map_err(|e| cannot(&e))?;
        match res.status().as_u16() {
            200 => res
                .body_mut()
                .with_config()
                .limit(limit)
                .read_to_vec()
                .map(Some)
                .map_err(|e| cannot(&e)),
            404 => Ok(None),
            status => Err(cannot(&format!("HTTP status {status}"))),
        }
    }

    /// The latest signed checkpoint, as text.
    pub fn checkpoint(&self) -> Result<String, Failure> {
        let body = self.get("checkpoint", SMALL_LIMIT)?.ok_or_else(|| {
            Failure::cannot(
                "E_LOG_FETCH",
                format!("{}checkpoint: not found", self.prefix),
            )
        })?;
        String::from_utf8(body)
            .map_err(|_| Failure::log("E_LOG_CHECKPOINT", "the checkpoint is not UTF-8 text"))
    }

    /// The verifier key string the log publishes (`/log/key`).
    pub fn key(&self) -> Result<String, Failure> {
        let body = self.get("key", SMALL_LIMIT)?.ok_or_else(|| {
            Failure::cannot("E_LOG_FETCH", format!("{}key: not found", self.prefix))
        })?;
        Ok(String::from_utf8_lossy(&body).trim().to_owned())
    }

    /// A tile or entry bundle of the latest checkpoint's tree, by its c2sp.org/tlog-tiles path.
    /// A 404 for a resource the checkpoint covers is the log's failure.
    pub fn resource(&self, path: &str) -> Result<Vec<u8>, Failure> {
        self.get(path, TILE_LIMIT)?.ok_or_else(|| {
            Failure::log(
                "E_LOG_TILE_MISSING",
                format!("the log does not serve {path}, which its checkpoint covers"),
            )
        })
    }
}

impl TileReader for Remote {
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, sahih_tlog::Error> {
        tiles
            .iter()
            .map(|t| {
                self.resource(&t.path())
                    .map_err(|f| sahih_tlog::Error::Storage(Box::new(f)))
            })
            .collect()
    }
}

/// The [`Failure`] inside a tile reader's error, or `otherwise` for any other error.
pub fn failure_of(e: sahih_tlog::Error, otherwise: impl FnOnce(String) -> Failure) -> Failure {
    match e {
        sahih_tlog::Error::Storage(inner) => match inner.downcast::<Failure>() {
            Ok(f) => *f,
            Err(other) => otherwise(other.to_string()),
        },
        other => otherwise(other.to_string()),
    }
}
