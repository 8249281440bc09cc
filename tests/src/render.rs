//! What a person sees on a printed page: a page rendered by poppler's `pdftoppm` into a grey
//! image (PGM), and the QR codes a phone would read from it (`rqrr`).

use std::path::Path;
use std::process::Command;

/// Whether `pdftoppm` runs here. When CI is set, absence is a failure, not a skip.
pub fn pdftoppm_available() -> bool {
    let ok = Command::new("pdftoppm")
        .arg("-v")
        .output()
        .map(|o| o.status.success() || !o.stderr.is_empty())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftoppm is not installed, but CI is set: apt-get install poppler-utils"
        );
        eprintln!("SKIPPING rendering checks LOUDLY: pdftoppm (poppler-utils) is not installed");
    }
    ok
}

/// A grey image: width, height, one byte per pixel (0 black, 255 white), rows top to bottom.
pub struct Grey {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Renders page `page` (1-based) of `pdf` at `dpi` with `pdftoppm -gray`, without
/// anti-aliasing, as a printer puts it on paper: with it, rqrr misses some codes whose module
/// edges fall between pixels (grey seams), at some resolutions and not others.
pub fn render_page(pdf: &Path, page: usize, dpi: u32) -> anyhow::Result<Grey> {
    let out = Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string()])
        .args(["-aa", "no", "-aaVector", "no"])
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pdftoppm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_pgm(&out.stdout)
}

/// Parses a binary PGM (`P5`, maxval below 256), comments allowed in the header.
pub fn parse_pgm(bytes: &[u8]) -> anyhow::Result<Grey> {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if bytes.get(at) == Some(&b'#') {
            while at < bytes.len() && bytes[at] != b'\n' {
                at += 1;
            }
            continue;
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        anyhow::ensure!(at > start, "truncated PGM header");
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    anyhow::ensure!(fields[0] == "P5", "not a binary PGM: {}", fields[0]);
    let width: usize = fields[1].parse()?;
    let height: usize = fields[2].parse()?;
    anyhow::ensure!(fields[3].parse::<u32>()? < 256, "16-bit PGM");
    let data = &bytes[at + 1..];
    anyhow::ensure!(data.len() >= width * height, "truncated PGM data");
    Ok(Grey {
        width,
        height,
        pixels: data[..width * height].to_vec(),
    })
}

/// The text of every QR code found in `image`.
pub fn qr_codes(image: &Grey) -> Vec<String> {
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(image.width, image.height, |x, y| {
            image.pixels[y * image.width + x]
        });
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}
