//! Importing a [`Plan`] into an open workspace: duplicates (of what is already there, or
//! earlier in the same file) are set aside, the rest is written in one transaction.

use super::{NewEntry, OpenWorkspace, Result};
use crate::entry::{Entry, EntryKind};
use crate::import::{Plan, Skipped};
use crate::otp::OtpParams;
use std::collections::HashSet;

/// What an import will do, for the user to see before anything is written.
#[derive(Debug, Default)]
pub struct Preview {
    /// Entries to create.
    pub new: Vec<NewEntry>,
    /// Items already in the workspace (or twice in the file), left out.
    pub duplicates: Vec<Skipped>,
    /// Items the importer could not read, left out.
    pub skipped: Vec<Skipped>,
}

/// A new entry as a preview shows it: no secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedEntry {
    pub title: String,
    /// `login`, `otp`, `note` or `remote`.
    pub kind: &'static str,
    pub group: Option<String>,
    pub has_otp: bool,
}

impl Preview {
    /// The new entries, as shown before importing.
    pub fn planned(&self) -> Vec<PlannedEntry> {
        self.new
            .iter()
            .map(|e| PlannedEntry {
                title: e.title.clone(),
                kind: e.kind.name(),
                group: e.group.clone(),
                has_otp: e.kind.otp().is_some(),
            })
            .collect()
    }
}

/// What makes two entries the same for an import: the OTP secret and kind when there is a
/// generator; otherwise the kind, title, user name and URL (or notes for a note).
fn identity(title: &str, kind: &EntryKind, notes: &str) -> String {
    let otp_id = |otp: &OtpParams| {
        format!(
            "otp:{:?}:{}",
            std::mem::discriminant(&otp.kind),
            data_encoding::HEXLOWER.encode(otp.secret())
        )
    };
    match kind {
        EntryKind::Otp { otp } => otp_id(otp),
        EntryKind::Login(l) => match &l.otp {
            Some(otp) => otp_id(otp),
            None => format!(
                "login:{}\u{0}{}\u{0}{}",
                title.to_lowercase(),
                l.username.to_lowercase(),
                l.url.to_lowercase()
            ),
        },
        EntryKind::Note => format!("note:{}\u{0}{notes}", title.to_lowercase()),
        EntryKind::Remote(r) => {
            format!("remote:{}\u{0}{}:{}", title.to_lowercase(), r.host, r.port)
        }
    }
}

impl OpenWorkspace {
    /// Sorts a plan into new entries and duplicates; writes nothing.
    pub fn preview_import(&mut self, plan: Plan) -> Result<Preview> {
        let existing: HashSet<String> = self
            .entries()?
            .iter()
            .map(|e: &Entry| identity(&e.title, &e.kind, &e.notes))
            .collect();
        let mut in_file = HashSet::new();
        let mut preview = Preview {
            skipped: plan.skipped,
            ..Preview::default()
        };
        for entry in plan.entries {
            let id = identity(&entry.title, &entry.kind, &entry.notes);
            let reason = if existing.contains(&id) {
                "already in the workspace"
            } else if !in_file.insert(id) {
                "appears twice in the file"
            } else {
                preview.new.push(entry);
                continue;
            };
            preview.duplicates.push(Skipped {
                item: entry.title.clone(),
                reason: reason.into(),
            });
        }
        Ok(preview)
    }

    /// Writes the preview's new entries in one transaction: all or none.
    pub fn import(&mut self, preview: Preview) -> Result<Vec<Entry>> {
        let added = self.add_all(preview.new)?;
        tracing::info!(
            added = added.len(),
            duplicates = preview.duplicates.len(),
            skipped = preview.skipped.len(),
            "import written"
        );
        Ok(added)
    }
}
