//! The command line: every command, flag and argument.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Portcullis: encrypted password and OTP workspaces.
///
/// The master password is read from the terminal when there is one, otherwise from the first
/// line of standard input. Scripts may set PORTCULLIS_PASSWORD instead; anything that can read
/// this process's environment can then read the password.
#[derive(Debug, Parser)]
#[command(name = "portcullis", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub factor: FactorArgs,
    /// Open a workspace whose file asks for more than 1 GiB of memory for key derivation
    /// (up to 4 GiB and many passes: minutes of work and most of this computer's memory).
    /// Without it such a file is refused before the password is asked.
    #[arg(long, global = true)]
    pub allow_costly_kdf: bool,
}

/// The second factor, for workspaces with MFA. Without one, a terminal asks for it.
#[derive(Debug, Clone, Default, Args)]
pub struct FactorArgs {
    /// Authenticator code.
    #[arg(
        long,
        global = true,
        value_name = "CODE",
        conflicts_with = "backup_code"
    )]
    pub totp: Option<String>,
    /// Which method to use (its label): the authenticator a --totp code is from, or the Duo
    /// method for --duo.
    #[arg(long, global = true, value_name = "LABEL")]
    pub method: Option<String>,
    /// A single-use backup code.
    #[arg(long, global = true, value_name = "CODE", conflicts_with = "duo")]
    pub backup_code: Option<String>,
    /// Duo: how to ask (auto, push, phone, sms, passcode).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "FACTOR",
        conflicts_with = "totp"
    )]
    pub duo: Option<DuoFactorArg>,
    /// Duo: the device to ask (default: the one chosen at setup).
    #[arg(long, global = true, value_name = "DEVICE_ID", requires = "duo")]
    pub duo_device: Option<String>,
    /// Duo: the passcode, with --duo passcode.
    #[arg(long, global = true, value_name = "CODE", requires = "duo")]
    pub duo_passcode: Option<String>,
    /// Email a code (to the --method email method, or the default one) and exit; then run the
    /// command again with --email-code.
    #[arg(long, global = true, conflicts_with_all = ["totp", "backup_code", "duo", "email_code"])]
    pub email_send: bool,
    /// A code received by email.
    #[arg(
        long,
        global = true,
        value_name = "CODE",
        conflicts_with_all = ["totp", "backup_code", "duo"]
    )]
    pub email_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DuoFactorArg {
    Auto,
    Push,
    Phone,
    Sms,
    Passcode,
}

impl DuoFactorArg {
    pub fn to_core(self) -> portcullis_core::mfa::duo::Factor {
        use portcullis_core::mfa::duo::Factor;
        match self {
            Self::Auto => Factor::Auto,
            Self::Push => Factor::Push,
            Self::Phone => Factor::Phone,
            Self::Sms => Factor::Sms,
            Self::Passcode => Factor::Passcode,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailmodeArg {
    /// Refuse when Duo cannot be reached (default).
    Secure,
    /// Open without Duo when no connection to Duo can be made before the push or call goes
    /// out, at most 3 times in a row (never on a TLS error, a redirect, bad keys or a denial).
    Safe,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace protected by a master password.
    Init(InitArgs),
    /// Add an entry. The entry password is prompted for on a terminal, otherwise read from the
    /// next line of standard input (or the first, when PORTCULLIS_PASSWORD is set).
    Add(AddArgs),
    /// Change an entry.
    Edit(EditArgs),
    /// Move an entry to the recycle bin (with its history); --purge deletes it for good.
    Rm(RmArgs),
    /// List an entry's versions, newest first, with the fields each changed; without an
    /// entry, show or set (--limit) how many earlier versions are kept per entry.
    History(HistoryArgs),
    /// Make an earlier version of an entry current again (as a new version).
    Restore(RestoreArgs),
    /// List the recycle bin; --empty deletes everything in it for good.
    Trash(TrashArgs),
    /// Put an entry of the recycle bin back.
    Untrash(EntryRef),
    /// List entries.
    List(ListArgs),
    /// Search titles, user names, URLs, notes, groups and tags (not secrets).
    Search(SearchArgs),
    /// Show one entry; secrets only with --reveal.
    Show(ShowArgs),
    /// Print the current code of an entry's one-time-password generator.
    Otp(OtpArgs),
    /// Attach a file to an entry (sealed in the workspace in 1 MiB chunks; at most 64 MiB
    /// unless --max-mib says more).
    Attach(AttachArgs),
    /// List an entry's attachments.
    Attachments(AttachmentsArgs),
    /// Save an entry's attachment to a new file (owner-only, never over an existing file).
    Attachment(AttachmentArgs),
    /// Delete an entry's attachment.
    Detach(DetachArgs),
    /// Import entries from another format in one transaction.
    Import(ImportArgs),
    /// Export the workspace (needs a fresh second factor when MFA is on).
    Export(ExportArgs),
    /// Open a workspace on this machine without its password (the OS keyring keeps its key).
    #[command(subcommand)]
    QuickUnlock(QuickUnlockCommand),
    /// Bind a workspace to this machine's keyring: the file alone, even with the password, is
    /// then useless elsewhere.
    #[command(subcommand, name = "device-binding")]
    DeviceBinding(DeviceBindingCommand),
    /// Change the master password (asks for the current one, even with quick unlock on; the
    /// workspace key is replaced and every record re-sealed).
    Passwd(PasswdArgs),
    /// Second-factor settings: authenticators, backup codes.
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Team workspaces on PostgreSQL.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Open a remote connection's session (SSH, RDP, VNC, web) with its linked login: the
    /// password goes to the client over a private channel, never in an argument or the
    /// environment. SSH host keys are pinned in the entry.
    Connect(ConnectArgs),
    /// Generate a password and print it.
    Generate(GenerateArgs),
    /// Password health, computed here and offline: weak passwords, reused ones (compared by a
    /// keyed hash, never in the clear), ones unchanged for over a year, and logins to sites
    /// that offer a second factor but have no OTP generator here.
    Health(HealthArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct KdfArgs {
    /// Calibrate Argon2id (64 MiB) to about this many milliseconds on this machine [default: 1000].
    #[arg(long, value_name = "N", conflicts_with_all = ["kdf_memory_mib", "kdf_iterations", "kdf_parallelism"])]
    pub kdf_time_ms: Option<u64>,
    /// Argon2id memory in MiB (explicit parameters; needs the other two).
    #[arg(long, value_name = "M", requires_all = ["kdf_iterations", "kdf_parallelism"])]
    pub kdf_memory_mib: Option<u32>,
    /// Argon2id passes.
    #[arg(long, value_name = "T", requires_all = ["kdf_memory_mib", "kdf_parallelism"])]
    pub kdf_iterations: Option<u32>,
    /// Argon2id lanes.
    #[arg(long, value_name = "P", requires_all = ["kdf_memory_mib", "kdf_iterations"])]
    pub kdf_parallelism: Option<u32>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Path of the new workspace file, or postgresql://ROLE@HOST:PORT/DB?workspace=NAME for a
    /// team workspace (you become its first admin; the master password is your identity's).
    pub workspace: PathBuf,
    #[command(flatten)]
    pub kdf: KdfArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Login,
    Otp,
    Note,
    Remote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    Ssh,
    Rdp,
    Vnc,
    Web,
}

/// Fields shared by add and edit.
#[derive(Debug, Args)]
pub struct EntryFields {
    /// User name (logins).
    #[arg(long)]
    pub username: Option<String>,
    /// URL (logins).
    #[arg(long)]
    pub url: Option<String>,
    /// Notes (the body of a secure note). An argument is visible to other local users (ps,
    /// /proc) and stays in shell history: for anything private, use --notes-file.
    #[arg(long, conflicts_with = "notes_file")]
    pub notes: Option<String>,
    /// Read the notes from this file (UTF-8, at most 1 MiB).
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,
    /// TOTP generator: an otpauth:// URI or a Base32 key (on edit, "" removes it from a login).
    /// `--otp -` reads it from the terminal (hidden) or the next line of standard input, after
    /// the master password: an argument is visible to other local users and stays in shell
    /// history.
    #[arg(long, value_name = "URI")]
    pub otp: Option<String>,
    /// Group path, such as Work/Servers (on edit, "" removes it).
    #[arg(long)]
    pub group: Option<String>,
    /// Tag (repeat for several; on edit, replaces the tags).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Generate the entry password instead of reading it.
    #[arg(long)]
    pub generate: bool,
    /// Length of a generated password.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub length: usize,
    /// Leave symbols out of a generated password.
    #[arg(long)]
    pub no_symbols: bool,
    /// Login: an SSH private key that SSH connections linked to this login use instead of the
    /// password, read from this file (OpenSSH format as ssh-keygen writes it, without a
    /// passphrase, at most 64 KiB; on edit, "" removes it).
    #[arg(long, value_name = "FILE")]
    pub ssh_key_file: Option<std::ffi::OsString>,
    /// Remote connection: protocol.
    #[arg(long, value_enum)]
    pub protocol: Option<ProtocolArg>,
    /// Remote connection: host.
    #[arg(long)]
    pub host: Option<String>,
    /// Remote connection: port [default: the protocol's].
    #[arg(long)]
    pub port: Option<u16>,
    /// Remote connection: the login entry (id or title) whose credentials it uses.
    #[arg(long, value_name = "ID_OR_TITLE")]
    pub login: Option<String>,
    /// SSH connection: the server's host key to pin, "TYPE BASE64" as in a known-hosts line
    /// (on edit, "" unpins it).
    #[arg(long, value_name = "TYPE BASE64")]
    pub host_key: Option<String>,
    /// RDP connection: what to do with the server's certificate [default: tofu].
    #[arg(long, value_enum, value_name = "POLICY")]
    pub certificate: Option<CertificateArg>,
    /// A plain custom field, searched like the notes (repeat for several; on edit, sets the
    /// field of that name or adds one).
    #[arg(long = "field", value_name = "NAME=VALUE")]
    pub fields: Vec<String>,
    /// A secret custom field (hidden, never searched): its value is asked on the terminal
    /// (hidden) or read from the next line of standard input, after the master password and
    /// the entry password (repeat for several, one line each, in order).
    #[arg(long = "secret-field", value_name = "NAME")]
    pub secret_fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CertificateArg {
    /// Trust on first use: remember the first certificate, refuse a changed one.
    Tofu,
    /// Only a certificate the system's authorities vouch for.
    Verify,
    /// Any certificate (no protection against a machine in the middle).
    Ignore,
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The connection: its id, an id prefix, or its title.
    pub entry: String,
    /// Print the client command that would run (it holds no secret) and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// Log in and exit (0 when the login worked), without opening a session.
    #[arg(long, conflicts_with = "command")]
    pub auth_only: bool,
    /// Web: seconds the password stays on the clipboard (cleared then if it still holds it;
    /// this command waits until then).
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub clear_after: u64,
    /// SSH with a login's key: seconds the ssh-agent keeps the key (it is removed when the
    /// session ends; this bounds it if portcullis is killed first).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(1..=86400))]
    pub key_lifetime: u32,
    /// SSH: the command to run on the remote host (after --); its output and exit status
    /// come back.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Title.
    #[arg(long)]
    pub title: String,
    /// Kind of entry.
    #[arg(long, value_enum, default_value_t = KindArg::Login)]
    pub kind: KindArg,
    #[command(flatten)]
    pub fields: EntryFields,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// New title.
    #[arg(long)]
    pub title: Option<String>,
    /// Read a new entry password (prompt, or the next line of standard input).
    #[arg(long)]
    pub change_password: bool,
    /// Remove the custom field of this name (repeat for several).
    #[arg(long = "remove-field", value_name = "NAME")]
    pub remove_fields: Vec<String>,
    #[command(flatten)]
    pub fields: EntryFields,
}

#[derive(Debug, Args)]
pub struct EntryRef {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title (with --purge, also one in the bin).
    pub entry: String,
    /// Delete for good, with its history, instead of moving it to the recycle bin.
    #[arg(long)]
    pub purge: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: Option<String>,
    /// Print [{"version", "modified", "changed"}] (with --reveal, also "password").
    #[arg(long)]
    pub json: bool,
    /// Include each version's password.
    #[arg(long)]
    pub reveal: bool,
    /// Keep this many earlier versions per entry (0 to 1000; 20 by default).
    #[arg(long, value_name = "N", conflicts_with_all = ["entry", "json", "reveal"])]
    pub limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// The version to make current (as `history` numbers it).
    pub version: u64,
}

#[derive(Debug, Args)]
pub struct TrashArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Print [{"id", "title", "kind", "deleted"}].
    #[arg(long)]
    pub json: bool,
    /// Delete every entry of the bin for good.
    #[arg(long, conflicts_with = "json")]
    pub empty: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Print JSON: {"weak": [ids], "reused": [[ids], …], "old": [ids], "missing_2fa": [ids]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Text to look for, ignoring case.
    pub query: String,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Include secrets (password, OTP URI, secret custom fields).
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// The file to attach.
    pub file: PathBuf,
    /// The attachment's name [default: the file's name].
    #[arg(long)]
    pub name: Option<String>,
    /// The largest file accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_mib: u64,
}

#[derive(Debug, Args)]
pub struct AttachmentsArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// Print JSON: [{"name", "size"}].
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AttachmentArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// The attachment's name.
    pub name: String,
    /// The new file to write (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct DetachArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// The attachment's name.
    pub name: String,
}

#[derive(Debug, Args)]
pub struct OtpArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// The entry: its id, an id prefix, or its title.
    pub entry: String,
    /// Print JSON with the seconds left.
    #[arg(long)]
    pub json: bool,
    /// Compute the code at this Unix time instead of now.
    #[arg(long, value_name = "UNIX_TIME")]
    pub at: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// title,username,password,url,notes,otp[,group][,custom_fields]
    Csv,
    /// otpauth:// URIs, one per line
    Otpauth,
    /// Google Authenticator export URIs (otpauth-migration://), one per line
    GoogleMigration,
    /// A PNG or JPEG image of a QR code (otpauth or migration)
    QrImage,
    /// KeePass KDBX 3.1 or 4 (its password from PORTCULLIS_IMPORT_PASSWORD or a prompt)
    Kdbx,
    /// Aegis JSON, plain or encrypted (password as for kdbx)
    Aegis,
    /// Bitwarden unencrypted JSON export
    Bitwarden,
    /// 2FAS backup (plain)
    #[value(name = "2fas")]
    TwoFas,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Format of the file.
    #[arg(long, value_enum)]
    pub from: ImportFormat,
    /// The file to import.
    pub file: PathBuf,
    /// Show what would be imported, skipped and left out as duplicates; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Leave out the items that resemble an entry (same OTP secret, or same title, user
    /// name and URL) but differ from it; by default they are imported and listed as similar.
    #[arg(long)]
    pub skip_similar: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum QuickUnlockCommand {
    /// Let this computer open the workspace without the password (the password and a fresh
    /// factor now, also to renew it). Without MFA, this computer's session alone then opens it.
    Enable {
        /// Workspace file.
        workspace: PathBuf,
        /// Days before the keyring item expires (1 to 90).
        #[arg(
            long,
            default_value_t = portcullis_core::quick_unlock::DEFAULT_DAYS,
            value_parser = clap::value_parser!(u32)
                .range(1..=i64::from(portcullis_core::quick_unlock::MAX_DAYS))
        )]
        days: u32,
    },
    /// Delete the keyring item: the password is needed again.
    Disable {
        /// Workspace file.
        workspace: PathBuf,
    },
    /// Whether quick unlock is on here, and until when.
    Status {
        /// Workspace file.
        workspace: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceBindingCommand {
    /// Bind to this machine (needs the password and a fresh factor); writes the recovery kit.
    Enable {
        /// Workspace file.
        workspace: PathBuf,
        /// Where to write the recovery kit (a new file): print it and keep it offline.
        #[arg(long, value_name = "FILE")]
        recovery_kit: PathBuf,
    },
    /// Unbind: the password alone opens the workspace again, on any machine.
    Disable {
        /// Workspace file.
        workspace: PathBuf,
    },
    /// Whether the workspace is bound, and whether this machine holds its key.
    Status {
        /// Workspace file.
        workspace: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Put the key of a recovery kit into this machine's keyring (asks for the password and the
    /// recovery key: PORTCULLIS_RECOVERY_KEY, a prompt, or the next stdin line).
    Restore {
        /// Workspace file.
        workspace: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// otpauth:// URIs, one per line (NOT encrypted)
    Otpauth,
    /// CSV that `import --from csv` reads (NOT encrypted)
    Csv,
    /// KeePass KDBX 4 with its own password (PORTCULLIS_EXPORT_PASSWORD or a prompt)
    Kdbx,
    /// An encrypted copy of the workspace (same password and second factor)
    Portcullis,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// Format to write.
    #[arg(long, value_enum)]
    pub to: ExportFormat,
    /// The file to create (it must not exist).
    pub file: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// New key-derivation settings (default: keep the current ones).
    #[command(flatten)]
    pub kdf: KdfArgs,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of characters.
    #[arg(long, default_value_t = 20)]
    pub length: usize,
    /// Leave symbols out.
    #[arg(long)]
    pub no_symbols: bool,
    /// Leave out characters that are easy to misread (I l 1 O 0 |).
    #[arg(long)]
    pub no_look_alike: bool,
}

/// A member's access to a team workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccessArg {
    Admin,
    Editor,
    Viewer,
}

/// Team workspaces on PostgreSQL.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create or migrate the Portcullis schema in a PostgreSQL database (run again, it changes
    /// nothing). Run it as a role that may create objects there; it expects the NOLOGIN role
    /// portcullis_member, which the database administrator grants to each member's login role.
    /// The database password comes from PGPASSWORD, ~/.pgpass, a terminal prompt or the next
    /// line of standard input.
    Setup {
        /// postgresql://ROLE@HOST:PORT/DB (with sslmode=… if needed).
        url: String,
        /// Print the result as JSON: {"from": N, "to": N}.
        #[arg(long)]
        json: bool,
    },
    /// Ask to join a team workspace: creates your identity first if you have none (the
    /// master password asked for is then a new one), and prints the fingerprint an admin
    /// compares before approving.
    Join {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME
        url: String,
        /// Print {"fingerprint": "…"}.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Approve a member's request, after comparing their fingerprint with them out of band
    /// (a fingerprint that does not match is refused); they get the workspace key.
    Approve {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME (an admin's role)
        url: String,
        /// The member's PostgreSQL role.
        member: String,
        /// The fingerprint the member read out (`team join` printed it).
        #[arg(long)]
        fingerprint: String,
        /// Their access.
        #[arg(long, value_enum, default_value_t = AccessArg::Editor)]
        role: AccessArg,
    },
    /// Change an active member's access.
    Role {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME (an admin's role)
        url: String,
        /// The member's PostgreSQL role.
        member: String,
        /// Their new access.
        #[arg(value_enum)]
        role: AccessArg,
    },
    /// Remove a member: PostgreSQL refuses them every row at once, and a new workspace key is
    /// granted to the others. Change the secrets they could read.
    Remove {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME (an admin's role)
        url: String,
        /// The member's PostgreSQL role.
        member: String,
    },
    /// Show the workspace's audit log (joins, approvals, role changes, removals, key
    /// rotations), after checking every link and signature; a log changed on the server is
    /// refused, not shown.
    Log {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME
        url: String,
        /// Print [{"seq", "at", "actor", "action", "subject"}].
        #[arg(long)]
        json: bool,
    },
    /// List the workspace's members (an active member sees all; a pending one only their own
    /// request).
    Members {
        /// postgresql://ROLE@HOST:PORT/DB?workspace=NAME
        url: String,
        /// Print [{"name", "role", "state", "fingerprint"}].
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Show whether MFA is on, each method and the backup codes left (needs the password only).
    Status {
        /// Workspace file.
        workspace: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Authenticator apps (TOTP).
    #[command(subcommand)]
    Totp(TotpCommand),
    /// Duo (Auth API).
    #[command(subcommand)]
    Duo(DuoCommand),
    /// Codes by email through your SMTP server (weaker than an authenticator).
    #[command(subcommand)]
    Email(EmailCommand),
    /// Backup codes.
    #[command(subcommand, name = "backup-codes")]
    BackupCodes(BackupCodesCommand),
    /// Remove a method (removing the last one turns MFA off).
    Remove {
        /// Workspace file.
        workspace: PathBuf,
        /// The method's label.
        label: String,
    },
    /// Make a method the one offered first.
    Default {
        /// Workspace file.
        workspace: PathBuf,
        /// The method's label.
        label: String,
    },
    /// Rename a method.
    Rename {
        /// Workspace file.
        workspace: PathBuf,
        /// The method's label.
        label: String,
        /// Its new label.
        new_label: String,
    },
    /// After how many days without change a method shows as expired (default 180).
    ExpiryDays {
        /// Workspace file.
        workspace: PathBuf,
        /// Days.
        days: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum TotpCommand {
    /// Start adding an authenticator: prints the otpauth URI, the key and a QR code.
    Begin {
        /// Workspace file.
        workspace: PathBuf,
        /// A name for the app or device (“Pixel 8”).
        #[arg(long)]
        label: String,
        /// Also write the QR code as a PNG file.
        #[arg(long, value_name = "FILE")]
        qr_png: Option<PathBuf>,
        /// Also write the QR code as an SVG file.
        #[arg(long, value_name = "FILE")]
        qr_svg: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Finish adding it with a code from the app; the first method also prints backup codes.
    Confirm {
        /// Workspace file.
        workspace: PathBuf,
        /// The code the app shows.
        code: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Start adding an email method: checks the settings by sending a confirmation code. The
    /// SMTP password comes from PORTCULLIS_SMTP_PASSWORD, a terminal prompt or the next stdin
    /// line.
    Add(EmailAddArgs),
    /// Finish adding it with the code from the email; the first method also prints backup codes.
    Confirm {
        /// Workspace file.
        workspace: PathBuf,
        /// The code from the email.
        code: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct EmailAddArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// A name for this method ("Work mail").
    #[arg(long)]
    pub label: String,
    /// SMTP server.
    #[arg(long, value_name = "HOST")]
    pub smtp_host: String,
    /// SMTP port (usually 587 with --starttls, 465 with --tls).
    #[arg(long, value_name = "PORT")]
    pub smtp_port: u16,
    /// Upgrade the connection with STARTTLS (required, never skipped).
    #[arg(long, conflicts_with = "tls")]
    pub starttls: bool,
    /// TLS from the first byte. Without --starttls or --tls the connection is not encrypted,
    /// no login is allowed, and the server must be this machine (localhost, 127.0.0.0/8, ::1)
    /// unless --insecure-plaintext is given.
    #[arg(long)]
    pub tls: bool,
    /// Send codes unencrypted to a server that is not this machine: anyone on the network
    /// path can read them, and so holds this factor. A warning is printed.
    #[arg(long, conflicts_with_all = ["starttls", "tls"])]
    pub insecure_plaintext: bool,
    /// SMTP user name (its password is asked for).
    #[arg(long, value_name = "USER")]
    pub smtp_user: Option<String>,
    /// Also trust this CA certificate (PEM) for the server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Sender address.
    #[arg(long, value_name = "ADDRESS")]
    pub from: String,
    /// Where the codes go.
    #[arg(long, value_name = "ADDRESS")]
    pub to: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum BackupCodesCommand {
    /// New codes; the old ones stop working.
    Regenerate {
        /// Workspace file.
        workspace: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete the backup codes.
    Delete {
        /// Workspace file.
        workspace: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum DuoCommand {
    /// Add Duo: check the keys, choose the device and factor, approve one test, save. The
    /// secret key comes from PORTCULLIS_DUO_SKEY, a terminal prompt or the next stdin line.
    Add(DuoAddArgs),
    /// List the devices Duo offers now for a Duo method (needs the password only).
    Devices {
        /// Workspace file.
        workspace: PathBuf,
        /// The Duo method's label (default: the first Duo method).
        #[arg(long)]
        label: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct DuoAddArgs {
    /// Workspace file.
    pub workspace: PathBuf,
    /// A name for this method ("Duo work").
    #[arg(long)]
    pub label: String,
    /// API hostname from the Duo Admin Panel (api-xxxxxxxx.duosecurity.com[:PORT]).
    #[arg(long, value_name = "API_HOST")]
    pub host: String,
    /// Integration key.
    #[arg(long)]
    pub ikey: String,
    /// The Duo user name.
    #[arg(long, value_name = "DUO_USER")]
    pub username: String,
    /// An extra CA certificate (PEM) to trust, for an on-premises proxy or the emulator.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// The device to use (required when the user has several and there is no terminal).
    #[arg(long, value_name = "DEVICE_ID")]
    pub device: Option<String>,
    /// How to ask by default [default: the best the device can do].
    #[arg(long, value_enum)]
    pub factor: Option<DuoFactorArg>,
    /// What to do when Duo cannot be reached.
    #[arg(long, value_enum, default_value_t = FailmodeArg::Secure)]
    pub failmode: FailmodeArg,
    /// Sign requests with v2 instead of Duo's current v5.
    #[arg(long)]
    pub sig_v2: bool,
    /// Reach Duo through this HTTP(S) proxy (http://HOST:PORT), saved with the method. Duo
    /// calls never use the proxy environment variables (HTTPS_PROXY…).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// A passcode for the test authentication, with --factor passcode.
    #[arg(long, value_name = "CODE")]
    pub test_passcode: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
