//! Reading the org directory, a guide and its tests from disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use baton_core::guidetest::{self, TestFile};
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

/// The guide tests for `guide`: those `named`, or else the first found of
/// `deference.test.yaml` beside the guide, the guide's own name with
/// `.test.yaml`, and `./deference.test.yaml`. Empty when none exists.
pub fn test_paths(named: &[PathBuf], guide: &Path) -> Vec<PathBuf> {
    if !named.is_empty() {
        return named.to_vec();
    }
    let beside = guide.parent().unwrap_or(Path::new(""));
    let own = guide
        .file_stem()
        .map(|stem| beside.join(format!("{}.test.yaml", stem.to_string_lossy())));
    [
        Some(beside.join("deference.test.yaml")),
        own,
        Some(PathBuf::from("deference.test.yaml")),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
    .into_iter()
    .collect()
}

/// Loads guide test files; every file's load errors are returned as data,
/// I/O errors as `Err`.
pub fn tests(paths: &[PathBuf]) -> Result<Result<Vec<TestFile>, LoadErrors>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let text = read(path)?;
        match guidetest::load(&path.display().to_string(), &text) {
            Ok(file) => files.push(file),
            Err(e) => errors.extend(e.0),
        }
    }
    Ok(if errors.is_empty() {
        Ok(files)
    } else {
        Err(LoadErrors(errors))
    })
}
