//! The licensing portal: submits the applications and reads their status, history and signed
//! PDF over the integration API.

use std::time::Duration;

use super::{Cluster, SERVICE, Staff};

/// The licensing portal's client of the integration API.
pub struct Api {
    agent: ureq::Agent,
    token: String,
}

impl Api {
    /// A client with `token`.
    pub fn new(token: &str) -> Api {
        Api {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(120)))
                .build()
                .into(),
            token: token.to_string(),
        }
    }

    fn get(&self, url: &str) -> (u16, Vec<u8>) {
        let mut res = self
            .agent
            .get(url)
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = res.status().as_u16();
        let body = res
            .body_mut()
            .with_config()
            .limit(50 * 1024 * 1024)
            .read_to_vec()
            .expect("body");
        (status, body)
    }

    /// Submits application number `n` to [`SERVICE`] on the node at `base`; its id.
    pub fn submit(&self, base: &str, n: usize) -> String {
        let boundary = "sahih-e2e-cluster-5b2e";
        let metadata = serde_json::json!({
            "service": SERVICE,
            "form": {"nama_usaha": format!("Usaha Mikro Nomor {n}")},
        });
        let pdf = sahih_e2e::plain_pdf(&format!("Permohonan Izin Usaha Mikro {n}"));
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{metadata}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"berkas\"; filename=\"permohonan-{n}.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&pdf);
        body.extend(format!("\r\n--{boundary}--\r\n").bytes());
        let mut res = self
            .agent
            .post(format!("{base}/api/v1/documents"))
            .header("Authorization", format!("Bearer {}", self.token))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..])
            .expect("POST /api/v1/documents");
        let status = res.status().as_u16();
        let text = res.body_mut().read_to_string().expect("body");
        assert_eq!(status, 201, "submission {n}: {text}");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        json["id"].as_str().expect("id").to_owned()
    }

    /// `GET /api/v1/documents/{id}` on the node at `base`: status and history.
    pub fn status(&self, base: &str, id: &str) -> serde_json::Value {
        let (status, body) = self.get(&format!("{base}/api/v1/documents/{id}"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).expect("JSON")
    }

    /// The signed PDF of `id` from the node at `base`.
    pub fn signed_pdf(&self, base: &str, id: &str) -> Vec<u8> {
        let (status, body) = self.get(&format!("{base}/api/v1/documents/{id}/signed.pdf"));
        assert_eq!(status, 200, "{id}: {}", String::from_utf8_lossy(&body));
        body
    }
}

/// Submits `n` applications over the API, alternating the nodes, from 4 clients at once; their
/// ids in order.
pub fn submit_all(cluster: &Cluster, staff: &Staff, n: usize) -> Vec<String> {
    const CLIENTS: usize = 4;
    let bases = [cluster.a().base.clone(), cluster.b.base.clone()];
    let mut ids = vec![String::new(); n];
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let bases = &bases;
                let token = &staff.token;
                s.spawn(move || {
                    let api = Api::new(token);
                    (c..n)
                        .step_by(CLIENTS)
                        .map(|i| (i, api.submit(&bases[i % 2], i + 1)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, id) in h.join().expect("submitting client") {
                ids[i] = id;
            }
        }
    });
    ids
}
