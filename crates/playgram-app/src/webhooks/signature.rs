//! Standard Webhooks signatures (symmetric `v1`: HMAC-SHA256): endpoint secrets, signing outbound
//! messages and verifying them (request bins and tests use [`verify`]).
//!
//! The signed content is `"{webhook-id}.{webhook-timestamp}.{body}"` over the exact body bytes; the
//! key is the base64-decoded secret after `whsec_`. Decisions:
//! - Secrets are 24–64 key bytes (the spec's range); Playgram generates 32. Parsing accepts the text
//!   with or without `whsec_` and with or without base64 padding (as the Python library does).
//! - Because keys are at most 64 bytes (SHA-256's block size), the key is zero-padded to a block
//!   and HMAC is built with the infallible `KeyInit::new`: RFC 2104 pads short keys with zeros the
//!   same way, so the output is identical and no unreachable error path exists.
//! - [`verify`] checks the timestamp in both directions first, then compares every `v1` entry in
//!   constant time (`verify_slice`, which also rejects truncated signatures); other versions are
//!   skipped, so a header may carry several secrets' signatures during rotation.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";
const MIN_KEY: usize = 24;
const MAX_KEY: usize = 64;

/// Standard base64 that accepts the text with or without its `=` padding.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// An endpoint's signing secret: 24–64 key bytes, shown as `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl Secret {
    /// A new secret of 32 random bytes.
    pub fn generate() -> Secret {
        Secret {
            key: rand::random::<[u8; 32]>().to_vec(),
        }
    }

    /// Parses `whsec_<base64>` (or the base64 alone, padded or not); `None` when it is not base64
    /// or the key is not 24–64 bytes long.
    pub fn parse(text: &str) -> Option<Secret> {
        let text = text.trim();
        let encoded = text.strip_prefix(PREFIX).unwrap_or(text);
        let key = LENIENT.decode(encoded).ok()?;
        (MIN_KEY..=MAX_KEY)
            .contains(&key.len())
            .then_some(Secret { key })
    }

    /// The secret as text, `whsec_<base64>`, to show its owner once or store sealed.
    pub fn expose(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self) -> HmacSha256 {
        // `parse` and `generate` keep the key within one block; see the module docs.
        let mut block = [0u8; MAX_KEY];
        for (slot, byte) in block.iter_mut().zip(&self.key) {
            *slot = *byte;
        }
        <HmacSha256 as KeyInit>::new(&block.into())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn keyed_content(secret: &Secret, msg_id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = secret.mac();
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The `v1,<base64>` signature of one message with one secret.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = keyed_content(secret, msg_id, &timestamp.to_string(), body).finalize();
    format!("v1,{}", STANDARD.encode(tag.into_bytes()))
}

/// The `webhook-signature` header: one `v1,…` entry per secret, separated by spaces (several
/// while an endpoint's secret is being rotated).
pub fn signature_header(secrets: &[&Secret], msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| sign(secret, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a signed request was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("The webhook-id header is missing.")]
    MissingId,
    #[error("The webhook-timestamp header is missing.")]
    MissingTimestamp,
    #[error("The webhook-timestamp header is not a whole number of seconds.")]
    InvalidTimestamp,
    #[error("The webhook-timestamp is too old.")]
    TimestampTooOld,
    #[error("The webhook-timestamp is in the future.")]
    TimestampTooNew,
    #[error("The webhook-signature header is missing.")]
    MissingSignature,
    #[error("No signature in the webhook-signature header matches.")]
    NoMatchingSignature,
}

/// Verifies a Standard Webhooks request: the timestamp is within `tolerance_secs` of `now_secs`
/// (either way) and some `v1` entry of `signature_header` is the signature of this message.
pub fn verify(
    secret: &Secret,
    msg_id: &str,
    timestamp_text: &str,
    signature_header: &str,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    if msg_id.is_empty() {
        return Err(VerifyError::MissingId);
    }
    if timestamp_text.is_empty() {
        return Err(VerifyError::MissingTimestamp);
    }
    if !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidTimestamp);
    }
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| VerifyError::InvalidTimestamp)?;
    if now_secs.saturating_sub(timestamp) > tolerance_secs {
        return Err(VerifyError::TimestampTooOld);
    }
    if timestamp.saturating_sub(now_secs) > tolerance_secs {
        return Err(VerifyError::TimestampTooNew);
    }
    if signature_header.trim().is_empty() {
        return Err(VerifyError::MissingSignature);
    }
    let mac = keyed_content(secret, msg_id, timestamp_text, body);
    let matches = signature_header
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|tag| mac.clone().verify_slice(&tag).is_ok());
    matches
        .then_some(())
        .ok_or(VerifyError::NoMatchingSignature)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Official vectors, copied from the Standard Webhooks repository's library tests.
    const SW1_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SW1_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SW1_TS: i64 = 1614265330;
    const SW1_BODY: &str = r#"{"test": 2432232314}"#;
    const SW1_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const SW1_KEY_HEX: &str = "31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0";

    const SW2_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const SW2_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const SW2_TS: i64 = 1649367553;
    const SW2_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;
    const SW2_SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    // Negative cases from the same tests.
    const PYTHON_WRONG_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=";
    const RUST_NO_VERIFY_SIG: &str = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
    const OTHER_SIG: &str = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

    const TOLERANCE: i64 = 300;

    fn sw1() -> Secret {
        Secret::parse(SW1_SECRET).unwrap()
    }

    fn check(header: &str, timestamp: &str, now: i64) -> Result<(), VerifyError> {
        let body = SW1_BODY.as_bytes();
        verify(&sw1(), SW1_ID, timestamp, header, body, now, TOLERANCE)
    }

    #[test]
    fn official_vectors_sign_and_verify() {
        let secret = sw1();
        let hex: String = secret.key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, SW1_KEY_HEX);
        assert_eq!(sign(&secret, SW1_ID, SW1_TS, SW1_BODY.as_bytes()), SW1_SIG);
        assert_eq!(check(SW1_SIG, &SW1_TS.to_string(), SW1_TS), Ok(()));

        let secret = Secret::parse(SW2_SECRET).unwrap();
        assert_eq!(sign(&secret, SW2_ID, SW2_TS, SW2_BODY.as_bytes()), SW2_SIG);
        let ts = SW2_TS.to_string();
        let verified = verify(
            &secret,
            SW2_ID,
            &ts,
            SW2_SIG,
            SW2_BODY.as_bytes(),
            SW2_TS,
            300,
        );
        assert_eq!(verified, Ok(()));
    }

    #[test]
    fn wrong_signatures_fail() {
        let ts = SW1_TS.to_string();
        assert_eq!(
            check(PYTHON_WRONG_SIG, &ts, SW1_TS),
            Err(VerifyError::NoMatchingSignature)
        );
        let secret = Secret::parse(SW2_SECRET).unwrap();
        let ts = SW2_TS.to_string();
        let body = SW2_BODY.as_bytes();
        let result = verify(&secret, SW2_ID, &ts, RUST_NO_VERIFY_SIG, body, SW2_TS, 300);
        assert_eq!(result, Err(VerifyError::NoMatchingSignature));
        // The right signature over a different body, id or timestamp.
        let result = verify(
            &sw1(),
            SW1_ID,
            &SW1_TS.to_string(),
            SW1_SIG,
            b"{}",
            SW1_TS,
            300,
        );
        assert_eq!(result, Err(VerifyError::NoMatchingSignature));
        let result = verify(&sw1(), "msg_other", "1614265330", SW1_SIG, b"", SW1_TS, 300);
        assert_eq!(result, Err(VerifyError::NoMatchingSignature));
        assert_eq!(
            check(SW1_SIG, "1614265331", SW1_TS),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn any_v1_entry_of_a_multi_signature_header_may_match() {
        let header = format!("v1,{OTHER_SIG} v2,{OTHER_SIG} {SW1_SIG} v1,{OTHER_SIG}");
        assert_eq!(check(&header, &SW1_TS.to_string(), SW1_TS), Ok(()));
        // The right bytes under another version do not count.
        let v2 = SW1_SIG.replacen("v1,", "v2,", 1);
        let v1a = SW1_SIG.replacen("v1,", "v1a,", 1);
        let header = format!("v1,{OTHER_SIG} {v2} {v1a}");
        assert_eq!(
            check(&header, &SW1_TS.to_string(), SW1_TS),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn partial_signatures_fail() {
        let ts = SW1_TS.to_string();
        let first_eight = &SW1_SIG[..8];
        let truncated = &SW1_SIG[..SW1_SIG.len() - 4];
        for header in ["v1,", "v1", first_eight, truncated, "v1,!!!", "g0hM9SsE"] {
            assert_eq!(
                check(header, &ts, SW1_TS),
                Err(VerifyError::NoMatchingSignature),
                "{header}"
            );
        }
    }

    #[test]
    fn timestamps_outside_the_tolerance_fail() {
        let ts = SW1_TS.to_string();
        assert_eq!(check(SW1_SIG, &ts, SW1_TS + TOLERANCE), Ok(()));
        assert_eq!(check(SW1_SIG, &ts, SW1_TS - TOLERANCE), Ok(()));
        let old = check(SW1_SIG, &ts, SW1_TS + TOLERANCE + 1);
        assert_eq!(old, Err(VerifyError::TimestampTooOld));
        let future = check(SW1_SIG, &ts, SW1_TS - TOLERANCE - 1);
        assert_eq!(future, Err(VerifyError::TimestampTooNew));
        let extreme = check(SW1_SIG, "9223372036854775807", i64::MIN);
        assert_eq!(extreme, Err(VerifyError::TimestampTooNew));
    }

    #[test]
    fn missing_or_malformed_pieces_fail() {
        let ts = SW1_TS.to_string();
        let body = SW1_BODY.as_bytes();
        let result = verify(&sw1(), "", &ts, SW1_SIG, body, SW1_TS, 300);
        assert_eq!(result, Err(VerifyError::MissingId));
        assert_eq!(
            check(SW1_SIG, "", SW1_TS),
            Err(VerifyError::MissingTimestamp)
        );
        assert_eq!(check("", &ts, SW1_TS), Err(VerifyError::MissingSignature));
        assert_eq!(check("  ", &ts, SW1_TS), Err(VerifyError::MissingSignature));
        for bad in [
            "hello",
            "-1614265330",
            "+1614265330",
            " 1614265330",
            "1.5",
            "99999999999999999999",
        ] {
            assert_eq!(
                check(SW1_SIG, bad, SW1_TS),
                Err(VerifyError::InvalidTimestamp),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_parse_with_or_without_prefix_and_padding() {
        let bare = Secret::parse(SW1_SECRET.trim_start_matches(PREFIX)).unwrap();
        assert_eq!(bare, sw1());
        assert_eq!(sign(&bare, SW1_ID, SW1_TS, SW1_BODY.as_bytes()), SW1_SIG);

        // 32 key bytes 0..=31: the base64 ends in one `=`.
        let padded = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let secret = Secret::parse(padded).unwrap();
        assert_eq!(secret.key, (0u8..32).collect::<Vec<_>>());
        assert_eq!(secret.expose(), padded);
        assert_eq!(Secret::parse(padded.trim_end_matches('=')).unwrap(), secret);
        assert_eq!(Secret::parse(&format!(" {padded}\n")).unwrap(), secret);
    }

    #[test]
    fn bad_secrets_are_rejected() {
        let encode = |len: usize| format!("{PREFIX}{}", STANDARD.encode(vec![7u8; len]));
        for text in [
            "",
            "whsec_",
            "whsec_not base64!",
            "whsec_$$$$",
            &encode(23),
            &encode(65),
        ] {
            assert!(Secret::parse(text).is_none(), "{text}");
        }
        assert!(Secret::parse(&encode(24)).is_some());
        assert!(Secret::parse(&encode(64)).is_some());
    }

    #[test]
    fn longest_keys_sign_like_plain_hmac() {
        // The zero-padded block must equal the RFC 2104 construction for every key length.
        for len in [MIN_KEY, 33, MAX_KEY] {
            let secret =
                Secret::parse(&format!("{PREFIX}{}", STANDARD.encode(vec![9u8; len]))).unwrap();
            let mut plain = <HmacSha256 as Mac>::new_from_slice(&secret.key).unwrap();
            plain.update(b"id.1.body");
            let expected = format!("v1,{}", STANDARD.encode(plain.finalize().into_bytes()));
            assert_eq!(sign(&secret, "id", 1, b"body"), expected);
        }
    }

    #[test]
    fn generated_secrets_round_trip_and_rotation_headers_verify() {
        let (old, new) = (Secret::generate(), Secret::generate());
        assert_ne!(old, new);
        assert_eq!(old.key.len(), 32);
        assert_eq!(Secret::parse(&old.expose()).unwrap(), old);
        assert_eq!(format!("{old:?}"), "Secret(***)");

        let header = signature_header(&[&new, &old], "msg_1", 1_700_000_000, b"{}");
        assert_eq!(header.split(' ').count(), 2);
        for secret in [&old, &new] {
            let result = verify(
                secret,
                "msg_1",
                "1700000000",
                &header,
                b"{}",
                1_700_000_000,
                300,
            );
            assert_eq!(result, Ok(()));
        }
    }
}
