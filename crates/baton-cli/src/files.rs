//! Reading the org directory and a guide from disk.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use baton_core::{Directory, Guide, LoadErrors};

/// The text of `path`, with the path in the error.
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// Loads a directory; load errors are returned as data, I/O errors as `Err`.
pub fn directory(path: &Path) -> Result<Result<Directory, LoadErrors>> {
    let text = read(path)?;
    Ok(Directory::load(&path.display().to_string(), &text))
}

pub fn guide(path: &Path, directory: Arc<Directory>) -> Result<Result<Guide, LoadErrors>> {
    let text = read(path)?;
    Ok(baton_core::compile_guide(
        &path.display().to_string(),
        &text,
        directory,
    ))
}

/// Both files, or an error that lists every problem found.
pub fn load(files: &crate::cli::Files) -> Result<Guide> {
    let dir = directory(&files.org)?.map_err(anyhow::Error::new)?;
    guide(&files.guide, Arc::new(dir))?.map_err(anyhow::Error::new)
}
