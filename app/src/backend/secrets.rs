//! Secrets at rest (SPEC D3, C3): sealed with ChaCha20-Poly1305 under the
//! master key, which is never stored in the database. The key comes from
//! `STAGECRAFT_MASTER_KEY` or, by default, a key file made on first start
//! in the data folder (`master.key`, mode 0600).
//!
//! The database keeps one sealed check value (`key_check`), written with
//! the first key it meets: a server started with another key stops with a
//! clear error naming the setting, instead of reading garbage or sealing
//! new secrets under a key the other instances do not have.
use super::db::Db;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sqlx::Row;
use std::path::Path;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// The sealed form: a version tag, then hex of nonce and ciphertext.
const TAG: &str = "v1:";
/// What the check value seals.
const CHECK: &str = "stagecraft master key check";
/// The key file, in the data folder, when no key is set.
pub const KEY_FILE: &str = "master.key";
/// The setting that names the key.
pub const KEY_SETTING: &str = "STAGECRAFT_MASTER_KEY";

/// The master key, in memory only.
pub struct MasterKey(SecretBox<[u8; KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(********)")
    }
}

/// Lower-case hexadecimal: how keys, sealed values and token hashes are
/// written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl MasterKey {
    /// A key written as 64 hexadecimal characters (32 bytes), as
    /// `STAGECRAFT_MASTER_KEY` and the key file hold it.
    pub fn parse(text: &str) -> Result<MasterKey, String> {
        let bytes = unhex(text.trim()).filter(|b| b.len() == KEY_LEN).ok_or(
            "must be 64 hexadecimal characters (32 random bytes, e.g. `openssl rand -hex 32`)",
        )?;
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(&bytes);
        Ok(MasterKey(SecretBox::new(Box::new(key))))
    }

    pub fn generate() -> (MasterKey, SecretString) {
        use rand::RngCore;
        let mut key = [0u8; KEY_LEN];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let text = SecretString::from(hex(&key));
        (MasterKey(SecretBox::new(Box::new(key))), text)
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(self.0.expose_secret()))
    }

    /// Seals `plain` for the place it is stored (`context`, e.g.
    /// `constant:ID:production`): a sealed value copied to another place
    /// does not open there.
    pub fn seal(&self, context: &str, plain: &str) -> String {
        use rand::RngCore;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("ChaCha20-Poly1305 seals any length we store");
        format!("{TAG}{}{}", hex(&nonce), hex(&sealed))
    }

    /// Opens what `seal` made for `context`; `None` for another key, another
    /// context, or a value that was changed.
    pub fn open(&self, context: &str, sealed: &str) -> Option<SecretString> {
        let bytes = unhex(sealed.strip_prefix(TAG)?)?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok().map(SecretString::from)
    }
}

/// The key of this server: `configured` (from `STAGECRAFT_MASTER_KEY`), or
/// the key file of `data_dir`, made (mode 0600) if there is none.
pub fn load_or_create(
    configured: Option<&SecretString>,
    data_dir: &Path,
) -> Result<MasterKey, String> {
    if let Some(text) = configured {
        return MasterKey::parse(text.expose_secret()).map_err(|e| format!("{KEY_SETTING} {e}"));
    }
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            MasterKey::parse(&text).map_err(|e| format!("the key file {} {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (key, text) = MasterKey::generate();
            write_private(&path, text.expose_secret())
                .map_err(|e| format!("cannot create the key file {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "created the master key file; back it up, or set {KEY_SETTING}");
            Ok(key)
        }
        Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    // On disk before the database records this key as its own.
    f.sync_all()?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Checks `key` against the database's check value, writing it if the
/// database has none yet (the first start). Another key is a start-up
/// error naming where the key came from.
pub async fn check(db: &Db, key: &MasterKey, source: &str) -> Result<(), String> {
    let db_error = |e: sqlx::Error| format!("cannot read the master key check: {e}");
    let row = sqlx::query("SELECT sealed FROM key_check WHERE id = 1")
        .fetch_optional(&db.pool)
        .await
        .map_err(db_error)?;
    let sealed: String = match row {
        Some(r) => r.get("sealed"),
        None => {
            // Two instances starting at once: the first insert wins, and
            // the loser checks its key against the winner's value.
            sqlx::query(
                "INSERT INTO key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            )
            .bind(key.seal("key_check", CHECK))
            .execute(&db.pool)
            .await
            .map_err(db_error)?;
            sqlx::query("SELECT sealed FROM key_check WHERE id = 1")
                .fetch_one(&db.pool)
                .await
                .map_err(db_error)?
                .get("sealed")
        }
    };
    match key.open("key_check", &sealed) {
        Some(text) if text.expose_secret() == CHECK => Ok(()),
        _ => Err(format!(
            "the master key from {source} does not open the secrets of this database, which were \
             sealed with another key: set {KEY_SETTING} to that key (every instance needs the same one)"
        )),
    }
}

/// The server's key, which `server::build` sets before serving; a service
/// reached without it (an admin command) fails instead of storing plain text.
pub fn key_of(db: &Db) -> crate::error::AppResult<&MasterKey> {
    db.master_key.as_deref().ok_or_else(|| {
        tracing::error!("a secret was used before the master key was loaded");
        crate::error::AppError::internal()
    })
}

/// Opens a stored secret, or logs which one failed to open (a changed row,
/// or another key that slipped past `check`) and fails the request.
pub fn open_stored(db: &Db, context: &str, sealed: &str) -> crate::error::AppResult<SecretString> {
    key_of(db)?.open(context, sealed).ok_or_else(|| {
        tracing::error!(context, "a stored secret does not open with the master key");
        crate::error::AppError::internal()
    })
}
