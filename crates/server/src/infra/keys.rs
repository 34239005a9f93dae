//! The server key: loaded from the environment or the data dir, created on first start.
//!
//! The key file holds 64 hex characters and is created with mode 0600. Losing it makes every
//! stored secret (security codes, TOTP secrets) unreadable, so the README tells operators to back
//! it up with the database, and never beside it in the same backup set if that can be avoided.

use std::io::Write;
use std::path::Path;

use portcullis_core::secret_box::{Keyring, SecretKey};

use crate::infra::config::StorageSettings;

/// Why the server key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key given in settings is malformed.
    #[error(
        "invalid setting {0}: a server key is 64 hexadecimal characters (generate one with `portcullis key generate`)"
    )]
    Malformed(&'static str),
    /// The key file is unreadable or malformed.
    #[error("the key file {path} cannot be used: {problem}")]
    File {
        /// The file.
        path: String,
        /// What is wrong.
        problem: String,
    },
}

/// The keyring from settings: `--secret-key` or `<data-dir>/secret.key` (created when missing),
/// plus any `--previous-secret-keys`.
pub fn load_keyring(storage: &StorageSettings) -> Result<Keyring, KeyError> {
    let current = match &storage.secret_key {
        Some(hex) => SecretKey::from_hex(hex)
            .map_err(|_| KeyError::Malformed("--secret-key (PORTCULLIS_SECRET_KEY)"))?,
        None => load_or_create_key_file(&storage.data_dir.join("secret.key"))?,
    };
    let previous = storage
        .previous_secret_keys
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            SecretKey::from_hex(k).map_err(|_| {
                KeyError::Malformed("--previous-secret-keys (PORTCULLIS_PREVIOUS_SECRET_KEYS)")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Keyring::with_previous(current, previous))
}

fn load_or_create_key_file(path: &Path) -> Result<SecretKey, KeyError> {
    let problem = |e: &dyn std::fmt::Display| KeyError::File {
        path: path.display().to_string(),
        problem: e.to_string(),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::from_hex(&text).map_err(|e| problem(&e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| problem(&e))?;
            }
            let key = SecretKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(path) {
                Ok(mut file) => {
                    file.write_all(format!("{}\n", key.to_hex()).as_bytes())
                        .and_then(|()| file.sync_all())
                        .map_err(|e| problem(&e))?;
                    tracing::info!(path = %path.display(), key_id = %key.id(), "created a new server key");
                    Ok(key)
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(path).map_err(|e| problem(&e))?;
                    SecretKey::from_hex(&text).map_err(|e| problem(&e))
                }
                Err(e) => Err(problem(&e)),
            }
        }
        Err(e) => Err(problem(&e)),
    }
}
