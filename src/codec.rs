//! The one file format of everything the job keeps between stages and runs
//! (store segments, manifests, the model, assignment outputs): a magic
//! string naming the kind of file and its format version, then blocks of
//! zstd-compressed bincode, then the xxh3 checksum of every byte before it.
//! Files are written to a temporary name and renamed into place, so a
//! reader sees a whole file or none; a damaged, truncated or foreign file
//! is refused with the reason, never half-read.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::error::{Error, Result};
use crate::fsx;

/// zstd level: fast to write, still about a third of the raw size.
const LEVEL: i32 = -1;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes `value` as one compressed block. The value is serialised into
/// memory first and compressed in one call: streaming bincode's many small
/// writes through the zstd encoder cost more than the compression itself.
pub fn encode<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    let raw = bincode::serde::encode_to_vec(value, config()).map_err(std::io::Error::other)?;
    zstd::bulk::compress(&raw, LEVEL)
}

/// How many times its compressed size a block may claim to hold before its
/// claim is not believed (a damaged header must not make us allocate
/// terabytes); such a block is inflated by streaming instead.
const MAX_RATIO: u64 = 64;

/// Inflates a block. [`encode`] records the raw size in the block, so the
/// buffer is allocated once at that size instead of grown and copied (for
/// the index of a million files that growth was half the cost of loading).
fn inflate(block: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let claimed = zstd::zstd_safe::get_frame_content_size(block)
        .ok()
        .flatten();
    match claimed {
        Some(n) if n <= MAX_RATIO * block.len() as u64 + (1 << 20) => {
            let mut raw: Vec<u8> = Vec::new();
            raw.try_reserve_exact(n as usize)
                .map_err(|_| format!("a block of {n} bytes does not fit in memory"))?;
            zstd::bulk::Decompressor::new()
                .and_then(|mut d| d.decompress_to_buffer(block, &mut raw))
                .map_err(|e| e.to_string())?;
            Ok(raw)
        }
        _ => zstd::stream::decode_all(block).map_err(|e| e.to_string()),
    }
}

/// Decodes one block made by [`encode`].
pub fn decode<T: DeserializeOwned>(block: &[u8]) -> std::result::Result<T, String> {
    let raw = inflate(block)?;
    let (value, used) =
        bincode::serde::decode_from_slice(&raw, config()).map_err(|e| e.to_string())?;
    if used != raw.len() {
        return Err("trailing bytes in a block".into());
    }
    Ok(value)
}

/// Decodes the start of a block made by [`encode`] (the first fields of
/// a struct), leaving the rest unread.
pub fn decode_prefix<T: DeserializeOwned>(block: &[u8]) -> std::result::Result<T, String> {
    let raw = inflate(block)?;
    bincode::serde::decode_from_slice(&raw, config())
        .map(|(value, _)| value)
        .map_err(|e| e.to_string())
}

/// Writes `blocks` (already encoded) as a file of kind `magic` at `path`,
/// through a temporary file renamed into place ([`fsx::write_atomic_unsynced`]).
pub fn write_blocks(path: &Path, magic: &[u8; 8], blocks: &[&[u8]]) -> Result<()> {
    let fail = |e: std::io::Error| Error::write(path, e);
    fsx::write_atomic_unsynced(path, |out| {
        let mut sum = Xxh3::new();
        let mut put = |bytes: &[u8], out: &mut std::io::BufWriter<std::fs::File>| {
            sum.update(bytes);
            out.write_all(bytes)
        };
        put(magic, out).map_err(fail)?;
        put(&(blocks.len() as u32).to_le_bytes(), out).map_err(fail)?;
        for b in blocks {
            put(&(b.len() as u64).to_le_bytes(), out).map_err(fail)?;
            put(b, out).map_err(fail)?;
        }
        out.write_all(&sum.digest().to_le_bytes()).map_err(fail)
    })
}

/// Reads the single-block file at `path` (kind `magic`, what it is named
/// in messages `what`): `Ok(None)` when there is none, [`Error::Damaged`]
/// naming it when it is damaged, foreign or of another version.
pub fn load<T: DeserializeOwned>(
    path: &Path,
    magic: &[u8; 8],
    what: &'static str,
) -> Result<Option<T>> {
    if !path.exists() {
        return Ok(None);
    }
    read_file(path, magic)
        .map(Some)
        .map_err(|reason| Error::Damaged {
            what,
            path: path.to_path_buf(),
            reason,
        })
}

/// Writes one value as a single-block file.
pub fn write_file<T: Serialize>(path: &Path, magic: &[u8; 8], value: &T) -> Result<()> {
    let block = encode(value).map_err(|e| Error::write(path, e))?;
    write_blocks(path, magic, &[&block])
}

/// Reads the blocks of a file of kind `magic`. The error text says why the
/// file cannot be used (missing, foreign, damaged).
pub fn read_blocks(path: &Path, magic: &[u8; 8]) -> std::result::Result<Vec<Vec<u8>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let Some((body, sum)) = bytes.split_last_chunk::<8>() else {
        return Err("truncated".into());
    };
    if !body.starts_with(magic) {
        return Err(match body.get(..6) {
            Some(head) if head == &magic[..6] => {
                "written by another version of theme-trends".to_string()
            }
            _ => "not a theme-trends file of this kind".to_string(),
        });
    }
    if xxh3_64(body) != u64::from_le_bytes(*sum) {
        return Err("checksum mismatch (damaged)".into());
    }
    let mut rest = &body[magic.len()..];
    let take = |rest: &mut &[u8], n: usize| -> std::result::Result<Vec<u8>, String> {
        if rest.len() < n {
            return Err("truncated".into());
        }
        let (head, tail) = rest.split_at(n);
        *rest = tail;
        Ok(head.to_vec())
    };
    let count = u32::from_le_bytes(take(&mut rest, 4)?.try_into().expect("4 bytes"));
    let mut blocks = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = u64::from_le_bytes(take(&mut rest, 8)?.try_into().expect("8 bytes"));
        blocks.push(take(&mut rest, len as usize)?);
    }
    if !rest.is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(blocks)
}

/// Reads a single-block file written by [`write_file`].
pub fn read_file<T: DeserializeOwned>(
    path: &Path,
    magic: &[u8; 8],
) -> std::result::Result<T, String> {
    let blocks = read_blocks(path, magic)?;
    let [block] = blocks.as_slice() else {
        return Err(format!("{} blocks where one was expected", blocks.len()));
    };
    decode(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &[u8; 8] = b"TTTEST\x00\x01";

    #[test]
    fn values_round_trip_and_any_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let value = (vec!["春运".to_string(); 100], 42u64);
        write_file(&path, MAGIC, &value).unwrap();
        let back: (Vec<String>, u64) = read_file(&path, MAGIC).unwrap();
        assert_eq!(back, value);
        let bytes = std::fs::read(&path).unwrap();
        for i in [0, 9, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x40;
            std::fs::write(&path, &bad).unwrap();
            assert!(
                read_file::<(Vec<String>, u64)>(&path, MAGIC).is_err(),
                "byte {i}"
            );
        }
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(read_file::<(Vec<String>, u64)>(&path, MAGIC).is_err());
        let mut other = *MAGIC;
        other[7] = 2;
        std::fs::write(&path, &bytes).unwrap();
        let err = read_file::<(Vec<String>, u64)>(&path, &other).unwrap_err();
        assert!(err.contains("another version"), "{err}");
    }
}
