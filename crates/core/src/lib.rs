//! Portcullis core: encrypted workspaces (crypto, storage, entries) with no UI dependency.
//! The CLI and the desktop app are thin layers over this crate.
#![warn(missing_docs)]

pub mod address;
pub mod clock;
pub mod connect;
pub mod crypto;
pub mod device_binding;
pub mod entry;
pub mod entry_edit;
pub mod entry_store;
pub mod export;
pub mod factor_outcome;
pub mod generator;
pub mod health;
pub mod import;
pub mod keyring;
pub mod logging;
pub mod mfa;
pub mod new_workspace;
pub mod otp;
pub mod quick_unlock;
pub mod secret_file;
pub(crate) mod store;
pub mod team;
pub mod view;
pub mod workspace;
pub mod xdg;

pub use crypto::{KdfParams, SecretBytes, SecretString};
pub use entry::{CertPolicy, Entry, EntryKind, Login, Protocol, Remote};
pub use entry_store::EntryStore;
pub use workspace::{Guarded, LockedWorkspace, NewEntry, OpenWorkspace};
