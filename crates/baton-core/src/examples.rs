//! The example files `baton init` writes: a small platform team that uses
//! every framework of the model. They double as test and benchmark inputs,
//! so what a newcomer starts from is what CI checks.

pub const ORG: &str = include_str!("../examples-data/org.yaml");
pub const GUIDE: &str = include_str!("../examples-data/deference.yaml");
pub const TESTS: &str = include_str!("../examples-data/deference.test.yaml");
