//! The 32-byte server secret: given in configuration or created once in the data directory.

use std::fmt;
use std::path::Path;

use super::{ConfigError, Source};

/// The 32-byte server secret. Never printed.
#[derive(Clone)]
pub struct SecretKey(pub [u8; 32]);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

pub(super) fn parse_secret_key(v: &str) -> Option<SecretKey> {
    use base64::Engine;
    let bytes = if v.len() == 64 {
        hex::decode(v).ok()?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v))
            .ok()?
    };
    bytes.try_into().ok().map(SecretKey)
}

/// Reads `secret.key`, or creates it with 32 random bytes and mode 0600 on first start.
pub(super) fn load_or_create_secret_key(path: &Path) -> Result<SecretKey, ConfigError> {
    use std::io::Write;
    let io_error = |e: std::io::Error| ConfigError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse_secret_key(text.trim()).ok_or(ConfigError::Invalid {
            key: "secret_key",
            origin: Source::File(path.to_path_buf()),
            expects: "32 random bytes as 64 hex characters or base64",
            value: "<redacted>".into(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes = crate::crypto::random_bytes::<32>();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(io_error)?;
            writeln!(file, "{}", hex::encode(bytes)).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
            Ok(SecretKey(bytes))
        }
        Err(e) => Err(io_error(e)),
    }
}
