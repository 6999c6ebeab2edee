//! JSON Schemas for the file formats, generated from the same Rust types
//! that read them, so the schema an editor completes against cannot drift
//! from what `baton check` accepts.

use crate::guide::file::GuideFile;
use crate::guidetest::TestFile;
use crate::org::OrgFile;

pub fn org() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(OrgFile)).unwrap_or_default()
}

pub fn guide() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(GuideFile)).unwrap_or_default()
}

pub fn tests() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(TestFile)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn schemas_forbid_unknown_keys_like_the_loader() {
        let org = super::org();
        assert_eq!(org["additionalProperties"], serde_json::json!(false));
        let guide = super::guide();
        assert_eq!(guide["additionalProperties"], serde_json::json!(false));
        assert!(
            guide["required"]
                .as_array()
                .unwrap()
                .contains(&"team".into())
        );
    }
}
