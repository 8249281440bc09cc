//! The transparency log's public endpoints, for anyone and without login or cookie
//! (c2sp.org/tlog-tiles under the prefix `/log/`): the checkpoint, hash tiles, entry bundles
//! and the verifier key; the human page `/log`; and the receipts of documents.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sahih_tlog::TilePath;

use super::{blocking, html};
use crate::session::Visitor;
use crate::views::LogPage;
use crate::{AppError, AppState};

/// Full tiles and bundles never change: a year, immutable.
const CACHE_FULL: &str = "public, max-age=31536000, immutable";
/// Partial tiles are superseded as the tree grows.
const CACHE_PARTIAL: &str = "public, max-age=5";
/// The checkpoint changes with every batch.
const CACHE_CHECKPOINT: &str = "no-cache";

/// The raw endpoints: registered before the session scope, so they set no cookie.
pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.route("/log/checkpoint", web::get().to(checkpoint))
        .route("/log/key", web::get().to(key))
        .route("/log/tile/{tail:.*}", web::get().to(tile));
}

/// The human page, under the session middleware (for the visitor's language).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/log", web::get().to(page));
}

fn public(mut res: actix_web::HttpResponseBuilder, cache: &str) -> actix_web::HttpResponseBuilder {
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    res
}

async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let note = blocking(&state, |app| app.log_checkpoint()).await?;
    Ok(public(HttpResponse::Ok(), CACHE_CHECKPOINT)
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

async fn key(state: web::Data<AppState>) -> HttpResponse {
    public(HttpResponse::Ok(), "public, max-age=300")
        .content_type("text/plain; charset=utf-8")
        .body(format!("{}\n", state.app.log_verifier_key()))
}

async fn tile(
    state: web::Data<AppState>,
    tail: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let path = format!("tile/{}", tail.into_inner());
    let (parsed, data) = blocking(&state, move |app| app.log_tile(&path)).await?;
    let partial = match parsed {
        TilePath::Hashes(t) => t.is_partial(),
        TilePath::Entries(b) => b.is_partial(),
    };
    let cache = if partial { CACHE_PARTIAL } else { CACHE_FULL };
    Ok(public(HttpResponse::Ok(), cache)
        .content_type("application/octet-stream")
        .body(data))
}

/// `/log?dari=N` (or `?from=N`): the page of entries from index `N` down; anything else is
/// the newest page.
#[derive(serde::Deserialize)]
struct PageQuery {
    dari: Option<String>,
    from: Option<String>,
}

async fn page(
    state: web::Data<AppState>,
    v: Visitor,
    q: web::Query<PageQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let from = q
        .dari
        .as_ref()
        .or(q.from.as_ref())
        .and_then(|n| n.parse().ok());
    let log = blocking(&state, move |app| app.log_page(from)).await?;
    let info = req.connection_info();
    let base_url = format!("{}://{}", info.scheme(), info.host());
    html(LogPage {
        p: v.page(),
        log,
        base_url,
    })
}

/// A receipt as a JSON download.
pub(super) fn receipt_response(
    receipt: &sahih_store::log::receipt::Receipt,
    stem: &str,
) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_vec_pretty(receipt).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{stem}-bukti-log.json\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use actix_web::{App, test};
    use sahih_store::log::leaf::{Verdict, VerificationLeaf, VerificationSource};

    use crate::test_support::state;

    #[actix_web::test]
    async fn full_tiles_are_cached_for_good_partial_ones_briefly_and_none_sets_a_cookie() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, state) = state(dir.path());
        for i in 0..257u32 {
            let mut sha256 = [0u8; 32];
            sha256[..4].copy_from_slice(&i.to_be_bytes());
            state
                .app
                .store()
                .log_verification(&VerificationLeaf {
                    time: 0,
                    sha256,
                    verdict: Verdict::TotalPassed,
                    source: VerificationSource::Page,
                })
                .expect("leaf");
        }
        state.app.log_flush().expect("sequence");
        let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
        let cases = [
            ("/log/checkpoint", 200, Some("no-cache")),
            ("/log/key", 200, Some("public, max-age=300")),
            (
                "/log/tile/0/000",
                200,
                Some("public, max-age=31536000, immutable"),
            ),
            (
                "/log/tile/entries/000",
                200,
                Some("public, max-age=31536000, immutable"),
            ),
            ("/log/tile/0/001.p/1", 200, Some("public, max-age=5")),
            ("/log/tile/1/000.p/1", 200, Some("public, max-age=5")),
            ("/log/tile/0/001.p/2", 404, None),
            ("/log/tile/0/001", 404, None),
            ("/log/tile/0/1", 404, None),
            ("/log/tile/8/0/000", 404, None),
        ];
        for (path, status, cache) in cases {
            let res =
                test::call_service(&svc, test::TestRequest::get().uri(path).to_request()).await;
            assert_eq!(res.status().as_u16(), status, "{path}");
            assert!(res.headers().get("set-cookie").is_none(), "{path}");
            let got = res
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok());
            if status == 200 {
                assert_eq!(got, cache, "{path}");
                assert_eq!(
                    res.headers()
                        .get("access-control-allow-origin")
                        .and_then(|v| v.to_str().ok()),
                    Some("*"),
                    "{path}"
                );
            }
        }
        let key =
            test::call_service(&svc, test::TestRequest::get().uri("/log/key").to_request()).await;
        let body = test::read_body(key).await;
        assert!(body.starts_with(b"sahih.test/log+"));

        // The page: 50 entries a page from `dari` down, links to older and newer pages, this
        // server's address in the command, the partial tiles a journalist can fetch.
        let page = test::call_service(
            &svc,
            test::TestRequest::get()
                .uri("/log?dari=100")
                .insert_header(("host", "sahih.kota.test"))
                .to_request(),
        )
        .await;
        let html = String::from_utf8(test::read_body(page).await.to_vec()).expect("utf-8");
        let rows: Vec<&str> = html
            .split("<tr class=\"log-entry\"><td>")
            .skip(1)
            .filter_map(|r| r.split('<').next())
            .collect();
        assert_eq!(rows.len(), 50);
        assert_eq!((rows[0], rows[49]), ("100", "51"));
        for needle in [
            "href=\"/log?dari=50\" id=\"log-older\"",
            "href=\"/log?dari=150\" id=\"log-newer\"",
            "--url http://sahih.kota.test ",
            "href=\"/log/tile/0/001.p/1\"",
            "href=\"/log/tile/entries/001.p/1\"",
        ] {
            assert!(html.contains(needle), "{needle}");
        }
        assert!(!html.contains("--url URL"));
        let row = html
            .split("<tr class=\"log-entry\">")
            .nth(1)
            .unwrap_or_default();
        // `time=`'s form, with seconds: 2026-11-29T09:46:21Z.
        let time = row.split("<code>").nth(1).and_then(|t| t.get(..20));
        let shape = time.map(|t| (&t[10..11], &t[13..14], &t[16..17], &t[19..]));
        assert_eq!(shape, Some(("T", ":", ":", "Z")), "{row}");
    }

    /// RFC 9110 §9.3.2: HEAD answers as GET does (status, headers, body size) with no body,
    /// starts no session, and never reaches a POST handler.
    #[actix_web::test]
    async fn head_answers_like_get_without_a_body_and_changes_nothing() {
        use actix_web::body::MessageBody;

        let dir = tempfile::tempdir().expect("tempdir");
        let (_db, state) = state(dir.path());
        state.app.log_flush().expect("sequence");
        let svc = test::init_service(App::new().app_data(state).configure(crate::configure)).await;
        let paths = [
            "/log/checkpoint",
            "/log/key",
            "/log",
            "/",
            "/healthz",
            "/masuk",
            "/permohonan/1/bukti-log",
            "/log/tile/0/000",
            "/tidak-ada",
        ];
        for path in paths {
            let get =
                test::call_service(&svc, test::TestRequest::get().uri(path).to_request()).await;
            let head = test::call_service(
                &svc,
                test::TestRequest::default()
                    .method(actix_web::http::Method::HEAD)
                    .uri(path)
                    .to_request(),
            )
            .await;
            assert_eq!(head.status(), get.status(), "{path}");
            for (name, value) in get.headers() {
                if name != "set-cookie" && name != "x-request-id" {
                    assert_eq!(head.headers().get(name), Some(value), "{path}: {name}");
                }
            }
            assert!(head.headers().get("set-cookie").is_none(), "{path}");
            if get.headers().get("set-cookie").is_none() {
                // (A GET that starts a session renders its CSRF token; HEAD starts none.)
                let (h, g) = (head.response().body().size(), get.response().body().size());
                assert_eq!(h, g, "{path}");
            }
            assert!(test::read_body(head).await.is_empty(), "{path}");
        }
        let logout = test::call_service(
            &svc,
            test::TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri("/keluar")
                .to_request(),
        )
        .await;
        assert_eq!(
            logout.status().as_u16(),
            404,
            "HEAD never reaches a POST handler"
        );
    }
}
