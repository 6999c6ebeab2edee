//! What the tests that run `baton serve` share.

/// The `HOST:PORT` of the banner line `baton serving http://HOST:PORT (…)`.
pub fn address_of(banner: &str) -> String {
    banner
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in the banner `{banner}`"))
        .to_owned()
}
