//! `baton init`: a working example to start from.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use baton_core::examples;

pub fn run(dir: &Path, force: bool) -> Result<ExitCode> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let files = [
        ("org.yaml", examples::ORG),
        ("deference.yaml", examples::GUIDE),
        ("deference.test.yaml", examples::TESTS),
    ];
    if !force {
        let existing: Vec<String> = files
            .iter()
            .map(|(name, _)| dir.join(name))
            .filter(|p| p.exists())
            .map(|p| format!("`{}`", p.display()))
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} already exist{}; pass --force to overwrite",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            );
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        outln!("wrote {}", path.display());
    }
    outln!(
        "next: `baton check`, then `baton who --type architecture --requester ana`, then `baton test`"
    );
    Ok(ExitCode::SUCCESS)
}
