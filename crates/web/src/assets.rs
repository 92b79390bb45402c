//! Static files (styles, fonts, scripts, icons) embedded in the binary.
//!
//! Each file is served under a name that carries a hash of its content, such as
//! `/assets/css/site.1a2b3c4d.css`, with a cache lifetime of a year: a browser fetches a
//! file once and never asks again until it changes, when its name changes too.

use std::collections::HashMap;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Embedded;

/// One static file.
#[derive(Debug, Clone)]
pub struct Asset {
    /// The content.
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// Its media type.
    pub content_type: &'static str,
    /// The content hash in its name, also used as its entity tag.
    pub hash: String,
}

/// All static files, by their hashed name.
#[derive(Debug, Clone)]
pub struct Assets {
    by_hashed_name: HashMap<String, Asset>,
    hashed_names: HashMap<String, String>,
}

impl Assets {
    /// Reads the embedded files and computes their names.
    pub fn load() -> Assets {
        let mut by_hashed_name = HashMap::new();
        let mut hashed_names = HashMap::new();

        // Stylesheets refer to fonts by relative path; they are named after everything else,
        // with those references rewritten to the hashed names.
        let (stylesheets, others): (Vec<_>, Vec<_>) =
            Embedded::iter().partition(|path| path.ends_with(".css"));
        for path in others {
            let Some(file) = Embedded::get(&path) else {
                continue;
            };
            let (hashed, asset) = named(&path, file.data);
            hashed_names.insert(path.to_string(), hashed.clone());
            by_hashed_name.insert(hashed, asset);
        }
        for path in stylesheets {
            let Some(file) = Embedded::get(&path) else {
                continue;
            };
            let mut text = String::from_utf8_lossy(&file.data).into_owned();
            for (plain, hashed) in &hashed_names {
                text = text.replace(
                    &format!("url(../{plain})"),
                    &format!("url(/assets/{hashed})"),
                );
                text = text.replace(
                    &format!("url(\"../{plain}\")"),
                    &format!("url(\"/assets/{hashed}\")"),
                );
            }
            let (hashed, asset) = named(&path, text.into_bytes().into());
            hashed_names.insert(path.to_string(), hashed.clone());
            by_hashed_name.insert(hashed, asset);
        }

        Assets {
            by_hashed_name,
            hashed_names,
        }
    }

    /// The URL of a file, such as `/assets/css/site.1a2b3c4d.css` for `css/site.css`.
    /// An unknown file gives its plain path, which answers 404 and shows up in tests.
    pub fn url(&self, path: &str) -> String {
        match self.hashed_names.get(path) {
            Some(hashed) => format!("/assets/{hashed}"),
            None => format!("/assets/{path}"),
        }
    }

    /// A file by its hashed name.
    pub fn get(&self, hashed_name: &str) -> Option<&Asset> {
        self.by_hashed_name.get(hashed_name)
    }

    /// Every file's plain path and URL, for templates.
    pub fn urls(&self) -> HashMap<String, String> {
        self.hashed_names
            .keys()
            .map(|path| (path.clone(), self.url(path)))
            .collect()
    }
}

/// A file's hashed name and its served form.
fn named(path: &str, bytes: std::borrow::Cow<'static, [u8]>) -> (String, Asset) {
    let digest = Sha256::digest(&bytes);
    let hash = rathaus_base::hex(&digest[..5]);
    (
        hashed_name(path, &hash),
        Asset {
            bytes,
            content_type: content_type(path),
            hash,
        },
    )
}

fn hashed_name(path: &str, hash: &str) -> String {
    match path.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{path}.{hash}"),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("webmanifest") => "application/manifest+json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_hash_before_the_extension() {
        assert_eq!(hashed_name("css/site.css", "abc"), "css/site.abc.css");
        assert_eq!(hashed_name("LICENSE", "abc"), "LICENSE.abc");
    }

    #[test]
    fn every_embedded_file_is_reachable_by_its_url() {
        let assets = Assets::load();
        let urls = assets.urls();
        assert!(urls.contains_key("css/site.css"));
        for url in urls.values() {
            let hashed = url.trim_start_matches("/assets/");
            assert!(assets.get(hashed).is_some(), "{url}");
        }
    }
}
