//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, checked over the bytes
//! exactly as they arrived (re-serialised JSON would not match) and in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const HEADER: &str = "x-hub-signature-256";

/// The header value Meta would send for `body`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(app_secret, body)))
}

/// True when `header` is a valid signature of `body` with `app_secret`.
pub fn verify(app_secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(given) = hex::decode(given) else {
        return false;
    };
    let expected = mac(app_secret, body);
    given.len() == expected.len() && bool::from(given.ct_eq(&expected))
}

fn mac(app_secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_the_same_bytes_and_secret() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let header = sign("app-secret", body);
        assert!(header.starts_with("sha256="));
        assert!(verify("app-secret", body, Some(&header)));
        assert!(verify(
            "app-secret",
            body,
            Some(&header.to_uppercase().replace("SHA256=", "sha256="))
        ));
        assert!(!verify("other", body, Some(&header)));
        assert!(!verify(
            "app-secret",
            br#"{"object": "whatsapp_business_account"}"#,
            Some(&header)
        ));
        assert!(!verify("app-secret", body, None));
        assert!(!verify("app-secret", body, Some("sha1=abc")));
        assert!(!verify("app-secret", body, Some("sha256=zz")));
    }
}
