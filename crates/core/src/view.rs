//! What the front ends show of an entry: one projection, with no secret in it. A password or
//! a generator's key is handed out only on an explicit request, never through a view.

use crate::entry::{Entry, EntryKind, EntryType, Protocol};
use crate::otp::{Algorithm, OtpKind, OtpParams};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// An entry in a list: never a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntrySummary {
    /// The entry's id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Its type.
    pub kind: EntryType,
    /// A login's user name, or an OTP entry's account.
    pub username: Option<String>,
    /// A login's address, or a remote connection's `protocol://host:port`.
    pub url: Option<String>,
    /// Group path.
    pub group: Option<String>,
    /// Whether it has an OTP generator.
    pub has_otp: bool,
    /// Last change, Unix seconds.
    pub modified: i64,
}

impl From<&Entry> for EntrySummary {
    fn from(e: &Entry) -> Self {
        Self {
            id: e.id.clone(),
            title: e.title.clone(),
            kind: EntryType::of(&e.kind),
            username: e.username().map(str::to_owned),
            url: e.url(),
            group: e.group.clone(),
            has_otp: e.otp().is_some(),
            modified: e.modified,
        }
    }
}

/// One entry's fields, without its password or its generator's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntryView {
    /// What a list shows.
    #[serde(flatten)]
    pub summary: EntrySummary,
    /// Creation time, Unix seconds.
    pub created: i64,
    /// Notes.
    pub notes: String,
    /// Tags.
    pub tags: Vec<String>,
    /// For a login: whether it has a password (`None` for other kinds).
    pub has_password: Option<bool>,
    /// The OTP generator's settings, if it has one.
    pub otp: Option<OtpView>,
    /// A remote connection's fields.
    pub remote: Option<RemoteView>,
    /// Custom fields, in order: a secret one without its value.
    pub fields: Vec<FieldView>,
}

/// A custom field as shown: a secret one's value is only handed out on request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldView {
    /// Its name.
    pub name: String,
    /// Whether it is secret.
    pub secret: bool,
    /// A plain field's value; `None` for a secret one.
    pub value: Option<String>,
}

impl From<&crate::entry::CustomField> for FieldView {
    fn from(f: &crate::entry::CustomField) -> Self {
        Self {
            name: f.name.clone(),
            secret: f.is_secret(),
            value: f.plain_value().map(str::to_owned),
        }
    }
}

/// An OTP generator's settings (not its key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OtpView {
    /// Time, counter or Steam.
    #[serde(rename = "type")]
    pub otp_type: OtpType,
    /// HMAC algorithm.
    pub algorithm: Algorithm,
    /// Code length.
    pub digits: u8,
    /// Step in seconds (time-based codes).
    pub period: u64,
    /// The service.
    pub issuer: Option<String>,
    /// The account.
    pub account: Option<String>,
    /// For HOTP: the counter of the next code.
    pub counter: Option<u64>,
}

/// What drives a generator's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum OtpType {
    /// Time-based (TOTP).
    Totp,
    /// Counter-based (HOTP).
    Hotp,
    /// Steam Guard.
    Steam,
}

impl From<&OtpParams> for OtpView {
    fn from(o: &OtpParams) -> Self {
        let (otp_type, counter) = match o.kind {
            OtpKind::Totp => (OtpType::Totp, None),
            OtpKind::Hotp { counter } => (OtpType::Hotp, Some(counter)),
            OtpKind::Steam => (OtpType::Steam, None),
        };
        Self {
            otp_type,
            algorithm: o.algorithm,
            digits: o.digits,
            period: o.period,
            issuer: o.issuer.clone(),
            account: o.account.clone(),
            counter,
        }
    }
}

/// A remote connection's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoteView {
    /// Protocol.
    pub protocol: Protocol,
    /// Host.
    pub host: String,
    /// Port.
    pub port: u16,
    /// The id of the login it uses.
    pub login: Option<String>,
}

impl From<&Entry> for EntryView {
    fn from(e: &Entry) -> Self {
        let (has_password, remote) = match &e.kind {
            EntryKind::Login(l) => (Some(!l.password.is_empty()), None),
            EntryKind::Remote(r) => (
                None,
                Some(RemoteView {
                    protocol: r.protocol,
                    host: r.host.clone(),
                    port: r.port,
                    login: r.login.clone(),
                }),
            ),
            _ => (None, None),
        };
        Self {
            summary: e.into(),
            created: e.created,
            notes: e.notes.clone(),
            tags: e.tags.clone(),
            has_password,
            otp: e.otp().map(OtpView::from),
            remote,
            fields: e.fields.iter().map(FieldView::from).collect(),
        }
    }
}

/// The most rows one [`EntryPage`] carries: a list asks for the rows in view plus a margin.
pub const MAX_WINDOW: u32 = 500;

/// Which rows of the entry list a front end wants: the matches of a search, in one group (and
/// its subgroups), optionally of one type, from `offset`, at most `limit` (capped at
/// [`MAX_WINDOW`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ListQuery {
    /// Text to search for in the visible fields; empty or blank lists everything.
    #[serde(default)]
    pub query: Option<String>,
    /// A group path; its subgroups' entries are in it too. `None` is every entry.
    #[serde(default)]
    pub group: Option<String>,
    /// Only entries of this type.
    #[serde(default)]
    pub kind: Option<EntryType>,
    /// The first row wanted, counted in the group's matches.
    #[serde(default)]
    pub offset: u32,
    /// How many rows are wanted.
    #[serde(default)]
    pub limit: u32,
}

impl ListQuery {
    /// The search text, trimmed, if there is one.
    pub fn search(&self) -> Option<&str> {
        self.query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
    }
}

/// A group of the sidebar with the number of matching entries in it and its subgroups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GroupCount {
    /// Full path (`Work/Servers`).
    pub path: String,
    /// Last part of the path (`Servers`).
    pub name: String,
    /// How deep it is: 0 for a top-level group.
    pub depth: u32,
    /// Matching entries in it or in its subgroups.
    pub count: u32,
}

/// One window of the entry list, with what the list around it needs: how many rows there are
/// in all, and the groups with their counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EntryPage {
    /// Matches of the search (and type) in every group.
    pub matches: u32,
    /// Matches in the chosen group: the list's length.
    pub total: u32,
    /// The index of the first row, as asked (or the end of the list).
    pub offset: u32,
    /// The rows from `offset`, at most `limit`.
    pub rows: Vec<EntrySummary>,
    /// Every group holding a match, parents before their subgroups, siblings by name ignoring
    /// case (names differing only in case are distinct groups).
    pub groups: Vec<GroupCount>,
}

/// Whether an entry in `group` belongs to the chosen group `chosen` (itself or a subgroup).
pub fn in_group(group: Option<&str>, chosen: Option<&str>) -> bool {
    match (chosen, group) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(c), Some(g)) => g == c || g.strip_prefix(c).is_some_and(|rest| rest.starts_with('/')),
    }
}

/// What [`page`] reads of a row: its type and group, and the summary the window shows.
pub trait ListRow {
    /// Its type.
    fn kind(&self) -> EntryType;
    /// Its group path.
    fn group(&self) -> Option<&str>;
    /// What the window shows of it.
    fn to_summary(&self) -> EntrySummary;
}

impl ListRow for EntrySummary {
    fn kind(&self) -> EntryType {
        self.kind
    }

    fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    fn to_summary(&self) -> EntrySummary {
        self.clone()
    }
}

impl<T: ListRow + ?Sized> ListRow for &T {
    fn kind(&self) -> EntryType {
        (**self).kind()
    }

    fn group(&self) -> Option<&str> {
        (**self).group()
    }

    fn to_summary(&self) -> EntrySummary {
        (**self).to_summary()
    }
}

/// The window `list` asks for out of `matches` (the search's results in list order, owned or
/// borrowed): the rows of the chosen group and type from the offset, the counts and the group
/// tree. One pass over the matches that allocates only for the window's rows and for each
/// distinct group.
pub fn page<S: ListRow>(matches: impl IntoIterator<Item = S>, list: &ListQuery) -> EntryPage {
    let limit = list.limit.min(MAX_WINDOW) as usize;
    let offset = list.offset as usize;
    let chosen = list.group.as_deref().filter(|g| !g.is_empty());
    let mut by_group: HashMap<String, u32> = HashMap::new();
    let (mut all, mut total) = (0usize, 0usize);
    let mut rows = Vec::with_capacity(limit.min(64));
    // Matches in list order come group by group: a run of one group is counted, and checked
    // against the chosen group, once. "" is no group.
    let mut run = String::new();
    let mut run_count = 0u32;
    let mut run_in = in_group(None, chosen);
    let flush = |by_group: &mut HashMap<String, u32>, run: &mut String, n: u32| {
        if n > 0 && !run.is_empty() {
            *by_group.entry(std::mem::take(run)).or_insert(0) += n;
        }
    };
    for e in matches {
        if list.kind.is_some_and(|k| k != e.kind()) {
            continue;
        }
        all += 1;
        let group = e.group().unwrap_or_default();
        if group != run {
            flush(&mut by_group, &mut run, run_count);
            run.clear();
            run.push_str(group);
            run_count = 0;
            run_in = in_group(Some(group).filter(|g| !g.is_empty()), chosen);
        }
        run_count += 1;
        if run_in {
            if total >= offset && rows.len() < limit {
                rows.push(e.to_summary());
            }
            total += 1;
        }
    }
    flush(&mut by_group, &mut run, run_count);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    EntryPage {
        matches: count(all),
        total: count(total),
        offset: count(offset.min(total)),
        rows,
        groups: group_tree(by_group),
    }
}

/// The groups and their parents, each with the entries in it and below it; ordered as a tree,
/// siblings by name ignoring case.
fn group_tree(by_group: HashMap<String, u32>) -> Vec<GroupCount> {
    let mut tree: BTreeMap<Vec<(String, String)>, (String, u32)> = BTreeMap::new();
    for (group, n) in by_group {
        let mut key = Vec::new();
        let mut end = 0;
        for part in group.split('/') {
            end += part.len();
            key.push((part.to_lowercase(), part.to_owned()));
            let slot = tree
                .entry(key.clone())
                .or_insert_with(|| (group[..end].to_owned(), 0));
            slot.1 += n;
            end += 1;
        }
    }
    tree.into_iter()
        .map(|(key, (path, count))| GroupCount {
            name: key.last().map(|(_, name)| name.clone()).unwrap_or_default(),
            depth: u32::try_from(key.len().saturating_sub(1)).unwrap_or(u32::MAX),
            path,
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Login, Remote};

    fn entry(kind: EntryKind) -> Entry {
        Entry {
            id: "id".into(),
            title: "T".into(),
            group: None,
            tags: vec!["a".into()],
            notes: "n".into(),
            created: 1,
            modified: 2,
            kind,
            fields: Vec::new(),
        }
    }

    #[test]
    fn a_login_view_says_it_has_a_password_and_never_shows_it() {
        let otp =
            OtpParams::parse("otpauth://hotp/I:acc?secret=JBSWY3DPEHPK3PXP&counter=7").unwrap();
        let e = entry(EntryKind::Login(Login {
            username: "u".into(),
            password: "hunter2".into(),
            url: String::new(),
            otp: Some(otp),
            ssh_key: None,
        }));
        let view = EntryView::from(&e);
        assert_eq!(view.has_password, Some(true));
        assert!(view.summary.has_otp);
        let otp = view.otp.as_ref().unwrap();
        assert_eq!((otp.otp_type, otp.counter), (OtpType::Hotp, Some(7)));
        let json = serde_json::to_string(&view).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(!json.contains("JBSWY3DP"), "{json}");
        assert!(json.contains("\"kind\":\"login\""), "{json}");
        assert!(json.contains("\"algorithm\":\"SHA1\""), "{json}");
    }

    #[test]
    fn a_remote_view_has_its_connection_and_no_password_flag() {
        let view = EntryView::from(&entry(EntryKind::Remote(Remote {
            protocol: Protocol::Ssh,
            host: "h".into(),
            port: 22,
            login: Some("l".into()),
            host_key: None,
            certificate: Default::default(),
        })));
        assert_eq!(view.has_password, None);
        assert_eq!(view.summary.url.as_deref(), Some("ssh://h:22"));
        let remote = view.remote.unwrap();
        assert_eq!(remote.login.as_deref(), Some("l"));
        assert_eq!(remote.protocol, Protocol::Ssh);
    }

    fn summary(title: &str, group: Option<&str>, kind: EntryType) -> EntrySummary {
        EntrySummary {
            id: title.to_lowercase(),
            title: title.into(),
            kind,
            username: None,
            url: None,
            group: group.map(str::to_owned),
            has_otp: false,
            modified: 0,
        }
    }

    fn sample() -> Vec<EntrySummary> {
        vec![
            summary("A", None, EntryType::Login),
            summary("B", Some("Home"), EntryType::Note),
            summary("C", Some("Work"), EntryType::Login),
            summary("D", Some("Work/Dev"), EntryType::Otp),
            summary("E", Some("Work/Dev"), EntryType::Login),
            summary("F", Some("Workshop"), EntryType::Login),
            summary("G", Some("work/ops"), EntryType::Login),
        ]
    }

    fn titles(p: &EntryPage) -> Vec<&str> {
        p.rows.iter().map(|r| r.title.as_str()).collect()
    }

    /// Counts and the chosen group's rows do not depend on the matches coming group by group
    /// (a list order does; the counting takes runs of one group at once).
    #[test]
    fn a_group_met_twice_is_counted_whole() {
        let mixed = vec![
            summary("A", Some("Work"), EntryType::Login),
            summary("B", Some("Home"), EntryType::Login),
            summary("C", Some("Work"), EntryType::Login),
            summary("D", None, EntryType::Login),
            summary("E", Some(""), EntryType::Login),
            summary("F", Some("Work/Dev"), EntryType::Login),
        ];
        let list = ListQuery {
            group: Some("Work".into()),
            limit: 10,
            ..ListQuery::default()
        };
        let p = page(mixed, &list);
        assert_eq!((p.matches, p.total), (6, 3));
        assert_eq!(titles(&p), ["A", "C", "F"]);
        let counts: Vec<(&str, u32)> = p
            .groups
            .iter()
            .map(|g| (g.path.as_str(), g.count))
            .collect();
        assert_eq!(counts, [("Home", 1), ("Work", 3), ("Work/Dev", 1)]);
    }

    #[test]
    fn a_group_holds_its_subgroups_and_not_a_longer_name() {
        assert!(in_group(Some("Work/Dev"), Some("Work")));
        assert!(in_group(Some("Work"), Some("Work")));
        assert!(!in_group(Some("Workshop"), Some("Work")));
        assert!(!in_group(None, Some("Work")));
        assert!(in_group(None, None));
    }

    #[test]
    fn a_page_is_the_window_of_the_chosen_group_with_its_total() {
        let list = ListQuery {
            group: Some("Work".into()),
            offset: 1,
            limit: 2,
            ..ListQuery::default()
        };
        let p = page(sample(), &list);
        assert_eq!(titles(&p), ["D", "E"]);
        assert_eq!((p.total, p.matches, p.offset), (3, 7, 1));
        let end = page(
            sample(),
            &ListQuery {
                offset: 6,
                limit: 10,
                ..ListQuery::default()
            },
        );
        assert_eq!(titles(&end), ["G"]);
        let past = page(
            sample(),
            &ListQuery {
                offset: 99,
                limit: 10,
                ..ListQuery::default()
            },
        );
        assert!(past.rows.is_empty());
        assert_eq!((past.total, past.offset), (7, 7));
    }

    #[test]
    fn groups_count_their_subgroups_parents_first_sorted_ignoring_case() {
        let p = page(sample(), &ListQuery::default());
        let groups: Vec<(&str, &str, u32, u32)> = p
            .groups
            .iter()
            .map(|g| (g.path.as_str(), g.name.as_str(), g.depth, g.count))
            .collect();
        assert_eq!(
            groups,
            [
                ("Home", "Home", 0, 1),
                ("Work", "Work", 0, 3),
                ("Work/Dev", "Dev", 1, 2),
                ("work", "work", 0, 1),
                ("work/ops", "ops", 1, 1),
                ("Workshop", "Workshop", 0, 1),
            ]
        );
    }

    #[test]
    fn a_type_filter_counts_and_lists_only_that_type_and_the_window_is_capped() {
        let list = ListQuery {
            kind: Some(EntryType::Login),
            limit: 100,
            ..ListQuery::default()
        };
        let p = page(sample(), &list);
        assert_eq!(titles(&p), ["A", "C", "E", "F", "G"]);
        assert_eq!(p.matches, 5);
        let many = (0..2000).map(|i| summary(&format!("t{i}"), None, EntryType::Note));
        let capped = page(
            many,
            &ListQuery {
                limit: u32::MAX,
                ..ListQuery::default()
            },
        );
        assert_eq!(
            (capped.rows.len(), capped.total),
            (MAX_WINDOW as usize, 2000)
        );
    }

    #[test]
    fn a_blank_search_is_no_search() {
        let q = |s: &str| ListQuery {
            query: Some(s.into()),
            ..ListQuery::default()
        };
        assert_eq!(q("  ").search(), None);
        assert_eq!(q(" git ").search(), Some("git"));
        assert_eq!(ListQuery::default().search(), None);
    }
}
