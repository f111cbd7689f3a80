//! Connect: opening a remote-connection entry's session through the platform's client with
//! the linked login's credentials, the secret never in an argument list or an environment
//! variable. One job per file:
//! - [`plan`]: what a session opens, from the entry and its linked login;
//! - [`command`], [`ssh`], [`vnc`], [`rdp`], [`web`]: the clients' command lines, without any
//!   secret;
//! - [`askpass`]: the channel that gives ssh the password, once;
//! - [`agent`]: a login's SSH key lent to the running ssh-agent for one session;
//! - [`password_pipe`]: a named pipe that gives a client its password file, once;
//! - [`host_key`]: pinned SSH host keys, the private known-hosts file, `ssh-keyscan`;
//! - [`private_dir`]: the owner-only folder of one session;
//! - [`program`]: finding a client, naming its Debian package when it is missing;
//! - [`session`]: running it all;
//! - [`terminal`]: an SSH session in the user's terminal emulator (the app);
//! - [`error`]: why it failed.

pub mod agent;
pub mod askpass;
pub mod command;
pub mod error;
pub mod host_key;
pub mod password_pipe;
pub mod plan;
pub mod private_dir;
pub mod program;
pub mod rdp;
pub mod session;
pub mod ssh;
pub mod terminal;
pub mod vnc;
pub mod web;

pub use error::Error;
pub use plan::Plan;
