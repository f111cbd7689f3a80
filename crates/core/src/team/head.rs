//! The head of a team workspace's change chain this computer last verified, kept per member,
//! server and workspace under the XDG data directory. A server that later shows a shorter
//! history, or another one at that position (a rollback or a fork), is refused. Honest limit
//! (docs/TEAM.md): a member who never opened the workspace on this computer has nothing to
//! compare with. The file holds no secret: a position and a hash.

use super::identity::PublicIdentity;
use super::{Error, TeamUrl};
use std::path::PathBuf;

/// Where the head of the workspace `url` names is kept for its member (`None` without a home
/// or a workspace name). Named by the workspace's name, not the id the server gives.
pub(super) fn path(url: &TeamUrl) -> Option<PathBuf> {
    local_file(url, &[url.workspace.as_deref()?.as_bytes()], "head")
}

/// Pins, at this computer's first contact with the workspace `url` names, its id and its
/// founder (role and keys), and refuses afterwards a server that shows another: the founder is
/// the root every membership is checked from, so a server that swapped it could make up admins
/// and keys of its own.
pub(super) fn check_founder(
    url: &TeamUrl,
    workspace: &[u8; 16],
    founder: &PublicIdentity,
) -> Result<(), Error> {
    let Some(path) = url
        .workspace
        .as_deref()
        .and_then(|name| local_file(url, &[name.as_bytes()], "founder"))
    else {
        return Ok(());
    };
    let hex = |b: &[u8]| -> String { b.iter().map(|x| format!("{x:02x}")).collect() };
    let pinned = format!(
        "{}\n{}\n{}\n{}\n",
        hex(workspace),
        hex(founder.role.as_bytes()),
        hex(&founder.x25519),
        hex(&founder.ed25519)
    );
    match std::fs::read_to_string(&path) {
        Ok(text) if text == pinned => Ok(()),
        Ok(_) => Err(Error::FounderChanged),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                create_private_dir(dir).map_err(|e| Error::OfflineCopy(e.to_string()))?;
            }
            std::fs::write(&path, pinned).map_err(|e| Error::OfflineCopy(e.to_string()))
        }
        Err(e) => Err(Error::OfflineCopy(e.to_string())),
    }
}

/// Where this computer keeps the highest version of the member's second-factor settings it saw
/// on the server `url` names (per member, server and database: the settings are the member's,
/// not a workspace's).
fn factor_pin_path(url: &TeamUrl) -> Option<PathBuf> {
    local_file(url, &[b"second-factor settings"], "factor")
}

/// Refuses the member's second-factor settings as the server shows them (`sealed` or none, at
/// `version`) when they are older than this computer saw them: an earlier sealed version put
/// back (undoing a lockout count or a used backup code), or the settings deleted (every write
/// seals them, so only a member who never wrote them has none, at version 0). Honest limit, as
/// for the head: a computer that never saw them has nothing to compare with.
pub(super) fn check_factor_version(url: &TeamUrl, sealed: bool, version: i64) -> Result<(), Error> {
    let pinned = factor_pin_path(url)
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| text.trim().parse::<i64>().ok())
        .unwrap_or(0);
    if version < pinned || (!sealed && version > 0) {
        return Err(Error::FactorSettingsRolledBack);
    }
    Ok(())
}

/// Keeps `version` as the highest version of the member's settings this computer saw (checked
/// and opened, or written). A failure to keep it only weakens the next check: it is logged.
pub(super) fn pin_factor_version(url: &TeamUrl, version: i64) {
    let Some(path) = factor_pin_path(url) else {
        return;
    };
    let kept = (|| {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        let temporary = path.with_extension("factor.new");
        std::fs::write(&temporary, format!("{version}\n"))?;
        std::fs::rename(&temporary, &path)
    })();
    if let Err(e) = kept {
        tracing::warn!("the version of the second-factor settings was not kept: {e}");
    }
}

/// This computer's folder of team files, owner-only.
pub(super) fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// A file of this computer's for the member, server and database `url` names and `more`,
/// under the XDG data directory: `team/<hash>.<extension>`.
pub(super) fn local_file(url: &TeamUrl, more: &[&[u8]], extension: &str) -> Option<PathBuf> {
    let mut named = Vec::new();
    for part in [
        url.role.as_bytes(),
        url.host.as_bytes(),
        url.database.as_bytes(),
    ]
    .into_iter()
    .chain(more.iter().copied())
    {
        named.extend_from_slice(&(part.len() as u32).to_be_bytes());
        named.extend_from_slice(part);
    }
    named.extend_from_slice(&url.port.to_be_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA256, &named);
    let name: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(
        crate::xdg::data_dir()?
            .join("team")
            .join(format!("{name}.{extension}")),
    )
}

/// The head kept at `path`: `(position, hash)`; `None` when there is none or it is unreadable
/// (a damaged file pins nothing rather than locking the member out).
pub(super) fn load(path: &std::path::Path) -> Option<(u64, [u8; 32])> {
    let text = std::fs::read_to_string(path).ok()?;
    let (seq, hash) = text.trim().split_once(' ')?;
    let bytes: Vec<u8> = (0..hash.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hash.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    Some((seq.parse().ok()?, bytes.try_into().ok()?))
}

/// Keeps `(seq, hash)` at `path`, replacing the file whole (a crash leaves the old head).
pub(super) fn store(path: &std::path::Path, seq: u64, hash: &[u8; 32]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let temporary = path.with_extension("head.new");
    std::fs::write(&temporary, format!("{seq} {hex}\n"))?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_head_loads_back_and_a_damaged_one_pins_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("w.head");
        assert_eq!(load(&path), None);
        store(&path, 42, &[0xab; 32]).unwrap();
        assert_eq!(load(&path), Some((42, [0xab; 32])));
        store(&path, 43, &[1; 32]).unwrap();
        assert_eq!(load(&path), Some((43, [1; 32])));
        std::fs::write(&path, "43 zz").unwrap();
        assert_eq!(load(&path), None);
    }

    #[test]
    fn each_member_server_and_workspace_has_its_own_head() {
        let url = |s: &str| TeamUrl::parse(s).unwrap();
        let a = url("postgresql://alice@db:5432/vault?workspace=ops");
        let names = [
            path(&a),
            path(&url("postgresql://alice@db:5432/vault?workspace=dev")),
            path(&url("postgresql://bob@db:5432/vault?workspace=ops")),
            path(&url("postgresql://alice@db:5433/vault?workspace=ops")),
            path(&url("postgresql://alice@db:5432/other?workspace=ops")),
        ];
        for (i, x) in names.iter().enumerate() {
            for y in &names[i + 1..] {
                assert_ne!(x, y);
            }
        }
    }
}
