//! The built assets (CSS, JavaScript, wasm, `public/`), read once at start
//! and served from memory. Each build's package (JavaScript, wasm chunks,
//! CSS) is also served under a folder named by a hash of its content, which
//! the pages link to, so browsers may keep them for a year: a new build has
//! new addresses. Text and wasm are held gzipped (the wasm bundle is a
//! quarter of its size so), and sent so to every browser that accepts it;
//! a client that does not gets the plain bytes, kept only for small files
//! and inflated on the fly for large ones.
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files from this size on are gzipped in memory.
const GZIP_FROM: usize = 1024;
/// Files from this size on keep only their gzipped bytes.
const PLAIN_UNTIL: usize = 64 * 1024;

#[derive(Clone)]
struct Asset {
    /// `None` when only the gzipped bytes are kept.
    plain: Option<axum::body::Bytes>,
    gzip: Option<axum::body::Bytes>,
    /// The plain bytes of a large asset, inflated once, when a client
    /// without gzip first asks: never again per request.
    inflated: Arc<std::sync::OnceLock<Option<axum::body::Bytes>>>,
    content_type: &'static str,
    /// Of the plain bytes; the gzipped representation's ends in `-gz`.
    etag: HeaderValue,
    etag_gzip: HeaderValue,
    immutable: bool,
}

/// Text and wasm, which compress; images and fonts already are.
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/wasm")
        || content_type.starts_with("application/json")
        || content_type.starts_with("image/svg")
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes)?;
    let mut out = e.finish()?;
    // Held for the server's life: no spare capacity.
    out.shrink_to_fit();
    Ok(out)
}

/// Whether the request accepts gzip (`Accept-Encoding`): named with a
/// weight above zero, or covered by `*` when not named.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut named: Option<bool> = None;
    let mut any = false;
    for part in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
    {
        let mut it = part.split(';').map(str::trim);
        let coding = it.next().unwrap_or("");
        let refused = it.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        if coding.eq_ignore_ascii_case("gzip") {
            named = Some(!refused);
        } else if coding == "*" {
            any = !refused;
        }
    }
    named.unwrap_or(any)
}

/// Whether `If-None-Match` names `etag` (a list, weak tags and `*` too).
fn matches_etag(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
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

fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let url = format!("{prefix}/{name}");
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &url, out)?;
        } else {
            out.push((url, entry.path()));
        }
    }
    Ok(())
}

/// One file as held: gzipped when that pays, plain when small.
fn held(path: &str, bytes: Vec<u8>, immutable: bool) -> Asset {
    let content_type = content_type(path);
    let hash = format!("{:016x}", fnv1a(&bytes, FNV_OFFSET));
    let etag = HeaderValue::from_str(&format!("\"{hash}\"")).expect("hex is a valid header");
    let etag_gzip =
        HeaderValue::from_str(&format!("\"{hash}-gz\"")).expect("hex is a valid header");
    let gz = if bytes.len() >= GZIP_FROM && compressible(content_type) {
        gzip(&bytes).ok().filter(|g| g.len() < bytes.len() * 9 / 10)
    } else {
        None
    };
    let plain = (gz.is_none() || bytes.len() < PLAIN_UNTIL).then(|| axum::body::Bytes::from(bytes));
    Asset {
        plain,
        gzip: gz.map(axum::body::Bytes::from),
        inflated: Default::default(),
        content_type,
        etag,
        etag_gzip,
        immutable,
    }
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
        // One file at a time: its plain bytes are dropped before the next
        // is read, so start-up never holds the whole build twice.
        let mut hash = FNV_OFFSET;
        let mut held_files = Vec::new();
        for (path, file) in files {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, path, "a built asset could not be read");
                    continue;
                }
            };
            let built = path.starts_with(&built_prefix);
            if built {
                hash = fnv1a(path.as_bytes(), hash);
                hash = fnv1a(&bytes, hash);
            }
            held_files.push((path.clone(), built, held(&path, bytes, false)));
        }
        let versioned_dir = format!("{pkg_dir}/{hash:016x}");
        let mut by_path = HashMap::new();
        for (path, built, asset) in held_files {
            if built {
                let name = &path[built_prefix.len()..];
                by_path.insert(
                    format!("/{versioned_dir}/{name}"),
                    Asset {
                        immutable: true,
                        ..asset.clone()
                    },
                );
            }
            by_path.insert(path, asset);
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
        let gzipped = asset.gzip.as_ref().filter(|_| accepts_gzip(headers));
        let etag = if gzipped.is_some() {
            &asset.etag_gzip
        } else {
            &asset.etag
        };
        let mut builder = Response::builder()
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, etag.clone());
        if asset.gzip.is_some() {
            builder = builder.header(header::VARY, "accept-encoding");
        }
        let fresh = matches_etag(headers, etag);
        let response = if fresh {
            builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
        } else {
            let body = match (gzipped, &asset.plain, &asset.gzip) {
                (Some(gz), _, _) => {
                    builder = builder.header(header::CONTENT_ENCODING, "gzip");
                    gz.clone()
                }
                (None, Some(plain), _) => plain.clone(),
                (None, None, Some(gz)) => asset.inflated.get_or_init(|| inflate(gz)).clone()?,
                (None, None, None) => return None,
            };
            builder
                .header(header::CONTENT_TYPE, asset.content_type)
                .body(Body::from(body))
        };
        Some(response.expect("a valid response"))
    }
}

/// The plain bytes of a large asset, for the rare client without gzip.
fn inflate(gz: &axum::body::Bytes) -> Option<axum::body::Bytes> {
    let mut out = Vec::new();
    match flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut out) {
        Ok(_) => Some(out.into()),
        Err(e) => {
            tracing::error!(error = %e, "a held asset does not inflate");
            None
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A site with a large wasm file, a small CSS file and an image.
    fn site() -> (PathBuf, Vec<u8>, Vec<u8>) {
        let root = std::env::temp_dir().join(format!("stagecraft-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        let wasm: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let css = b"body { color: red; }\n".repeat(100);
        std::fs::write(root.join("pkg/app.wasm"), &wasm).unwrap();
        std::fs::write(root.join("pkg/app.css"), &css).unwrap();
        std::fs::write(root.join("logo.png"), [137u8, 80, 78, 71]).unwrap();
        (root, wasm, css)
    }

    async fn get(assets: &Assets, path: &str, accept: Option<&str>) -> (Response, Vec<u8>) {
        let mut headers = HeaderMap::new();
        if let Some(a) = accept {
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(a).unwrap());
        }
        let r = assets.serve(path, &headers).expect("an asset");
        let (parts, body) = r.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (Response::from_parts(parts, Body::empty()), bytes.to_vec())
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[tokio::test]
    async fn gzipped_for_who_accepts_it_plain_for_who_does_not() {
        let (root, wasm, css) = site();
        let (assets, dir) = Assets::load(root.to_str().unwrap(), "pkg");
        for path in ["/pkg/app.wasm".to_string(), format!("/{dir}/app.wasm")] {
            let (r, body) = get(&assets, &path, Some("br, gzip;q=0.8")).await;
            assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
            assert_eq!(r.headers()[header::VARY], "accept-encoding");
            assert!(body.len() < wasm.len() / 2, "{} bytes", body.len());
            assert_eq!(gunzip(&body), wasm);
            // Large: only the gzipped bytes are held; inflated for the rare
            // client without gzip, or one that refuses it.
            for accept in [None, Some("gzip;q=0"), Some("br")] {
                let (r, body) = get(&assets, &path, accept).await;
                assert!(
                    r.headers().get(header::CONTENT_ENCODING).is_none(),
                    "{accept:?}"
                );
                assert_eq!(body, wasm, "{accept:?}");
            }
        }
        // Small text: both kept; each representation has its own ETag.
        let (gz, body) = get(&assets, "/pkg/app.css", Some("gzip")).await;
        assert_eq!(gunzip(&body), css);
        let (plain, body) = get(&assets, "/pkg/app.css", None).await;
        assert_eq!(body, css);
        let (e1, e2) = (&gz.headers()[header::ETAG], &plain.headers()[header::ETAG]);
        assert_ne!(e1, e2);
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(header::IF_NONE_MATCH, e1.clone());
        assert_eq!(
            assets.serve("/pkg/app.css", &headers).unwrap().status(),
            StatusCode::NOT_MODIFIED
        );
        headers.insert(header::IF_NONE_MATCH, e2.clone());
        assert_eq!(
            assets.serve("/pkg/app.css", &headers).unwrap().status(),
            StatusCode::OK
        );
        // A list of tags, and a weak one, match too.
        let both = format!("\"x\", W/{}", e1.to_str().unwrap());
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&both).unwrap());
        assert_eq!(
            assets.serve("/pkg/app.css", &headers).unwrap().status(),
            StatusCode::NOT_MODIFIED
        );
        // `*` covers gzip unless gzip itself is refused.
        let (r, _) = get(&assets, "/pkg/app.css", Some("*")).await;
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
        let (r, _) = get(&assets, "/pkg/app.css", Some("gzip;q=0, *")).await;
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        // An image is not compressed again.
        let (r, body) = get(&assets, "/logo.png", Some("gzip")).await;
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(body, [137u8, 80, 78, 71]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
