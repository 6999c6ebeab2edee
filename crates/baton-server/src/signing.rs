//! HMAC-SHA256, as both Slack's requests and baton's webhooks are signed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The MAC of `parts`, one after another, under `key`. HMAC takes keys of
/// any length, so this is `None` only in theory.
pub(crate) fn mac(key: &str, parts: &[&[u8]]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac)
}

/// [`mac`] finalized, in lowercase hex.
pub(crate) fn hex(key: &str, parts: &[&[u8]]) -> Option<String> {
    let digest = mac(key, parts)?.finalize().into_bytes();
    Some(digest.iter().map(|b| format!("{b:02x}")).collect())
}
