//! Web entries: the address a browser opens (`xdg-open`) for a plan. The password is not
//! handed to the browser; the front end copies it under its clipboard rules.

use super::command::ClientCommand;
use super::plan::Plan;
use super::Error;
use std::path::PathBuf;

/// The address of a web connection: `https://HOST[:PORT]/` (`http://` on port 80; the port
/// left out when it is the scheme's own).
pub fn url(plan: &Plan) -> Result<String, Error> {
    super::ssh::check_host(&plan.host)?;
    if plan.host.contains(['?', '#', '\\']) {
        return Err(Error::Unsafe("the host holds '?', '#' or '\\'"));
    }
    let host = if plan.host.contains(':') {
        format!(
            "[{}]",
            plan.host.trim_start_matches('[').trim_end_matches(']')
        )
    } else {
        plan.host.clone()
    };
    Ok(match plan.port {
        443 => format!("https://{host}/"),
        80 => format!("http://{host}/"),
        port => format!("https://{host}:{port}/"),
    })
}

/// `xdg-open URL`.
pub fn command(plan: &Plan, program: PathBuf) -> Result<ClientCommand, Error> {
    let url = url(plan)?;
    let mut c = ClientCommand::new(program);
    c.arg(&[&url]);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{CertPolicy, Protocol};

    fn plan(host: &str, port: u16) -> Plan {
        Plan {
            entry_id: "id".into(),
            title: "T".into(),
            protocol: Protocol::Web,
            host: host.into(),
            port,
            credentials: None,
            host_key: None,
            certificate: CertPolicy::Tofu,
            key_lifetime: 300,
        }
    }

    #[test]
    fn the_address_is_https_with_the_port_when_it_is_not_the_usual_one() {
        assert_eq!(
            url(&plan("console.example", 443)).unwrap(),
            "https://console.example/"
        );
        assert_eq!(
            url(&plan("console.example", 80)).unwrap(),
            "http://console.example/"
        );
        assert_eq!(
            url(&plan("10.0.0.5", 8443)).unwrap(),
            "https://10.0.0.5:8443/"
        );
        assert_eq!(url(&plan("::1", 8443)).unwrap(), "https://[::1]:8443/");
        for bad in ["-x", "a b", "u@h", "h/p", "h?q", "h#f"] {
            assert!(url(&plan(bad, 443)).is_err(), "{bad}");
        }
    }
}
