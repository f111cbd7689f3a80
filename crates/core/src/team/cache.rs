//! The offline copy of a team workspace (docs/TEAM.md, "Sync, cache and offline"): what the
//! member last verified (the records as sealed on the server, the epoch keys, the chain's head,
//! their own sealed second-factor settings), kept under the XDG data directory, one file per
//! member, server, database and workspace, owner-only. The member's identity is kept as the
//! server keeps it (sealed under their master password); everything else is sealed under a
//! subkey of their master key, bound to their identity and the workspace. So the copy opens
//! with the member's password alone, and with their second factor when they set one.

use super::identity::PublicIdentity;
use super::member::Member;
use super::{Error, TeamUrl};
use crate::crypto::AeadKey;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// HKDF purpose of the key that seals the copy.
pub(super) const CACHE_PURPOSE: &[u8] = b"portcullis/team/v1/cache";
const CACHE_CONTEXT: &[u8] = b"portcullis/team/v1/offline-copy";
/// 2: each record with its hash, an attachment's chunks without their bytes.
const FORMAT: u8 = 2;
/// The largest copy read.
const MAX_COPY: u64 = 1 << 30;

/// The file: who it is for, their sealed identity, and the sealed body.
#[derive(Serialize, Deserialize)]
pub(super) struct Stored {
    pub format: u8,
    pub workspace: [u8; 16],
    pub role: String,
    pub x25519: [u8; 32],
    pub ed25519: [u8; 32],
    /// The identity as the server keeps it: sealed under the master password.
    pub identity: Vec<u8>,
    /// [`Body`], sealed under the cache key.
    pub body: Vec<u8>,
}

/// What the member last verified.
#[derive(Serialize, Deserialize)]
pub(super) struct Body {
    pub workspace: [u8; 16],
    pub name: String,
    pub access: String,
    /// When (Unix seconds) this copy was last brought up to date with the server.
    pub synced_at: i64,
    /// The member's second-factor settings, sealed as the server keeps them, and their version.
    pub mfa: Option<Vec<u8>>,
    pub mfa_version: i64,
    pub keys: Vec<(u64, Zeroizing<[u8; 32]>)>,
    pub seq: u64,
    pub head: [u8; 32],
    pub records: Vec<CachedRecord>,
}

/// A record as the server holds it, with what the chain says of it.
#[derive(Serialize, Deserialize)]
pub(super) struct CachedRecord {
    pub collection: String,
    pub id: String,
    pub version: u64,
    pub epoch: u64,
    pub seq: u64,
    /// SHA-256 of its sealed bytes, as the chain names it.
    pub hash: [u8; 32],
    /// Its sealed bytes; `None` for an attachment's chunk, read from the server when saved.
    pub sealed: Option<Vec<u8>>,
}

/// Where the copy of the workspace `url` names is kept for its member (`None` without a home
/// or a workspace name).
pub(super) fn path(url: &TeamUrl) -> Option<PathBuf> {
    let workspace = url.workspace.as_deref()?;
    super::head::local_file(url, &[workspace.as_bytes()], "copy")
}

fn aad(member: &PublicIdentity, workspace: &[u8; 16]) -> Vec<u8> {
    let mut out = CACHE_CONTEXT.to_vec();
    out.extend_from_slice(&member.bound());
    out.extend_from_slice(workspace);
    out
}

/// Writes `body` as `member`'s copy at `path`, replacing the file whole (owner-only; a crash
/// leaves the previous copy).
pub(super) fn store(path: &Path, member: &Member, body: &Body) -> Result<(), Error> {
    store_parts(
        path,
        &member.cache_key,
        member.identity.public(),
        &member.sealed_identity,
        body,
    )
}

/// [`store`] from the member's parts (an offline member has no connection).
pub(super) fn store_parts(
    path: &Path,
    key: &AeadKey,
    public: &PublicIdentity,
    sealed_identity: &[u8],
    body: &Body,
) -> Result<(), Error> {
    let plain = Zeroizing::new(postcard::to_stdvec(body).map_err(|_| Error::Crypto)?);
    let sealed = key
        .seal(&aad(public, &body.workspace), &plain)
        .map_err(|_| Error::Crypto)?;
    let stored = Stored {
        format: FORMAT,
        workspace: body.workspace,
        role: public.role.clone(),
        x25519: public.x25519,
        ed25519: public.ed25519,
        identity: sealed_identity.to_vec(),
        body: sealed,
    };
    let bytes = postcard::to_stdvec(&stored).map_err(|_| Error::Crypto)?;
    write_replacing(path, &bytes).map_err(|e| Error::OfflineCopy(e.to_string()))?;
    tracing::debug!(records = body.records.len(), "offline copy kept");
    Ok(())
}

fn write_replacing(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        super::head::create_private_dir(dir)?;
    }
    let temporary = path.with_extension("copy.new");
    let _ = std::fs::remove_file(&temporary);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(bytes)?;
    // No fsync: a copy lost in a crash is only a cache, set aside and made again.
    std::fs::rename(&temporary, path)
}

/// The copy at `path`, unopened; `None` when there is none.
pub(super) fn load(path: &Path) -> Result<Option<Stored>, Error> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::OfflineCopy(e.to_string())),
    };
    let mut bytes = Vec::new();
    file.take(MAX_COPY + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::OfflineCopy(e.to_string()))?;
    if bytes.len() as u64 > MAX_COPY {
        return Err(Error::OfflineCopy("it is too large".into()));
    }
    let stored: Stored =
        postcard::from_bytes(&bytes).map_err(|_| Error::OfflineCopy("it is damaged".into()))?;
    if stored.format != FORMAT {
        return Err(Error::OfflineCopy(
            "it was written by another Portcullis version".into(),
        ));
    }
    Ok(Some(stored))
}

/// After a change of the member's password or second factors: every copy of theirs on this
/// computer (any server address, any workspace) is sealed again under `member`'s current key
/// and identity with their current settings; `old_key` opens them. A copy that cannot follow
/// is deleted: an old password or factor must open nothing.
pub(super) fn follow_member(
    old_key: &AeadKey,
    member: &Member,
    mfa: Option<Vec<u8>>,
    version: i64,
) {
    let Some(dir) = crate::xdg::data_dir().map(|d| d.join("team")) else {
        return;
    };
    let public = member.identity.public();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "copy") {
            continue;
        }
        let resealed = (|| -> Result<bool, Error> {
            let Some(stored) = load(&path)? else {
                return Ok(false);
            };
            if stored.role != public.role
                || stored.x25519 != public.x25519
                || stored.ed25519 != public.ed25519
            {
                return Ok(false);
            }
            let mut body = open_body(old_key, public, &stored.workspace, &stored.body)?;
            body.mfa = mfa.clone();
            body.mfa_version = version;
            store(&path, member, &body)?;
            Ok(true)
        })();
        if let Err(e) = resealed {
            tracing::warn!("an offline copy is dropped: {e}");
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Opens the body of a copy with the member's cache key.
pub(super) fn open_body(
    key: &AeadKey,
    member: &PublicIdentity,
    workspace: &[u8; 16],
    sealed: &[u8],
) -> Result<Body, Error> {
    let plain = key
        .open(&aad(member, workspace), sealed)
        .map_err(|_| Error::OfflineCopy("it is damaged or was changed".into()))?;
    postcard::from_bytes(&plain).map_err(|_| Error::OfflineCopy("it is damaged".into()))
}
