//! Version-1 UUIDs as Cassandra's `UUIDGen` builds them: a 60-bit count of 100 ns
//! intervals since 1582-10-15, then a clock sequence and node chosen randomly once
//! per generator (per shard).
//!
//! Invariant: one generator never returns the same timestamp twice and its
//! timestamps increase, even when the wall clock stalls or steps back (it then
//! borrows ticks from the future, as `UUIDGen` does). The minimum and maximum
//! timeuuids of a millisecond use Cassandra's `0x80...` and `0x7f...` low bytes,
//! which sort first and last because timeuuid low bytes compare as signed bytes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds between 1582-10-15 and 1970-01-01 (Cassandra's `START_EPOCH`, negated).
const GREGORIAN_OFFSET_MS: i64 = 12_219_292_800_000;
const TICKS_PER_MS: i64 = 10_000;
const MIN_CLOCK_SEQ_AND_NODE: u64 = 0x8080_8080_8080_8080;
const MAX_CLOCK_SEQ_AND_NODE: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Generates unique, increasing timeuuids for one shard.
#[derive(Debug)]
pub struct TimeuuidGenerator {
    last_ticks: AtomicI64,
    clock_seq_and_node: u64,
}

impl Default for TimeuuidGenerator {
    fn default() -> Self {
        TimeuuidGenerator::new()
    }
}

/// 64 random bits from the standard library's randomly keyed hasher.
pub(crate) fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or(0),
    );
    hasher.finish()
}

impl TimeuuidGenerator {
    pub fn new() -> TimeuuidGenerator {
        let random = random_u64();
        // Variant 10xx in the top bits, a 14-bit clock sequence, and a 48-bit node
        // with the multicast bit set, as RFC 4122 asks for random node ids.
        let clock_seq = (random >> 48) & 0x3FFF;
        let node = (random & 0xFFFF_FFFF_FFFF) | 0x0100_0000_0000;
        TimeuuidGenerator {
            last_ticks: AtomicI64::new(0),
            clock_seq_and_node: (0x8000 | clock_seq) << 48 | node,
        }
    }

    /// A new timeuuid for the wall-clock time `now_ms`.
    pub fn next(&self, now_ms: i64) -> [u8; 16] {
        let candidate = (now_ms + GREGORIAN_OFFSET_MS) * TICKS_PER_MS;
        let mut previous = self.last_ticks.load(Ordering::Relaxed);
        loop {
            let ticks = candidate.max(previous + 1);
            match self.last_ticks.compare_exchange_weak(
                previous,
                ticks,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return make_uuid(ticks, self.clock_seq_and_node),
                Err(actual) => previous = actual,
            }
        }
    }
}

fn make_uuid(ticks: i64, lsb: u64) -> [u8; 16] {
    let ticks = ticks as u64;
    let msb = ((ticks & 0xFFFF_FFFF) << 32)
        | ((ticks & 0xFFFF_0000_0000) >> 16)
        | ((ticks >> 48) & 0x0FFF)
        | 0x1000;
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&msb.to_be_bytes());
    out[8..].copy_from_slice(&lsb.to_be_bytes());
    out
}

/// The smallest timeuuid of millisecond `unix_ms` (`minTimeuuid`).
pub fn min_timeuuid(unix_ms: i64) -> [u8; 16] {
    make_uuid(
        (unix_ms + GREGORIAN_OFFSET_MS) * TICKS_PER_MS,
        MIN_CLOCK_SEQ_AND_NODE,
    )
}

/// The largest timeuuid of millisecond `unix_ms` (`maxTimeuuid`).
pub fn max_timeuuid(unix_ms: i64) -> [u8; 16] {
    make_uuid(
        (unix_ms + 1 + GREGORIAN_OFFSET_MS) * TICKS_PER_MS - 1,
        MAX_CLOCK_SEQ_AND_NODE,
    )
}

/// The 60-bit timestamp of a version-1 uuid, in 100 ns ticks since 1582-10-15.
pub fn timeuuid_timestamp_100ns(uuid: &[u8; 16]) -> i64 {
    let mut high = [0u8; 8];
    high.copy_from_slice(&uuid[..8]);
    let msb = u64::from_be_bytes(high);
    (((msb & 0x0FFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)) as i64
}

/// Milliseconds since the Unix epoch of a timeuuid (`UUIDGen.unixTimestamp`).
pub fn timeuuid_to_unix_ms(uuid: &[u8; 16]) -> i64 {
    timeuuid_timestamp_100ns(uuid) / TICKS_PER_MS - GREGORIAN_OFFSET_MS
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering as Order;

    use sibyl_protocol::types::ColumnType;

    use super::*;
    use crate::cql3::values::compare_values;

    #[test]
    fn generated_uuids_are_version_1_unique_and_increasing() {
        let generator = TimeuuidGenerator::new();
        let mut previous = generator.next(1_000);
        for _ in 0..1000 {
            // A stalled clock still yields increasing uuids.
            let next = generator.next(1_000);
            assert_eq!(next[6] >> 4, 1);
            assert_eq!(next[8] & 0xC0, 0x80, "RFC 4122 variant");
            assert_eq!(
                compare_values(&ColumnType::Timeuuid, &previous, &next),
                Order::Less
            );
            previous = next;
        }
        assert_eq!(
            timeuuid_to_unix_ms(&generator.next(1_700_000_000_123)),
            1_700_000_000_123
        );
    }

    #[test]
    fn min_and_max_bound_every_uuid_of_their_millisecond() {
        for ms in [0, 1_700_000_000_000, -5_000] {
            let generator = TimeuuidGenerator::new();
            let (low, high) = (min_timeuuid(ms), max_timeuuid(ms));
            let generated = generator.next(ms);
            assert_eq!(timeuuid_to_unix_ms(&low), ms);
            assert_eq!(timeuuid_to_unix_ms(&high), ms);
            let ty = ColumnType::Timeuuid;
            assert_eq!(compare_values(&ty, &low, &generated), Order::Less);
            assert_eq!(compare_values(&ty, &generated, &high), Order::Less);
            assert_eq!(
                compare_values(&ty, &high, &min_timeuuid(ms + 1)),
                Order::Less
            );
        }
        // Known value: Cassandra's minTimeuuid('1970-01-01 00:00:00+0000').
        let text: String = min_timeuuid(0).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            text,
            "13814000-1dd2-11b2-8080-808080808080".replace('-', "")
        );
    }
}
