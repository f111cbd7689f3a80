//! Enums for the names the page sends that only the app knows (entry kinds, protocols and
//! method kinds are the core's own enums), so the generated TypeScript bindings list every
//! value instead of taking any string.

use serde::Deserialize;

/// What `copy_field` copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CopyField {
    /// The password of a login, or of the login a remote connection uses.
    Password,
    /// Its user name, likewise.
    Username,
    /// The current one-time code (an HOTP counter advances).
    Otp,
}
