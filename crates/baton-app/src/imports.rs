//! Imports and exports.

use baton_store::transfer::{Catalog, ImportError as RowError, ImportErrors, Summary, Unchecked};
use baton_store::{ImportOptions, StoreError};

use crate::App;
use crate::error::failure;

failure! {
    /// Why an import imported nothing.
    pub enum ImportError {
        #[error("nothing was imported:\n{0}")]
        BadRows(ImportErrors) => (Invalid, "invalid"),
    }
}

failure! {
    /// Why an export stopped.
    pub enum ExportError {}
}

impl App {
    /// The applied directory and every team's guide, to check an import
    /// against; `allow_departed` accepts people who left.
    pub async fn catalog(&self, allow_departed: bool) -> Result<Catalog, ImportError> {
        Ok(self.store.catalog(allow_departed).await?)
    }

    /// Imports `items` all or nothing; every bad row is named.
    pub async fn import(
        &self,
        items: impl Iterator<Item = Result<Unchecked, Vec<RowError>>>,
        catalog: &Catalog,
        options: &ImportOptions,
        progress: impl FnMut(u64),
    ) -> Result<Summary, ImportError> {
        match self.store.import(items, catalog, options, progress).await {
            Ok(summary) => Ok(summary),
            Err(StoreError::Import(rows)) => Err(ImportError::BadRows(rows)),
            Err(e) => Err(e.into()),
        }
    }
}
