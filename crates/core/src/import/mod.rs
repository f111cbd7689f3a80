//! Reading other tools' files into new entries. Importers only parse: the workspace writes what
//! they return in one transaction.

pub mod csv;

/// Why an import file was refused. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read the import file: {0}")]
    Io(#[from] std::io::Error),
    /// A required column is missing from the header.
    #[error("the CSV header has no `{0}` column")]
    MissingColumn(&'static str),
    /// A row is malformed.
    #[error("line {line}: {reason}")]
    Row {
        /// 1-based line number in the file.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
}
