//! What kind of workspace an address names, before anything is opened: a team workspace's
//! `postgresql://` address or a file's path. At the bottom of the core, so that the file
//! workspace can refuse a team address without knowing the team module.

/// Whether `s` names a team workspace rather than a file.
pub fn is_team_url(s: &str) -> bool {
    s.starts_with("postgresql://") || s.starts_with("postgres://")
}
