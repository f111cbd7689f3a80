//! The decrypted entries of a team workspace as a client holds them (online or from its
//! offline copy), with the index that lists, searches and finds them by the file workspace's
//! rules (`workspace::index`).

use super::Error;
use crate::entry::Entry;
use crate::view::{self, EntryPage, EntrySummary, ListQuery, ListRow};
use crate::workspace::index::{Index, Indexed};
use crate::workspace::{self as file};
use std::collections::HashMap;

/// Entries by id, and their index (built when a read needs it, dropped by a change).
#[derive(Default)]
pub(super) struct Entries {
    by_id: HashMap<String, Entry>,
    index: Option<Index>,
}

impl Entries {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn insert(&mut self, entry: Entry) {
        self.by_id.insert(entry.id.clone(), entry);
        self.index = None;
    }

    pub fn remove(&mut self, id: &str) {
        self.by_id.remove(id);
        self.index = None;
    }

    /// The index, built if a change dropped it, in list order.
    fn index(&mut self) -> Result<&Index, Error> {
        if self.index.is_none() {
            let all = self.by_id.values().map(Indexed::of).collect();
            let index = Index::new(0, Default::default(), Vec::new(), all)
                .map_err(|_| Error::SchemaDamaged)?;
            self.index = Some(index);
        }
        let index = self.index.as_mut().ok_or(Error::SchemaDamaged)?;
        index.sort();
        Ok(index)
    }

    /// [`crate::EntryStore::find`].
    pub fn find(&mut self, id_or_title: &str) -> file::Result<Entry> {
        let id = self.index()?.resolve(id_or_title)?;
        self.by_id
            .get(&id)
            .cloned()
            .ok_or_else(|| file::Error::NoMatch(id_or_title.to_owned()))
    }

    /// [`crate::EntryStore::summaries`].
    pub fn summaries(&mut self) -> file::Result<Vec<EntrySummary>> {
        Ok(self.index()?.entries().map(|r| r.to_summary()).collect())
    }

    /// [`crate::EntryStore::search_summaries`].
    pub fn search(&mut self, query: &str) -> file::Result<Vec<EntrySummary>> {
        let needle = query.to_lowercase();
        Ok(self
            .index()?
            .matching(&needle)
            .map(|r| r.to_summary())
            .collect())
    }

    /// [`crate::EntryStore::list_page`].
    pub fn page(&mut self, list: &ListQuery) -> file::Result<EntryPage> {
        let needle = list.search().map(str::to_lowercase);
        let index = self.index()?;
        Ok(match needle {
            Some(needle) => view::page(index.matching(&needle), list),
            None => view::page(index.entries(), list),
        })
    }

    /// [`crate::EntryStore::entries`]: every entry in list order.
    pub fn all(&mut self) -> file::Result<Vec<Entry>> {
        let ids: Vec<String> = self.index()?.entries().map(|r| r.id().to_owned()).collect();
        Ok(ids
            .iter()
            .filter_map(|id| self.by_id.get(id).cloned())
            .collect())
    }
}
