//! The plan of a session: what to open (protocol, host, port, the pinned host key or the
//! certificate policy) and with which credentials, from a remote-connection entry and the
//! login it is linked to. Holds the password until the session has taken it.

use super::agent::DEFAULT_LIFETIME;
use super::host_key::HostKey;
use super::Error;
use crate::crypto::SecretString;
use crate::entry::ssh_key::SshKey;
use crate::entry::{CertPolicy, Entry, EntryKind, Protocol};
use crate::entry_store::EntryStore;

/// A user name and its password, from the linked login.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// User name (may be empty: the client's default).
    pub user: String,
    /// Password.
    pub password: SecretString,
    /// SSH: the login's private key, used instead of the password.
    pub ssh_key: Option<SshKey>,
}

/// What a session opens, and how.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The connection entry's id.
    pub entry_id: String,
    /// The connection entry's title.
    pub title: String,
    /// Protocol.
    pub protocol: Protocol,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The linked login's user name and password, if it is linked to one.
    pub credentials: Option<Credentials>,
    /// SSH: the pinned host key.
    pub host_key: Option<HostKey>,
    /// RDP: the certificate policy.
    pub certificate: CertPolicy,
    /// SSH with a key: how long the agent keeps it, in seconds (it is taken back when the
    /// session ends; this bounds it if Portcullis is killed first).
    pub key_lifetime: u32,
}

impl Plan {
    /// The plan for the connection `id_or_title` of `ws`, with its linked login.
    pub fn of(ws: &mut (impl EntryStore + ?Sized), id_or_title: &str) -> Result<Self, Error> {
        let entry = ws.find(id_or_title)?;
        let login = match &entry.kind {
            EntryKind::Remote(r) => match &r.login {
                Some(id) => Some(ws.find(id)?),
                None => None,
            },
            _ => None,
        };
        Self::new(&entry, login.as_ref())
    }

    /// The plan for `entry` with its linked `login`, if any.
    pub fn new(entry: &Entry, login: Option<&Entry>) -> Result<Self, Error> {
        let EntryKind::Remote(remote) = &entry.kind else {
            return Err(Error::NotRemote(entry.title.clone()));
        };
        let credentials = match login.map(|l| &l.kind) {
            None => None,
            Some(EntryKind::Login(l)) => Some(Credentials {
                user: l.username.clone(),
                password: l.password.clone(),
                ssh_key: match &l.ssh_key {
                    Some(k) => Some(SshKey::parse(k.expose_secret())?),
                    None => None,
                },
            }),
            Some(_) => return Err(Error::NotALogin),
        };
        let host_key = remote.host_key.as_deref().map(HostKey::parse).transpose()?;
        Ok(Self {
            entry_id: entry.id.clone(),
            title: entry.title.clone(),
            protocol: remote.protocol,
            host: remote.host.clone(),
            port: remote.port,
            credentials,
            host_key,
            certificate: remote.certificate,
            key_lifetime: DEFAULT_LIFETIME,
        })
    }

    /// Pins `key` as the connection's host key, in the workspace and in this plan.
    pub fn pin(&mut self, ws: &mut (impl EntryStore + ?Sized), key: HostKey) -> Result<(), Error> {
        let changes = crate::entry_edit::EntryChanges {
            host_key: Some(key.to_string()),
            ..Default::default()
        };
        ws.edit_entry(&self.entry_id, None, changes)?;
        self.host_key = Some(key);
        Ok(())
    }

    /// SSH: the linked login's private key, if it has one.
    pub fn ssh_key(&self) -> Option<&SshKey> {
        self.credentials.as_ref().and_then(|c| c.ssh_key.as_ref())
    }

    /// The credentials, or [`Error::NoLogin`].
    pub fn credentials(&self) -> Result<&Credentials, Error> {
        self.credentials.as_ref().ok_or(Error::NoLogin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Login, Remote};

    fn entry(title: &str, kind: EntryKind) -> Entry {
        Entry {
            id: format!("id-{title}"),
            title: title.into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            created: 0,
            modified: 0,
            kind,
            fields: Vec::new(),
        }
    }

    #[test]
    fn a_plan_takes_the_connection_and_the_linked_logins_credentials() {
        let mut remote = Remote::new(Protocol::Ssh, "h");
        remote.port = 2222;
        remote.login = Some("id-L".into());
        let conn = entry("C", EntryKind::Remote(remote));
        let login = entry(
            "L",
            EntryKind::Login(Login {
                username: "alice".into(),
                password: "s3cret".into(),
                ..Login::default()
            }),
        );
        let plan = Plan::new(&conn, Some(&login)).unwrap();
        assert_eq!((plan.host.as_str(), plan.port), ("h", 2222));
        let c = plan.credentials().unwrap();
        assert_eq!(
            (c.user.as_str(), c.password.expose_secret()),
            ("alice", "s3cret")
        );
        assert!(plan.host_key.is_none());
        assert!(!format!("{plan:?}").contains("s3cret"), "Debug hides it");

        assert!(matches!(
            Plan::new(&login, None),
            Err(Error::NotRemote(t)) if t == "L"
        ));
        assert!(matches!(
            Plan::new(&conn, Some(&entry("N", EntryKind::Note))),
            Err(Error::NotALogin)
        ));
        assert!(matches!(
            Plan::new(&conn, None).unwrap().credentials(),
            Err(Error::NoLogin)
        ));
    }
}
