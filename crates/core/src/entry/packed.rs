//! The packed form of entries, as a bucket record of a version-2 workspace holds them:
//! `0x04` (the encoding) || zstd(postcard(the bucket's entries, sorted by id)). Private to the
//! core, like the JSON mirror in [`super::sealed`]: the public entry types implement neither
//! `Serialize` nor `Deserialize`. Postcard writes fields in order with no names, so the
//! mirrors here are plain structs and an externally tagged enum (no `flatten`, no internal
//! tag, no skipped field): a field added later needs a new encoding byte.

use super::{CertPolicy, CustomField, Entry, EntryKind, Login, Protocol, Remote};
use crate::crypto::secret::{sealed_optional_string, sealed_string};
use crate::crypto::SecretString;
use crate::otp::{sealed as otp, OtpParams};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// First byte of a bucket's plaintext: zstd-compressed postcard, remote connections without
/// host key or certificate policy (read only).
const ENCODING_ZSTD_POSTCARD_V1: u8 = 1;
/// First byte of a bucket's plaintext: zstd-compressed postcard, remote connections with
/// their pinned host key and certificate policy, logins without an SSH key (read only).
const ENCODING_ZSTD_POSTCARD_V2: u8 = 2;
/// First byte of a bucket's plaintext: zstd-compressed postcard, logins with their SSH key,
/// entries without custom fields (read only).
const ENCODING_ZSTD_POSTCARD_V3: u8 = 3;
/// First byte of a bucket's plaintext: zstd-compressed postcard, entries with their custom
/// fields (written).
const ENCODING_ZSTD_POSTCARD: u8 = 4;
/// The most a bucket may decompress to: a bucket claiming more is refused before any
/// allocation (256 buckets of this size hold far more than any workspace needs).
pub(crate) const MAX_BUCKET_BYTES: u64 = 256 << 20;
/// zstd's level: its default, fast to write, about as small as higher levels for entries.
const ZSTD_LEVEL: i32 = 3;

/// Why a bucket's plaintext could not be read or written. Carries no content.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum PackError {
    /// An encoding byte this build does not know.
    #[error("a bucket of an unknown encoding")]
    UnknownEncoding,
    /// The compressed bytes are broken, do not say their size, or claim too much.
    #[error("a bucket does not decompress within its limit")]
    Decompress,
    /// The decompressed bytes are not a list of entries, or have bytes left over.
    #[error("a bucket does not hold entries")]
    Decode,
    /// Compression or encoding failed on write.
    #[error("a bucket could not be encoded")]
    Encode,
}

/// The mirrors of [`Entry`] and [`EntryKind`], the same in every encoding; each encoding's
/// module defines its own `LoginDef` and `RemoteDef`.
macro_rules! entry_mirrors {
    ($($fields:tt)*) => {
        /// Mirror of [`Entry`].
        #[derive(Serialize, Deserialize)]
        #[serde(remote = "Entry")]
        struct EntryDef {
            id: String,
            title: String,
            group: Option<String>,
            tags: Vec<String>,
            notes: String,
            created: i64,
            modified: i64,
            #[serde(with = "KindDef")]
            kind: EntryKind,
            #[serde($($fields)*)]
            fields: Vec<CustomField>,
        }

        /// Mirror of [`EntryKind`], externally tagged (postcard writes the variant's index).
        #[derive(Serialize, Deserialize)]
        #[serde(remote = "EntryKind")]
        enum KindDef {
            Login(#[serde(with = "LoginDef")] Login),
            Otp {
                #[serde(with = "otp::Packed")]
                otp: OtpParams,
            },
            Note,
            Remote(#[serde(with = "RemoteDef")] Remote),
        }

        /// An entry to pack, borrowed.
        #[derive(Serialize)]
        #[cfg_attr(not(test), allow(dead_code))]
        pub(super) struct Packing<'a>(#[serde(with = "EntryDef")] pub(super) &'a Entry);

        /// An entry unpacked.
        #[derive(Deserialize)]
        pub(super) struct Unpacked(#[serde(with = "EntryDef")] pub(super) Entry);
    };
}

/// Encoding 1: a remote connection without its pinned host key and certificate policy (they
/// read as not pinned and the default policy). Read; written only by tests.
mod v1 {
    use super::*;

    entry_mirrors!(skip);

    /// Mirror of [`Login`] as encodings 1 and 2 wrote it.
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Login")]
    struct LoginDef {
        username: String,
        #[serde(with = "sealed_string")]
        password: SecretString,
        url: String,
        #[serde(with = "optional_otp")]
        otp: Option<OtpParams>,
        #[serde(skip)]
        ssh_key: Option<SecretString>,
    }

    /// Mirror of [`Remote`] as encoding 1 wrote it.
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Remote")]
    struct RemoteDef {
        protocol: Protocol,
        host: String,
        port: u16,
        login: Option<String>,
        #[serde(skip)]
        host_key: Option<String>,
        #[serde(skip)]
        certificate: CertPolicy,
    }
}

/// Encoding 2: a remote connection with its pinned host key and certificate policy, a login
/// without its SSH key (it reads as none). Read; written only by tests.
mod v2 {
    use super::*;

    entry_mirrors!(skip);

    /// Mirror of [`Login`] as encodings 1 and 2 wrote it.
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Login")]
    struct LoginDef {
        username: String,
        #[serde(with = "sealed_string")]
        password: SecretString,
        url: String,
        #[serde(with = "optional_otp")]
        otp: Option<OtpParams>,
        #[serde(skip)]
        ssh_key: Option<SecretString>,
    }

    /// Mirror of [`Remote`].
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Remote")]
    struct RemoteDef {
        protocol: Protocol,
        host: String,
        port: u16,
        login: Option<String>,
        host_key: Option<String>,
        certificate: CertPolicy,
    }
}

/// Encoding 3: encoding 2, and a login with its SSH private key; no custom fields (they read
/// as none). Read; written only by tests.
mod v3 {
    use super::*;

    entry_mirrors!(skip);

    /// Mirror of [`Login`].
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Login")]
    pub(super) struct LoginDef {
        username: String,
        #[serde(with = "sealed_string")]
        password: SecretString,
        url: String,
        #[serde(with = "optional_otp")]
        otp: Option<OtpParams>,
        #[serde(with = "sealed_optional_string")]
        ssh_key: Option<SecretString>,
    }

    /// Mirror of [`Remote`].
    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Remote")]
    pub(super) struct RemoteDef {
        protocol: Protocol,
        host: String,
        port: u16,
        login: Option<String>,
        host_key: Option<String>,
        certificate: CertPolicy,
    }
}

/// Encoding 4: encoding 3, and the entry's custom fields.
mod v4 {
    use super::*;

    entry_mirrors!(with = "crate::entry::fields::sealed_list");

    // A login and a remote connection are packed as in encoding 3.
    use super::v3::{LoginDef, RemoteDef};
}

/// An optional generator in its packed form.
mod optional_otp {
    use super::*;

    #[derive(Serialize)]
    struct Borrowed<'a>(#[serde(with = "otp::Packed")] &'a OtpParams);

    #[derive(Deserialize)]
    struct Owned(#[serde(with = "otp::Packed")] OtpParams);

    pub(super) fn serialize<S: Serializer>(
        value: &Option<OtpParams>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_ref().map(Borrowed).serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OtpParams>, D::Error> {
        Ok(Option::<Owned>::deserialize(d)?.map(|Owned(p)| p))
    }
}

/// The plaintext of a bucket holding `entries` (sorted here by id).
pub(crate) fn pack<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<Zeroizing<Vec<u8>>, PackError> {
    let items: Vec<v4::Packing<'_>> = entries.into_iter().map(v4::Packing).collect();
    pack_items(items, ENCODING_ZSTD_POSTCARD)
}

/// The plaintext of a bucket in encoding 3, as earlier versions wrote it (tests).
#[cfg(test)]
fn pack_v3<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<Zeroizing<Vec<u8>>, PackError> {
    let items: Vec<v3::Packing<'_>> = entries.into_iter().map(v3::Packing).collect();
    pack_items(items, ENCODING_ZSTD_POSTCARD_V3)
}

/// The plaintext of a bucket in encoding 2, as earlier versions wrote it (tests).
#[cfg(test)]
fn pack_v2<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<Zeroizing<Vec<u8>>, PackError> {
    let items: Vec<v2::Packing<'_>> = entries.into_iter().map(v2::Packing).collect();
    pack_items(items, ENCODING_ZSTD_POSTCARD_V2)
}

/// The plaintext of a bucket in encoding 1, as earlier versions wrote it (tests).
#[cfg(test)]
fn pack_v1<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
) -> Result<Zeroizing<Vec<u8>>, PackError> {
    let items: Vec<v1::Packing<'_>> = entries.into_iter().map(v1::Packing).collect();
    pack_items(items, ENCODING_ZSTD_POSTCARD_V1)
}

/// Sorts `items` by entry id and packs them after `encoding`.
fn pack_items<T: Serialize + HasId>(
    mut items: Vec<T>,
    encoding: u8,
) -> Result<Zeroizing<Vec<u8>>, PackError> {
    items.sort_unstable_by(|a, b| a.id().cmp(b.id()));
    // Sized first, so the plaintext is written once into a buffer that is wiped on drop.
    let size = postcard::serialize_with_flavor::<_, postcard::ser_flavors::Size, usize>(
        &items,
        postcard::ser_flavors::Size::default(),
    )
    .map_err(|_| PackError::Encode)?;
    let mut plain = Zeroizing::new(vec![0; size]);
    let used = postcard::to_slice(&items, &mut plain)
        .map_err(|_| PackError::Encode)?
        .len();
    plain.truncate(used);
    let compressed =
        Zeroizing::new(zstd::bulk::compress(&plain, ZSTD_LEVEL).map_err(|_| PackError::Encode)?);
    let mut out = Zeroizing::new(Vec::with_capacity(1 + compressed.len()));
    out.push(encoding);
    out.extend_from_slice(&compressed);
    Ok(out)
}

/// An entry being packed, by its id.
trait HasId {
    fn id(&self) -> &str;
}

impl HasId for v4::Packing<'_> {
    fn id(&self) -> &str {
        &self.0.id
    }
}

#[cfg(test)]
impl HasId for v3::Packing<'_> {
    fn id(&self) -> &str {
        &self.0.id
    }
}

#[cfg(test)]
impl HasId for v2::Packing<'_> {
    fn id(&self) -> &str {
        &self.0.id
    }
}

#[cfg(test)]
impl HasId for v1::Packing<'_> {
    fn id(&self) -> &str {
        &self.0.id
    }
}

/// Reads buckets with one zstd context (creating one costs about as much as decompressing a
/// small bucket): one per batch of buckets, dropped with it.
pub(crate) struct Unpacker(zstd::bulk::Decompressor<'static>);

impl Unpacker {
    pub(crate) fn new() -> Result<Self, PackError> {
        zstd::bulk::Decompressor::new()
            .map(Self)
            .map_err(|_| PackError::Decompress)
    }

    /// [`unpack`] with this context.
    pub(crate) fn unpack(&mut self, plaintext: &[u8]) -> Result<Vec<Entry>, PackError> {
        unpack_with(&mut self.0, plaintext)
    }
}

/// The entries of a bucket's plaintext, in their stored order. The decompressed size is the
/// one the zstd frame states, at most [`MAX_BUCKET_BYTES`], allocated once and wiped on drop;
/// anything else (no stated size, more or fewer bytes, trailing bytes) is refused.
#[cfg(test)]
pub(crate) fn unpack(plaintext: &[u8]) -> Result<Vec<Entry>, PackError> {
    Unpacker::new()?.unpack(plaintext)
}

fn unpack_with(
    decompressor: &mut zstd::bulk::Decompressor<'static>,
    plaintext: &[u8],
) -> Result<Vec<Entry>, PackError> {
    let (&encoding, compressed) = plaintext.split_first().ok_or(PackError::Decode)?;
    if ![
        ENCODING_ZSTD_POSTCARD_V1,
        ENCODING_ZSTD_POSTCARD_V2,
        ENCODING_ZSTD_POSTCARD_V3,
        ENCODING_ZSTD_POSTCARD,
    ]
    .contains(&encoding)
    {
        return Err(PackError::UnknownEncoding);
    }
    let size = match zstd::zstd_safe::get_frame_content_size(compressed) {
        Ok(Some(size)) if size <= MAX_BUCKET_BYTES => {
            usize::try_from(size).map_err(|_| PackError::Decompress)?
        }
        _ => return Err(PackError::Decompress),
    };
    let mut plain = Zeroizing::new(Vec::with_capacity(size));
    let written = decompressor
        .decompress_to_buffer(compressed, &mut *plain)
        .map_err(|_| PackError::Decompress)?;
    if written != size || plain.len() != size {
        return Err(PackError::Decompress);
    }
    match encoding {
        ENCODING_ZSTD_POSTCARD_V1 => {
            let entries: Vec<v1::Unpacked> = decode_all(&plain)?;
            Ok(entries.into_iter().map(|v1::Unpacked(e)| e).collect())
        }
        ENCODING_ZSTD_POSTCARD_V2 => {
            let entries: Vec<v2::Unpacked> = decode_all(&plain)?;
            Ok(entries.into_iter().map(|v2::Unpacked(e)| e).collect())
        }
        ENCODING_ZSTD_POSTCARD_V3 => {
            let entries: Vec<v3::Unpacked> = decode_all(&plain)?;
            Ok(entries.into_iter().map(|v3::Unpacked(e)| e).collect())
        }
        _ => {
            let entries: Vec<v4::Unpacked> = decode_all(&plain)?;
            Ok(entries.into_iter().map(|v4::Unpacked(e)| e).collect())
        }
    }
}

/// The list in `plain`, refused when bytes are left over.
fn decode_all<T: serde::de::DeserializeOwned>(plain: &[u8]) -> Result<T, PackError> {
    let (value, rest) = postcard::take_from_bytes(plain).map_err(|_| PackError::Decode)?;
    if !rest.is_empty() {
        return Err(PackError::Decode);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::sealed;

    fn earlier() -> Vec<Entry> {
        include_str!("../../tests/fixtures/sealed_entries.jsonl")
            .lines()
            .map(|l| sealed::from_json(l.as_bytes()).unwrap())
            .collect()
    }

    /// Every kind and option (the JSON fixture's entries) survives packing field for field:
    /// compared through their JSON form, which writes every field.
    #[test]
    fn every_kind_packs_and_unpacks_to_the_same_entry() {
        let entries = earlier();
        let plain = pack(&entries).unwrap();
        assert_eq!(plain[0], ENCODING_ZSTD_POSTCARD);
        let back = unpack(&plain).unwrap();
        assert_eq!(back.len(), entries.len());
        let mut sorted: Vec<&Entry> = entries.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        for (a, b) in sorted.iter().zip(&back) {
            assert_eq!(sealed::to_json(a).unwrap(), sealed::to_json(b).unwrap());
        }
        assert!(back.windows(2).all(|w| w[0].id < w[1].id));
        assert!(unpack(&pack([]).unwrap()).unwrap().is_empty());
    }

    #[test]
    fn damaged_or_unknown_buckets_are_refused() {
        let plain = pack(&earlier()).unwrap();
        let mut other = plain.clone();
        other[0] = 5;
        assert_eq!(unpack(&other).unwrap_err(), PackError::UnknownEncoding);
        assert_eq!(unpack(&[]).unwrap_err(), PackError::Decode);
        assert_eq!(
            unpack(&plain[..plain.len() - 3]).unwrap_err(),
            PackError::Decompress
        );
        // Trailing bytes after the list, inside a valid frame.
        let mut list = postcard::to_allocvec(&Vec::<v4::Packing<'_>>::new()).unwrap();
        list.push(0);
        let mut trailing = vec![ENCODING_ZSTD_POSTCARD];
        trailing.extend(zstd::bulk::compress(&list, 3).unwrap());
        assert_eq!(unpack(&trailing).unwrap_err(), PackError::Decode);
        // Not a list of entries.
        let mut junk = vec![ENCODING_ZSTD_POSTCARD];
        junk.extend(zstd::bulk::compress(&[5, 1, 2, 3], 3).unwrap());
        assert_eq!(unpack(&junk).unwrap_err(), PackError::Decode);
    }

    /// Buckets of encoding 1 (written before connections had a host key and a certificate
    /// policy) still read, as not pinned with the default policy; a new write uses encoding 3,
    /// which keeps both.
    #[test]
    fn buckets_of_encoding_1_still_read_and_new_ones_keep_the_connection_settings() {
        let entries = earlier();
        let old = pack_v1(&entries).unwrap();
        assert_eq!(old[0], ENCODING_ZSTD_POSTCARD_V1);
        let back = unpack(&old).unwrap();
        assert_eq!(back.len(), entries.len());
        let remote = back
            .iter()
            .find_map(|e| match &e.kind {
                EntryKind::Remote(r) => Some(r.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(remote.host_key, None);
        assert_eq!(remote.certificate, CertPolicy::Tofu);

        let mut pinned = entries[6].clone();
        let EntryKind::Remote(r) = &mut pinned.kind else {
            panic!("not a remote");
        };
        r.host_key = Some("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA".into());
        r.certificate = CertPolicy::Verify;
        let new = pack([&pinned]).unwrap();
        assert_eq!(new[0], ENCODING_ZSTD_POSTCARD);
        assert_eq!(unpack(&new).unwrap(), vec![pinned.clone()]);
        // Encoding 1 cannot hold them: what it wrote reads back without them.
        let dropped = unpack(&pack_v1([&pinned]).unwrap()).unwrap();
        assert_ne!(dropped, vec![pinned]);
    }

    /// Buckets of encoding 2 (written before logins had an SSH key) still read, as logins
    /// without one; a new write uses encoding 3, which keeps it.
    #[test]
    fn buckets_of_encoding_2_still_read_and_new_ones_keep_the_ssh_key() {
        let entries = earlier();
        let old = pack_v2(&entries).unwrap();
        assert_eq!(old[0], ENCODING_ZSTD_POSTCARD_V2);
        let mut sorted = entries.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(unpack(&old).unwrap(), sorted, "nothing else changed");

        let mut keyed = entries[0].clone();
        let EntryKind::Login(l) = &mut keyed.kind else {
            panic!("not a login");
        };
        l.ssh_key = Some(crate::entry::ssh_key::tests::ED25519.into());
        let new = pack([&keyed]).unwrap();
        assert_eq!(new[0], ENCODING_ZSTD_POSTCARD);
        assert_eq!(unpack(&new).unwrap(), vec![keyed.clone()]);
        // Encoding 2 cannot hold it: what it wrote reads back without it.
        let dropped = unpack(&pack_v2([&keyed]).unwrap()).unwrap();
        let EntryKind::Login(l) = &dropped[0].kind else {
            panic!("not a login");
        };
        assert_eq!(l.ssh_key, None);
    }

    /// Buckets of encoding 3 (written before custom fields) still read, as entries without
    /// any; a new write uses encoding 4, which keeps them, plain and secret.
    #[test]
    fn buckets_of_encoding_3_still_read_and_new_ones_keep_custom_fields() {
        use crate::entry::CustomField;
        let entries = earlier();
        let old = pack_v3(&entries).unwrap();
        assert_eq!(old[0], ENCODING_ZSTD_POSTCARD_V3);
        let mut sorted = entries.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(unpack(&old).unwrap(), sorted, "nothing else changed");

        let mut with_fields = entries[0].clone();
        with_fields.fields = vec![
            CustomField::text("Account", "12-34"),
            CustomField::secret("PIN", "1234".into()),
        ];
        let new = pack([&with_fields]).unwrap();
        assert_eq!(new[0], ENCODING_ZSTD_POSTCARD);
        assert_eq!(unpack(&new).unwrap(), vec![with_fields.clone()]);
        let dropped = unpack(&pack_v3([&with_fields]).unwrap()).unwrap();
        assert!(dropped[0].fields.is_empty());
    }

    /// A frame that claims more than the limit is refused before anything is allocated, and
    /// one that does not state its size is refused too.
    #[test]
    fn a_bucket_claiming_too_much_is_refused() {
        // A zstd frame header: magic, then a descriptor with an 8-byte content size and the
        // single-segment flag, then the size.
        let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0xe0];
        frame.extend_from_slice(&(MAX_BUCKET_BYTES + 1).to_le_bytes());
        frame.extend_from_slice(&[1, 0, 0]);
        let mut bomb = vec![ENCODING_ZSTD_POSTCARD];
        bomb.extend(&frame);
        assert_eq!(unpack(&bomb).unwrap_err(), PackError::Decompress);
        // A streamed frame (no stated size).
        let mut streamed = Vec::new();
        {
            let mut enc = zstd::stream::Encoder::new(&mut streamed, 3).unwrap();
            std::io::Write::write_all(&mut enc, &[0]).unwrap();
            enc.finish().unwrap();
        }
        let mut unsized_frame = vec![ENCODING_ZSTD_POSTCARD];
        unsized_frame.extend(streamed);
        assert_eq!(unpack(&unsized_frame).unwrap_err(), PackError::Decompress);
    }
}
