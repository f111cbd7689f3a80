//! A client's command line: the program, its arguments and the environment variables set for
//! it. Never holds a secret, so it can be shown (`connect --dry-run`) and logged.

use std::ffi::OsString;
use std::path::PathBuf;

/// A client to run: none of its parts is a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables set in its environment (never a secret).
    pub env: Vec<(String, OsString)>,
}

impl ClientCommand {
    /// A command for `program` with no argument.
    pub fn new(program: PathBuf) -> Self {
        Self {
            program,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    /// Adds arguments.
    pub fn arg(&mut self, args: &[&str]) -> &mut Self {
        self.args.extend(args.iter().map(|a| (*a).to_owned()));
        self
    }

    /// `VAR=value … program arg…`, quoted for a POSIX shell.
    pub fn display(&self) -> String {
        let env = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(&v.to_string_lossy())));
        let argv = std::iter::once(quote(&self.program.to_string_lossy()))
            .chain(self.args.iter().map(|a| quote(a)));
        env.chain(argv).collect::<Vec<_>>().join(" ")
    }

    /// A process builder for this command; the environment is the caller's less every
    /// `PORTCULLIS_*` variable (the master password may be one), plus this command's.
    pub fn process(&self) -> std::process::Command {
        self.process_from(std::env::vars_os().map(|(k, _)| k))
    }

    /// [`process`](Self::process), the caller's environment having the variables `parent`.
    fn process_from(&self, parent: impl IntoIterator<Item = OsString>) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.args);
        for key in parent {
            if key.to_string_lossy().starts_with("PORTCULLIS_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }
}

/// `s` quoted for a POSIX shell when it needs to be.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@+%".contains(&b));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_shown_quoted_with_its_environment() {
        let mut c = ClientCommand::new("/usr/bin/ssh".into());
        c.arg(&["-o", "A=b", "--", "h", "echo 'hi'"]);
        c.env.push(("SSH_ASKPASS_REQUIRE".into(), "force".into()));
        assert_eq!(
            c.display(),
            r"SSH_ASKPASS_REQUIRE=force /usr/bin/ssh -o A=b -- h 'echo '\''hi'\'''"
        );
    }

    #[test]
    fn portcullis_variables_are_not_handed_to_the_client() {
        let mut c = ClientCommand::new("/bin/true".into());
        c.env
            .push(("PORTCULLIS_ASKPASS_SOCKET".into(), "/s".into()));
        let parent =
            ["PORTCULLIS_PASSWORD", "HOME", "PORTCULLIS_EXPORT_PASSWORD"].map(OsString::from);
        let p = c.process_from(parent);
        let envs: Vec<(String, Option<String>)> = p
            .get_envs()
            .map(|(k, v)| {
                let v = v.map(|v| v.to_string_lossy().into_owned());
                (k.to_string_lossy().into_owned(), v)
            })
            .collect();
        assert!(envs.contains(&("PORTCULLIS_PASSWORD".into(), None)));
        assert!(envs.contains(&("PORTCULLIS_EXPORT_PASSWORD".into(), None)));
        assert!(envs.contains(&("PORTCULLIS_ASKPASS_SOCKET".into(), Some("/s".into()))));
        assert!(
            !envs.iter().any(|(k, _)| k == "HOME"),
            "others are inherited as they are"
        );
    }
}
