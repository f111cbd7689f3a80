//! The password health report, computed locally and offline over any [`EntryStore`] (a file
//! or a team workspace): weak passwords, reused passwords, passwords unchanged for over a
//! year, and logins to well-known sites that offer a second factor but have no OTP generator
//! here.
//!
//! Reused passwords are found by a keyed hash (HMAC-SHA256 under a random key made for one
//! report and dropped, wiped, with it): two passwords are never compared, nor kept, in the
//! clear, and the tags mean nothing outside the report.

use crate::crypto::KeyedHash;
use crate::entry::{Entry, EntryKind, Login};
use crate::entry_store::EntryStore;
use crate::workspace::Result;
use serde::Serialize;
use std::collections::HashMap;

/// A password unchanged for longer than this (365 days, in seconds) is old.
pub const OLD_AFTER_SECONDS: i64 = 365 * 24 * 60 * 60;

/// zxcvbn's scores below this one (out of 0 to 4) are weak: zxcvbn's own advice ("any score
/// less than 3 should be considered too weak").
pub const STRONG_SCORE: u8 = 3;

/// One flagged entry: its id (the link to it) and its title (what a person reads).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Flagged {
    /// The entry's id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// The report: each list in list order (by group, then title). It holds no secret.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HealthReport {
    /// Logins whose password zxcvbn scores below [`STRONG_SCORE`].
    pub weak: Vec<Flagged>,
    /// Groups of two or more logins sharing one password.
    pub reused: Vec<Vec<Flagged>>,
    /// Logins whose password has not changed for over [`OLD_AFTER_SECONDS`].
    pub old: Vec<Flagged>,
    /// Logins to a site of [`SITES_WITH_TOTP`] with no OTP generator, neither their own nor an
    /// authenticator entry of that site.
    pub missing_2fa: Vec<Flagged>,
    /// How many logins with a password were checked.
    pub checked: usize,
}

impl HealthReport {
    /// Whether nothing was flagged.
    pub fn is_clean(&self) -> bool {
        self.weak.is_empty()
            && self.reused.is_empty()
            && self.old.is_empty()
            && self.missing_2fa.is_empty()
    }
}

/// Well-known sites that let an account add an authenticator app (TOTP): their registrable
/// domain and the name an authenticator entry of theirs usually has as its issuer.
pub const SITES_WITH_TOTP: &[(&str, &str)] = &[
    ("amazon.com", "Amazon"),
    ("atlassian.com", "Atlassian"),
    ("binance.com", "Binance"),
    ("bitbucket.org", "Bitbucket"),
    ("bitwarden.com", "Bitwarden"),
    ("cloudflare.com", "Cloudflare"),
    ("coinbase.com", "Coinbase"),
    ("digitalocean.com", "DigitalOcean"),
    ("discord.com", "Discord"),
    ("docker.com", "Docker"),
    ("dropbox.com", "Dropbox"),
    ("facebook.com", "Facebook"),
    ("fastmail.com", "Fastmail"),
    ("github.com", "GitHub"),
    ("gitlab.com", "GitLab"),
    ("godaddy.com", "GoDaddy"),
    ("google.com", "Google"),
    ("heroku.com", "Heroku"),
    ("hetzner.com", "Hetzner"),
    ("instagram.com", "Instagram"),
    ("kraken.com", "Kraken"),
    ("linkedin.com", "LinkedIn"),
    ("live.com", "Microsoft"),
    ("mailchimp.com", "Mailchimp"),
    ("microsoft.com", "Microsoft"),
    ("namecheap.com", "Namecheap"),
    ("npmjs.com", "npm"),
    ("ovh.com", "OVH"),
    ("ovhcloud.com", "OVHcloud"),
    ("paypal.com", "PayPal"),
    ("proton.me", "Proton"),
    ("pypi.org", "PyPI"),
    ("reddit.com", "Reddit"),
    ("salesforce.com", "Salesforce"),
    ("shopify.com", "Shopify"),
    ("slack.com", "Slack"),
    ("stripe.com", "Stripe"),
    ("twitch.tv", "Twitch"),
    ("twitter.com", "X"),
    ("wordpress.com", "WordPress"),
    ("x.com", "X"),
    ("yahoo.com", "Yahoo"),
    ("zoom.us", "Zoom"),
];

/// The report over a store's entries, at its clock, with each password's change time taken
/// as its entry's last modification.
pub fn report<S: EntryStore + ?Sized>(store: &mut S) -> Result<HealthReport> {
    let entries = store.entries()?;
    let changed = store.password_change_times(&entries)?;
    check(&entries, store.now(), |e| {
        Ok(changed.get(&e.id).copied().unwrap_or(e.modified))
    })
}

/// The report over `entries` at `now` (Unix seconds); `password_changed` gives the time a
/// login's password last changed (a store with entry history knows it better than the
/// entry's modification time).
pub fn check(
    entries: &[Entry],
    now: i64,
    mut password_changed: impl FnMut(&Entry) -> Result<i64>,
) -> Result<HealthReport> {
    let tags = KeyedHash::new()?;
    let mut report = HealthReport::default();
    let mut groups: Vec<Vec<Flagged>> = Vec::new();
    let mut group_of: HashMap<[u8; 32], usize> = HashMap::new();
    let authenticators = authenticators(entries);
    let weak = weak_logins(entries);
    for (entry, weak) in entries.iter().zip(weak) {
        let EntryKind::Login(login) = &entry.kind else {
            continue;
        };
        let flagged = || Flagged {
            id: entry.id.clone(),
            title: entry.title.clone(),
        };
        if login.otp.is_none() {
            if let Some((_, name)) = site_with_totp(&login.url) {
                if !authenticators
                    .iter()
                    .any(|a| a.covers(name, &login.username))
                {
                    report.missing_2fa.push(flagged());
                }
            }
        }
        let password = login.password.expose_secret();
        if password.is_empty() {
            continue;
        }
        report.checked += 1;
        if weak {
            report.weak.push(flagged());
        }
        let group = *group_of
            .entry(tags.of(password.as_bytes()))
            .or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
        groups[group].push(flagged());
        if now.saturating_sub(password_changed(entry)?) > OLD_AFTER_SECONDS {
            report.old.push(flagged());
        }
    }
    report.reused = groups.into_iter().filter(|g| g.len() > 1).collect();
    tracing::debug!(
        checked = report.checked,
        weak = report.weak.len(),
        reused = report.reused.len(),
        old = report.old.len(),
        missing_2fa = report.missing_2fa.len(),
        "health report"
    );
    Ok(report)
}

/// For each entry, whether it is a login with a weak password ([`is_weak`]). zxcvbn takes
/// about half a millisecond a password (release build): the entries are shared among the
/// processors.
fn weak_logins(entries: &[Entry]) -> Vec<bool> {
    let weak = |e: &Entry| match &e.kind {
        EntryKind::Login(l) if !l.password.is_empty() => is_weak(e, l),
        _ => false,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || entries.len() < 64 {
        return entries.iter().map(weak).collect();
    }
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                let len = part.len();
                let handle = scope.spawn(move || part.iter().map(weak).collect::<Vec<bool>>());
                (len, handle)
            })
            .collect();
        parts
            .into_iter()
            // A panic in zxcvbn counts its part as not weak (each entry keeps its place)
            // rather than failing the report.
            .flat_map(|(len, h)| h.join().unwrap_or_else(|_| vec![false; len]))
            .collect()
    })
}

/// Whether zxcvbn scores the login's password below [`STRONG_SCORE`], knowing the entry's
/// title, user name and site (a password made of them is easy to guess).
fn is_weak(entry: &Entry, login: &Login) -> bool {
    let host = host_of(&login.url).unwrap_or_default();
    let inputs = [entry.title.as_str(), login.username.as_str(), host.as_str()];
    let estimate = zxcvbn::zxcvbn(login.password.expose_secret(), &inputs);
    u8::from(estimate.score()) < STRONG_SCORE
}

/// The site of [`SITES_WITH_TOTP`] a login's URL is on: its host's registrable domain
/// (`accounts.google.com` is on `google.com`; `github.io` pages are not GitHub).
pub fn site_with_totp(url: &str) -> Option<(&'static str, &'static str)> {
    let host = host_of(url)?;
    let domain = psl::domain_str(&host)?;
    SITES_WITH_TOTP
        .iter()
        .find(|(site, _)| *site == domain)
        .copied()
}

/// The lower-case host of a URL, with or without its scheme (`github.com/login`).
fn host_of(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| u.host_str().is_some())
        .or_else(|| url::Url::parse(&format!("https://{url}")).ok())?;
    let host = parsed
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    Some(host).filter(|h| !h.is_empty())
}

/// An authenticator entry (an OTP entry): the lower-case name of its site (its issuer, or its
/// title when it has none) and its account, if it names one.
struct Authenticator {
    names: [String; 2],
    account: Option<String>,
}

impl Authenticator {
    /// Whether this generator is the second factor of a login to `site` as `username`: same
    /// site name, and the same account when the generator names one.
    fn covers(&self, site: &str, username: &str) -> bool {
        let site = site.to_lowercase();
        self.names.contains(&site)
            && self
                .account
                .as_deref()
                .is_none_or(|a| a.is_empty() || username.is_empty() || a == username.to_lowercase())
    }
}

fn authenticators(entries: &[Entry]) -> Vec<Authenticator> {
    entries
        .iter()
        .filter_map(|entry| match &entry.kind {
            EntryKind::Otp { otp } => Some(Authenticator {
                names: [
                    otp.issuer.as_deref().unwrap_or(&entry.title).to_lowercase(),
                    entry.title.to_lowercase(),
                ],
                account: otp.account.as_deref().map(str::to_lowercase),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otp::OtpParams;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 24 * 60 * 60;

    fn login(id: &str, title: &str, password: &str, url: &str) -> Entry {
        Entry {
            id: id.into(),
            title: title.into(),
            group: None,
            tags: Vec::new(),
            notes: String::new(),
            fields: Vec::new(),
            created: NOW - DAY,
            modified: NOW - DAY,
            kind: EntryKind::Login(Login {
                username: "someone@example.org".into(),
                password: password.into(),
                url: url.into(),
                otp: None,
                ssh_key: None,
            }),
        }
    }

    fn otp() -> OtpParams {
        OtpParams::parse("otpauth://totp/GitHub:me?secret=JBSWY3DPEHPK3PXP&issuer=GitHub").unwrap()
    }

    fn ids(list: &[Flagged]) -> Vec<&str> {
        list.iter().map(|f| f.id.as_str()).collect()
    }

    fn run(entries: &[Entry]) -> HealthReport {
        check(entries, NOW, |e| Ok(e.modified)).unwrap()
    }

    const STRONG: &str = "correct-Horse-battery-staple-93!";

    #[test]
    fn weak_passwords_score_below_three() {
        let r = run(&[
            login("a", "A", "password1", ""),
            login("b", "B", STRONG, ""),
            login("c", "Mailbox", "Mailbox2024", ""),
        ]);
        assert_eq!(ids(&r.weak), ["a", "c"]);
        assert_eq!(r.checked, 3);
    }

    #[test]
    fn a_large_list_shared_among_threads_keeps_each_finding_on_its_entry() {
        let entries: Vec<Entry> = (0..130)
            .map(|i| {
                let password = if i % 7 == 0 {
                    format!("password{i}")
                } else {
                    format!("{STRONG}-{i}")
                };
                login(&i.to_string(), &format!("T{i}"), &password, "")
            })
            .collect();
        let r = run(&entries);
        let want: Vec<String> = (0..130)
            .filter(|i| i % 7 == 0)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(ids(&r.weak), want);
        assert_eq!(r.checked, 130);
    }

    #[test]
    fn reused_passwords_are_grouped_in_list_order() {
        let other = "another-Strong-passphrase-71?";
        let r = run(&[
            login("a", "A", STRONG, ""),
            login("b", "B", other, ""),
            login("c", "C", STRONG, ""),
            login("d", "D", other, ""),
            login("e", "E", "unique-Strong-passphrase-33#", ""),
            // Differs from the first only by case: not the same password.
            login("f", "F", &STRONG.to_uppercase(), ""),
        ]);
        let groups: Vec<Vec<&str>> = r.reused.iter().map(|g| ids(g)).collect();
        assert_eq!(groups, [vec!["a", "c"], vec!["b", "d"]]);
    }

    #[test]
    fn old_means_unchanged_for_over_a_year_by_the_given_change_time() {
        let mut old = login("old", "Old", STRONG, "");
        old.modified = NOW - OLD_AFTER_SECONDS - 1;
        let mut year = login("year", "Year", "another-Strong-passphrase-71?", "");
        year.modified = NOW - OLD_AFTER_SECONDS;
        let r = run(&[old.clone(), year.clone()]);
        assert_eq!(ids(&r.old), ["old"]);
        // The change time comes from the caller: an entry modified since (its notes) but whose
        // password is old is old.
        let r = check(&[old, year], NOW, |e| {
            Ok(if e.id == "year" { NOW - 400 * DAY } else { NOW })
        })
        .unwrap();
        assert_eq!(ids(&r.old), ["year"]);
    }

    #[test]
    fn missing_2fa_matches_the_registrable_domain() {
        let mut with_otp = login("own", "GitHub (work)", STRONG, "https://github.com");
        if let EntryKind::Login(l) = &mut with_otp.kind {
            l.otp = Some(otp());
        }
        let r = run(&[
            login("g", "Google", STRONG, "https://accounts.google.com/signin"),
            login("n", "No scheme", STRONG, "gitlab.com/users/sign_in"),
            login("p", "Pages", STRONG, "https://someone.github.io"),
            login("l", "Look-alike", STRONG, "https://github.com.example.org"),
            login("i", "Intranet", STRONG, "https://intranet.example.org"),
            login("e", "Empty", STRONG, ""),
            with_otp,
        ]);
        assert_eq!(ids(&r.missing_2fa), ["g", "n"]);
    }

    #[test]
    fn an_authenticator_entry_of_the_site_and_account_counts_as_its_second_factor() {
        let mut authenticator = login("t", "2FA", "", "");
        authenticator.kind = EntryKind::Otp { otp: otp() };
        let mut me = login("a", "GitHub", STRONG, "https://github.com/login");
        if let EntryKind::Login(l) = &mut me.kind {
            l.username = "Me".into();
        }
        let other = login("b", "GitHub (other)", STRONG, "https://github.com/login");
        let logins = [me, other];
        assert_eq!(ids(&run(&logins).missing_2fa), ["a", "b"]);
        let mut all = logins.to_vec();
        all.push(authenticator);
        // The generator is GitHub's for the account "me": the other account still has none.
        assert_eq!(ids(&run(&all).missing_2fa), ["b"]);
    }

    #[test]
    fn logins_without_a_password_and_other_kinds_are_not_checked() {
        let mut note = login("n", "Note", "", "");
        note.kind = EntryKind::Note;
        let mut empty = login("e", "Empty", "", "");
        empty.modified = 0;
        let r = run(&[note, empty.clone(), empty]);
        assert!(r.is_clean(), "{r:?}");
        assert_eq!(r.checked, 0);
    }

    #[test]
    fn the_report_holds_no_password() {
        let secret = "hunter2-reused";
        let r = run(&[login("a", "A", secret, ""), login("b", "B", secret, "")]);
        assert_eq!(r.reused.len(), 1);
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains(secret), "{json}");
        assert!(!format!("{r:?}").contains(secret));
    }
}
