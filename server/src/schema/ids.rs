//! Identifiers: table UUIDs (random for user tables, name-derived for system
//! tables), the 64-bit id storage uses, and stable column ids.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::dht::murmur3_x64_128;

fn uuid_from_hash(h1: u64, h2: u64, version: u8) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&h1.to_be_bytes());
    bytes[8..].copy_from_slice(&h2.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0F) | (version << 4);
    bytes[8] = (bytes[8] & 0x3F) | 0x80; // IETF variant
    bytes
}

/// A fresh random (version 4) UUID for a new table or a schema version.
/// Only shard 0 creates tables, so uniqueness needs time, pid and a counter,
/// not a cryptographic source.
pub fn new_table_uuid() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut seed = Vec::with_capacity(32);
    seed.extend_from_slice(&nanos.to_le_bytes());
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let (h1, h2) = murmur3_x64_128(&seed, 0x5EED);
    uuid_from_hash(h1, h2, 4)
}

/// The fixed UUID of a system table, the same on every node and restart.
pub fn system_table_uuid(keyspace: &str, table: &str) -> [u8; 16] {
    let (h1, h2) = murmur3_x64_128(format!("{keyspace}.{table}").as_bytes(), 0x5157);
    uuid_from_hash(h1, h2, 3)
}

/// The id storage knows a table by, derived from its UUID.
pub fn storage_table_id(uuid: &[u8; 16]) -> u64 {
    let (hi, lo) = uuid.split_at(8);
    u64::from_be_bytes(hi.try_into().unwrap_or_default())
        ^ u64::from_be_bytes(lo.try_into().unwrap_or_default())
}

/// A column's storage id: a hash of its name, so it survives restarts without
/// being stored, and a dropped then re-added column finds its old cells
/// (shadowed by the drop time, as in Cassandra).
pub fn column_id_of(name: &str) -> u32 {
    let (h1, _) = murmur3_x64_128(name.as_bytes(), 0xC0);
    h1 as u32
}

/// The canonical 8-4-4-4-12 text form.
pub fn uuid_to_string(uuid: &[u8; 16]) -> String {
    let hex: String = uuid.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_right_shape_and_stability() {
        let a = new_table_uuid();
        let b = new_table_uuid();
        assert_ne!(a, b);
        assert_eq!(a[6] >> 4, 4);
        assert_eq!(
            system_table_uuid("system", "local"),
            system_table_uuid("system", "local")
        );
        assert_ne!(
            system_table_uuid("system", "local"),
            system_table_uuid("system", "peers")
        );
        assert_eq!(
            uuid_to_string(&[0xab; 16]),
            "abababab-abab-abab-abab-abababababab"
        );
        assert_eq!(column_id_of("c0"), column_id_of("c0"));
    }
}
