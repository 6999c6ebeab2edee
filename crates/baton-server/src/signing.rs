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

/// A SHA-256 digest written as 64 hex digits, as [`hex`] writes it;
/// `None` for anything else (a sign, a wrong length, a non-digit).
pub(crate) fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut digest = [0u8; 32];
    for (byte, pair) in digest.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    #[test]
    fn unhex_reads_back_what_hex_writes_and_nothing_else() {
        let written = hex("key", &[b"body"]).unwrap();
        let read = unhex(&written).unwrap();
        let again: String = read.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(again, written);
        assert_eq!(unhex(&written[..63]), None);
        assert_eq!(unhex(&format!("+{}", &written[1..])), None);
        assert_eq!(unhex(&format!("{written}0")), None);
        assert_eq!(unhex(&"zz".repeat(32)), None);
    }
}
