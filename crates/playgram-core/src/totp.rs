//! TOTP (RFC 6238) over HOTP (RFC 4226), and the base32 text authenticator apps exchange.
//!
//! Playgram issues SHA-1, 6-digit, 30-second secrets, the only profile every authenticator app
//! supports; the other algorithms exist so the RFC's own test vectors can be checked.

use hmac::{Hmac, Mac};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha512,
}

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u32 = 6;

fn hmac(algorithm: Algorithm, key: &[u8], message: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
        match <M as hmac::digest::KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match algorithm {
        Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, message),
        Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, message),
        Algorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, message),
    }
}

/// HOTP: dynamic truncation of HMAC(key, counter as 8 big-endian bytes), `digits` long with leading zeros.
pub fn hotp(algorithm: Algorithm, key: &[u8], counter: u64, digits: u32) -> String {
    let mac = hmac(algorithm, key, &counter.to_be_bytes());
    let Some(last) = mac.last() else {
        return String::new();
    };
    let offset = usize::from(last & 0x0f);
    let word = [
        mac[offset],
        mac[offset + 1],
        mac[offset + 2],
        mac[offset + 3],
    ];
    let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
    let code = binary % 10u32.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// TOTP at a Unix time, with T0 = 0.
pub fn totp(algorithm: Algorithm, key: &[u8], unix_seconds: u64, step: u64, digits: u32) -> String {
    hotp(algorithm, key, unix_seconds / step, digits)
}

/// Checks a 6-digit code for Playgram's profile, accepting one step of clock drift either way.
/// Returns the time step that matched so callers can refuse its reuse.
pub fn verify(key: &[u8], code: &str, unix_seconds: u64) -> Option<u64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = unix_seconds / STEP_SECONDS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| {
            let expected = hotp(Algorithm::Sha1, key, *step, DIGITS);
            crate::crypto::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
}

/// The `otpauth://` URI an authenticator app scans.
pub fn provisioning_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let label = format!("{issuer}:{account}");
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "otpauth://totp/{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(&label).replace('+', "%20"),
        base32_encode(secret),
        enc(issuer).replace('+', "%20"),
    )
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32, ignoring case, spaces and padding; `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = BASE32
            .iter()
            .position(|b| *b as char == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!(
            "{}/../../../shared/fixtures/rfc/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn rfc6238_appendix_b_vectors() {
        let doc = fixture("totp_rfc6238_appendix_b.json");
        let vectors = doc["vectors"].as_array().cloned().unwrap_or_default();
        assert_eq!(vectors.len(), 18, "all 18 published vectors");
        for vector in vectors {
            let mode = vector["mode"].as_str().unwrap_or_default();
            let algorithm = match mode {
                "SHA1" => Algorithm::Sha1,
                "SHA256" => Algorithm::Sha256,
                _ => Algorithm::Sha512,
            };
            let seed = doc["seeds"][mode]["ascii"].as_str().unwrap_or_default();
            let time = vector["unix_time"].as_u64().unwrap_or_default();
            let expected = vector["totp"].as_str().unwrap_or_default();
            assert_eq!(
                totp(algorithm, seed.as_bytes(), time, 30, 8),
                expected,
                "{mode} at {time}"
            );
        }
    }

    #[test]
    fn rfc4226_appendix_d_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        let doc = fixture("hotp_rfc4226_appendix_d.json");
        let secret = base32_decode(
            doc["secret_base32"]
                .as_str()
                .unwrap_or("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
        )
        .unwrap_or_default();
        assert_eq!(secret, b"12345678901234567890");
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(Algorithm::Sha1, &secret, counter as u64, 6), *code);
        }
    }

    #[test]
    fn verify_accepts_one_step_of_drift_and_nothing_more() {
        let key = b"12345678901234567890";
        let now = 1_111_111_111;
        let code = totp(Algorithm::Sha1, key, now, 30, 6);
        assert!(verify(key, &code, now).is_some());
        assert!(verify(key, &code, now + 30).is_some());
        assert!(verify(key, &code, now + 90).is_none());
        assert!(verify(key, "12345", now).is_none());
    }

    #[test]
    fn base32_round_trips() {
        let bytes = b"any bytes at all\x00\xff";
        assert_eq!(
            base32_decode(&base32_encode(bytes)).as_deref(),
            Some(&bytes[..])
        );
    }
}
