//! The built assets (CSS, JavaScript, wasm, `public/`), read once at start
//! and served from memory. Each build's package (JavaScript, wasm chunks,
//! CSS) is also served under a folder named by a hash of its content, which
//! the pages link to, so browsers may keep them for a year: a new build has
//! new addresses.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

struct Asset {
    bytes: axum::body::Bytes,
    content_type: &'static str,
    etag: HeaderValue,
    immutable: bool,
}

#[derive(Clone, Default)]
pub struct Assets {
    by_path: Arc<HashMap<String, Asset>>,
}

/// FNV-1a: a stable content hash without another dependency.
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

const FNV_OFFSET: u64 = 0xcbf29ce484222325;

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let url = format!("{prefix}/{name}");
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &url, out)?;
        } else {
            out.push((url, std::fs::read(entry.path())?));
        }
    }
    Ok(())
}

impl Assets {
    /// Reads `site_root`; answers the assets and the package folder the
    /// pages must use: `pkg_dir` with the build's hash as a folder of its
    /// own (`pkg/0123…/stagecraft.js`), under which every built file is
    /// served too. A folder rather than a name per file, because the lazily
    /// loaded chunks of the wasm (`cargo leptos build --split`) import the
    /// main module and each other by relative names (`./stagecraft.js`).
    pub fn load(site_root: &str, pkg_dir: &str) -> (Assets, String) {
        let mut files = Vec::new();
        if let Err(e) = walk(Path::new(site_root), "", &mut files) {
            tracing::warn!(error = %e, site_root, "the built assets could not be read; pages will load without styles or scripts");
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let built_prefix = format!("/{pkg_dir}/");
        let mut hash = FNV_OFFSET;
        for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with(&built_prefix)) {
            hash = fnv1a(path.as_bytes(), hash);
            hash = fnv1a(bytes, hash);
        }
        let versioned_dir = format!("{pkg_dir}/{hash:016x}");
        let mut by_path = HashMap::new();
        for (path, bytes) in files {
            let etag = HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(&bytes, FNV_OFFSET)))
                .expect("hex is a valid header");
            let bytes = axum::body::Bytes::from(bytes);
            if let Some(name) = path.strip_prefix(&built_prefix) {
                by_path.insert(
                    format!("/{versioned_dir}/{name}"),
                    Asset {
                        bytes: bytes.clone(),
                        content_type: content_type(&path),
                        etag: etag.clone(),
                        immutable: true,
                    },
                );
            }
            by_path.insert(
                path.clone(),
                Asset {
                    content_type: content_type(&path),
                    bytes,
                    etag,
                    immutable: false,
                },
            );
        }
        (
            Assets {
                by_path: Arc::new(by_path),
            },
            versioned_dir,
        )
    }

    /// The asset at `path`, if there is one.
    pub fn serve(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        let asset = self.by_path.get(path)?;
        let cache = if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let builder = Response::builder()
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, asset.etag.clone());
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes());
        let response = if fresh {
            builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
        } else {
            builder
                .header(header::CONTENT_TYPE, asset.content_type)
                .body(Body::from(asset.bytes.clone()))
        };
        Some(response.expect("a valid response"))
    }
}

/// Answers GET and HEAD requests for a built asset from memory; anything
/// else goes on to the router.
pub async fn serve_from_memory(State(assets): State<Assets>, req: Request, next: Next) -> Response {
    let readable = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    if readable {
        if let Some(found) = assets.serve(req.uri().path(), req.headers()) {
            return found;
        }
    }
    next.run(req).await
}
