//! A KDBX file's outer header, read before the keepass crate opens the file. Two checks:
//! - the key-derivation cost the file asks for is bounded (a crafted file could otherwise ask
//!   for terabytes of Argon2 memory or 2^64 AES rounds, and hang or exhaust the machine);
//! - every fixed-size field has its size (the crate reads such fields without a length check,
//!   and a short one would panic).
//!
//! KeePass 1 (KDB) files, which the keepass crate also opens, have a fixed 124-byte header:
//! signatures, flags, version, master seed, IV, group and entry counts, content hash,
//! transform seed, then the AES rounds as a u32 at offset 120.
//!
//! Layout (KeePass's KDBX 3.1 and 4 specifications): 12 bytes of signatures and version, then
//! fields `id: u8, length: u16 (3.1) or u32 (4), data`, ended by id 0. KDBX 4 keeps the KDF in
//! field 11 as a VariantDictionary: `version: u16`, items `type: u8, key: i32-prefixed,
//! value: i32-prefixed`, ended by type 0.

use super::Error;

/// The most Argon2 memory an imported file may ask for (KeePassXC's default is 64 MiB).
pub const MAX_ARGON2_MEMORY: u64 = 1 << 30;
/// The most Argon2 work: memory × iterations (64 GiB passed over; a few tens of seconds here).
pub const MAX_ARGON2_WORK: u64 = 64 << 30;
/// The most Argon2 lanes.
pub const MAX_ARGON2_LANES: u64 = 64;
/// The most AES-KDF rounds (KeePassXC's one-second benchmark gives tens of millions).
pub const MAX_AES_ROUNDS: u64 = 1 << 30;

const SIGNATURE_1: [u8; 4] = [0x03, 0xd9, 0xa2, 0x9a];
const SIGNATURE_2: [u8; 4] = [0x67, 0xfb, 0x4b, 0xb5];
/// The second signature of a KeePass 1 (KDB) file.
const SIGNATURE_2_KDB: [u8; 4] = [0x65, 0xfb, 0x4b, 0xb5];
/// Where a KDB header keeps its AES rounds (u32), its last field.
const KDB_ROUNDS_AT: usize = 120;

/// Checks the outer header of a KDB, KDBX 3.1 or 4 file. A file that is not KeePass at all,
/// or of another version, is left for the keepass crate to name.
pub fn check(bytes: &[u8]) -> Result<(), Error> {
    if bytes.get(0..4) != Some(&SIGNATURE_1[..]) {
        return Ok(());
    }
    if bytes.get(4..8) == Some(&SIGNATURE_2_KDB[..]) {
        let mut r = Reader {
            bytes,
            pos: KDB_ROUNDS_AT,
        };
        // The header is fixed-size: the rounds, its last field, prove it whole.
        return aes_rounds(u64::from(r.u32()?));
    }
    if bytes.get(4..8) != Some(&SIGNATURE_2[..]) {
        return Ok(());
    }
    let mut r = Reader { bytes, pos: 10 };
    let major = r.u16()?;
    let wide = match major {
        3 => false,
        4 => true,
        _ => return Ok(()),
    };
    loop {
        let id = r.u8()?;
        let len = if wide {
            r.u32()? as usize
        } else {
            usize::from(r.u16()?)
        };
        let data = r.take(len)?;
        match (id, wide) {
            (0, _) => return Ok(()),
            // Compression flags; in 3.1 also the inner stream id.
            (3, _) | (10, false) => fixed(data, 4, "a flags field")?,
            (6, false) => {
                fixed(data, 8, "the AES rounds")?;
                aes_rounds(u64::from_le_bytes(array(data)))?;
            }
            (11, true) => kdf_parameters(data)?,
            (12, true) => {
                variant_dictionary(data)?;
            }
            _ => {}
        }
    }
}

fn kdf_parameters(data: &[u8]) -> Result<(), Error> {
    let mut memory = None;
    let mut iterations = None;
    for (key, value) in variant_dictionary(data)? {
        match key {
            b"R" => aes_rounds(value)?,
            b"M" => memory = Some(value),
            b"I" => iterations = Some(value),
            b"P" if value > MAX_ARGON2_LANES => {
                return Err(too_costly(format!(
                    "{value} Argon2 lanes (at most {MAX_ARGON2_LANES})"
                )))
            }
            _ => {}
        }
    }
    if let Some(memory) = memory {
        if memory > MAX_ARGON2_MEMORY {
            return Err(too_costly(format!(
                "{} MiB of Argon2 memory (at most {} MiB)",
                memory >> 20,
                MAX_ARGON2_MEMORY >> 20
            )));
        }
        let iterations = iterations.unwrap_or(1);
        if memory.saturating_mul(iterations) > MAX_ARGON2_WORK {
            return Err(too_costly(format!(
                "{iterations} Argon2 iterations over {} MiB",
                memory >> 20
            )));
        }
    }
    Ok(())
}

/// The numeric items of a VariantDictionary (other items are only checked for size).
fn variant_dictionary(data: &[u8]) -> Result<Vec<(&[u8], u64)>, Error> {
    let mut r = Reader {
        bytes: data,
        pos: 0,
    };
    if r.u16()? >> 8 != 1 {
        return Err(damaged("its KDF parameters have an unknown version"));
    }
    let mut numbers = Vec::new();
    loop {
        let kind = r.u8()?;
        if kind == 0 {
            return Ok(numbers);
        }
        let key_len = r.u32()? as usize;
        let key = r.take(key_len)?;
        let value_len = r.u32()? as usize;
        let value = r.take(value_len)?;
        match kind {
            0x04 | 0x0c => {
                fixed(value, 4, "a 32-bit parameter")?;
                let v: [u8; 4] = array(value);
                numbers.push((key, u64::from(u32::from_le_bytes(v))));
            }
            0x05 | 0x0d => {
                fixed(value, 8, "a 64-bit parameter")?;
                numbers.push((key, u64::from_le_bytes(array(value))));
            }
            0x08 => fixed(value, 1, "a yes/no parameter")?,
            _ => {}
        }
    }
}

fn aes_rounds(rounds: u64) -> Result<(), Error> {
    if rounds > MAX_AES_ROUNDS {
        return Err(too_costly(format!(
            "{rounds} AES rounds (at most {MAX_AES_ROUNDS})"
        )));
    }
    Ok(())
}

fn fixed(data: &[u8], len: usize, what: &str) -> Result<(), Error> {
    if data.len() != len {
        return Err(damaged(&format!(
            "{what} in its header has {} bytes instead of {len}",
            data.len()
        )));
    }
    Ok(())
}

/// The first N bytes of a slice already checked to hold exactly N.
fn array<const N: usize>(data: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&data[..N]);
    out
}

fn too_costly(what: String) -> Error {
    Error::Unsupported(format!(
        "this KeePass file asks for a key derivation too costly to run ({what}): lower it in \
         KeePassXC (Database settings, Encryption) and export again"
    ))
}

fn damaged(reason: &str) -> Error {
    Error::NotThisFormat {
        format: "KeePass",
        reason: format!("it is damaged: {reason}"),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| damaged("its header is cut short"))?;
        let data = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(data)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Error> {
        Ok(u16::from_le_bytes(array(self.take(2)?)))
    }

    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_le_bytes(array(self.take(4)?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        crate::import::test_fixture(&format!("keepassxc/{name}"))
    }

    /// A KDBX 4 header: the given fields, then the end field.
    fn kdbx4(fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = [SIGNATURE_1, SIGNATURE_2].concat();
        out.extend([1, 0, 4, 0]);
        for (id, data) in fields {
            out.push(*id);
            out.extend((data.len() as u32).to_le_bytes());
            out.extend(data);
        }
        out.extend([0, 4, 0, 0, 0, 0x0d, 0x0a, 0x0d, 0x0a]);
        out
    }

    /// A KDBX 3.1 header, likewise.
    fn kdbx3(fields: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = [SIGNATURE_1, SIGNATURE_2].concat();
        out.extend([1, 0, 3, 0]);
        for (id, data) in fields {
            out.push(*id);
            out.extend((data.len() as u16).to_le_bytes());
            out.extend(data);
        }
        out.extend([0, 4, 0, 0x0d, 0x0a, 0x0d, 0x0a]);
        out
    }

    /// KDF parameters as KeePassXC writes them for Argon2d (M, I as u64; P as u32).
    fn argon2(memory: u64, iterations: u64, lanes: u32) -> Vec<u8> {
        let mut d = vec![0x00, 0x01];
        let mut item = |kind: u8, key: &str, value: &[u8]| {
            d.push(kind);
            d.extend((key.len() as u32).to_le_bytes());
            d.extend(key.as_bytes());
            d.extend((value.len() as u32).to_le_bytes());
            d.extend(value);
        };
        item(0x42, "$UUID", &[0xef; 16]);
        item(0x05, "M", &memory.to_le_bytes());
        item(0x05, "I", &iterations.to_le_bytes());
        item(0x04, "P", &lanes.to_le_bytes());
        item(0x04, "V", &0x13u32.to_le_bytes());
        d.push(0);
        d
    }

    /// A KeePass 1 (KDB) file: its fixed 124-byte header (AES, `rounds`), then a block.
    pub(crate) fn kdb(rounds: u32) -> Vec<u8> {
        let mut out = [SIGNATURE_1, [0x65, 0xfb, 0x4b, 0xb5]].concat();
        out.extend(2u32.to_le_bytes()); // flags: AES
        out.extend(0x0003_0004u32.to_le_bytes()); // version 3.4
        out.extend([0x11; 16 + 16]); // master seed, IV
        out.extend(1u32.to_le_bytes()); // groups
        out.extend(1u32.to_le_bytes()); // entries
        out.extend([0x22; 32 + 32]); // content hash, transform seed
        out.extend(rounds.to_le_bytes());
        out.extend([0x33; 16]);
        out
    }

    fn refusal(bytes: &[u8]) -> String {
        check(bytes).unwrap_err().to_string()
    }

    #[test]
    fn published_files_and_usual_costs_pass() {
        for name in [
            "NewDatabase.kdbx",
            "Format300.kdbx",
            "Format400.kdbx",
            "NonAscii.kdbx",
        ] {
            check(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        check(&kdbx4(&[(11, argon2(64 << 20, 10, 2))])).unwrap();
        check(&kdbx4(&[(11, argon2(MAX_ARGON2_MEMORY, 64, 8))])).unwrap();
        check(&kdbx3(&[(6, 60_000_000u64.to_le_bytes().to_vec())])).unwrap();
        // Not KDBX, or another version: left for the keepass crate to name.
        check(b"not a kdbx file").unwrap();
        check(&[SIGNATURE_1, SIGNATURE_2, [1, 0, 2, 0]].concat()).unwrap();
    }

    #[test]
    fn costly_key_derivations_are_refused_before_running() {
        let e = refusal(&kdbx4(&[(11, argon2(4 << 30, 1, 1))]));
        assert!(
            e.contains("4096 MiB of Argon2 memory (at most 1024 MiB)"),
            "{e}"
        );
        assert!(e.contains("lower it in KeePassXC"), "{e}");
        let e = refusal(&kdbx4(&[(11, argon2(64 << 20, 2_000, 1))]));
        assert!(e.contains("2000 Argon2 iterations over 64 MiB"), "{e}");
        let e = refusal(&kdbx4(&[(11, argon2(64 << 20, 2, 1_000))]));
        assert!(e.contains("1000 Argon2 lanes"), "{e}");
        let e = refusal(&kdbx3(&[(6, u64::MAX.to_le_bytes().to_vec())]));
        assert!(e.contains("18446744073709551615 AES rounds"), "{e}");
        // AES-KDF in a KDBX 4 file: its "R" parameter.
        let mut aes = vec![0x00, 0x01, 0x05, 1, 0, 0, 0, b'R', 8, 0, 0, 0];
        aes.extend(u64::MAX.to_le_bytes());
        aes.push(0);
        assert!(refusal(&kdbx4(&[(11, aes)])).contains("AES rounds"));
    }

    #[test]
    fn keepass_1_files_have_their_rounds_bounded_too() {
        check(&kdb(60_000)).unwrap();
        check(&kdb(MAX_AES_ROUNDS as u32)).unwrap();
        let e = refusal(&kdb(u32::MAX));
        assert!(
            e.contains("4294967295 AES rounds (at most 1073741824)"),
            "{e}"
        );
        assert!(e.contains("lower it in KeePassXC"), "{e}");
        // Cut inside its fixed header: named, never read past.
        for len in 12..124 {
            let e = refusal(&kdb(u32::MAX)[..len]);
            assert!(e.contains("cut short"), "cut at {len}: {e}");
        }
    }

    #[test]
    fn short_fixed_size_fields_and_cut_headers_are_damage_not_panics() {
        let e = refusal(&kdbx4(&[(3, vec![1])]));
        assert_eq!(
            e,
            "not a KeePass file: it is damaged: a flags field in its header has 1 bytes instead of 4"
        );
        assert!(refusal(&kdbx3(&[(6, vec![1, 2, 3, 4])])).contains("the AES rounds"));
        assert!(refusal(&kdbx3(&[(10, vec![])])).contains("a flags field"));
        let mut short_p = argon2(64 << 20, 2, 2);
        let at = short_p.len() - 1 - (1 + 4 + 1 + 4 + 4) - (1 + 4 + 1 + 4 + 4);
        short_p[at + 6] = 2; // P's value length: 2 instead of 4
        assert!(refusal(&kdbx4(&[(11, short_p)])).contains("damaged"));
        // Every cut inside a real header is named as such.
        for (name, end) in [
            (
                "Format400.kdbx",
                &[0, 4, 0, 0, 0, 0x0d, 0x0a, 0x0d, 0x0a][..],
            ),
            ("Format300.kdbx", &[0, 4, 0, 0x0d, 0x0a, 0x0d, 0x0a][..]),
        ] {
            let file = fixture(name);
            let header_len = file
                .windows(end.len())
                .position(|w| w == end)
                .expect("the end field")
                + end.len();
            for len in 12..header_len {
                let e = refusal(&file[..len]);
                assert!(e.contains("cut short"), "{name} cut at {len}: {e}");
            }
        }
    }
}
