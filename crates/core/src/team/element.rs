//! The byte layout shared by the signed, hash-chained elements of a team workspace (the audit
//! log's and the change chain's): fixed-size fields, and texts as a 4-byte big-endian length
//! then UTF-8.

/// Appends `bytes` with its length before it.
pub(super) fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// SHA-256 of `bytes`: an element's link to the next.
pub(super) fn hash(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref());
    out
}

/// Reads an element's fields in order; every read is `None` past the end.
pub(super) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    /// The next 32 bytes.
    pub fn array32(&mut self) -> Option<[u8; 32]> {
        self.take(32)?.try_into().ok()
    }

    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A text written by [`put`].
    pub fn text(&mut self) -> Option<String> {
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }

    /// What is left.
    pub fn rest(&self) -> &'a [u8] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_back_as_written_and_nothing_past_the_end() {
        let mut out = 7u64.to_be_bytes().to_vec();
        put(&mut out, "héllo".as_bytes());
        out.extend_from_slice(&[9; 32]);
        let mut r = Reader::new(&out);
        assert_eq!(r.u64(), Some(7));
        assert_eq!(r.text().as_deref(), Some("héllo"));
        assert_eq!(r.array32(), Some([9; 32]));
        assert!(r.rest().is_empty());
        assert_eq!(r.u64(), None);
        let mut short = Reader::new(&out[..10]);
        short.u64();
        assert_eq!(short.text(), None, "a length that runs past the end");
    }
}
