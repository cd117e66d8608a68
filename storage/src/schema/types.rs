//! Value types of clustering (and collection path) components and their sort
//! order over the CQL *serialized* forms, matching Cassandra's `AbstractType`
//! comparators so that rows come back in exactly Cassandra's order.
//!
//! Invariant: an empty value sorts before every non-empty value of the same type
//! (Cassandra accepts empty buffers for most types). Pure functions; no shard state.

use std::cmp::Ordering;

/// The CQL value types that can appear in a clustering key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueType {
    Ascii,
    BigInt,
    Blob,
    Boolean,
    Counter,
    Date,
    Decimal,
    Double,
    Duration,
    Float,
    Inet,
    Int,
    SmallInt,
    Text,
    Time,
    Timestamp,
    TimeUuid,
    TinyInt,
    Uuid,
    VarInt,
}

impl ValueType {
    /// A one-byte code used by on-disk metadata.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Inverse of [`ValueType::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        use ValueType::*;
        const ALL: [ValueType; 20] = [
            Ascii, BigInt, Blob, Boolean, Counter, Date, Decimal, Double, Duration, Float, Inet,
            Int, SmallInt, Text, Time, Timestamp, TimeUuid, TinyInt, Uuid, VarInt,
        ];
        ALL.get(usize::from(code)).copied()
    }

    /// Compares two serialized values of this type in Cassandra's order.
    pub fn compare(self, a: &[u8], b: &[u8]) -> Ordering {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        match self {
            ValueType::Ascii
            | ValueType::Text
            | ValueType::Blob
            | ValueType::Inet
            | ValueType::Boolean
            | ValueType::Duration => a.cmp(b),
            ValueType::Int
            | ValueType::BigInt
            | ValueType::SmallInt
            | ValueType::TinyInt
            | ValueType::Timestamp
            | ValueType::Time
            | ValueType::Counter => compare_signed_fixed(a, b),
            ValueType::Date => compare_unsigned_fixed(a, b),
            ValueType::VarInt => compare_varint(a, b),
            ValueType::Decimal => compare_decimal(a, b),
            ValueType::Float => compare_float(a, b),
            ValueType::Double => compare_double(a, b),
            ValueType::Uuid => compare_uuid(a, b),
            ValueType::TimeUuid => compare_timeuuid(a, b),
        }
    }
}

/// Big-endian two's complement of equal width: flip the sign bit, then compare bytes.
fn compare_signed_fixed(a: &[u8], b: &[u8]) -> Ordering {
    if a.len() != b.len() {
        return compare_varint(a, b);
    }
    let sign_a = a.first().map(|x| x & 0x80).unwrap_or(0);
    let sign_b = b.first().map(|x| x & 0x80).unwrap_or(0);
    sign_b.cmp(&sign_a).then_with(|| a.cmp(b))
}

fn compare_unsigned_fixed(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Strips redundant sign-extension bytes so that equal numbers have equal encodings.
fn normalize_varint(v: &[u8]) -> &[u8] {
    let mut v = v;
    while let [first, second, ..] = v {
        let redundant =
            (*first == 0 && second & 0x80 == 0) || (*first == 0xff && second & 0x80 != 0);
        if !redundant {
            break;
        }
        v = &v[1..];
    }
    v
}

fn compare_varint(a: &[u8], b: &[u8]) -> Ordering {
    let a = normalize_varint(a);
    let b = normalize_varint(b);
    let neg_a = a.first().is_some_and(|x| x & 0x80 != 0);
    let neg_b = b.first().is_some_and(|x| x & 0x80 != 0);
    match (neg_a, neg_b) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        // Same sign: a longer positive number is larger, a longer negative one smaller;
        // at equal length two's complement bytes compare like unsigned.
        (false, false) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        (true, true) => b.len().cmp(&a.len()).then_with(|| a.cmp(b)),
    }
}

/// Sign and big-endian magnitude of a two's complement varint.
fn varint_magnitude(v: &[u8]) -> (bool, Vec<u8>) {
    let negative = v.first().is_some_and(|x| x & 0x80 != 0);
    if !negative {
        let mag: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        return (false, mag);
    }
    // Two's complement negate: invert and add one.
    let mut out: Vec<u8> = v.iter().map(|b| !b).collect();
    for byte in out.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    let mag: Vec<u8> = out.into_iter().skip_while(|b| *b == 0).collect();
    (true, mag)
}

fn magnitude_times_10(mag: &mut Vec<u8>) {
    let mut carry: u16 = 0;
    for byte in mag.iter_mut().rev() {
        let v = u16::from(*byte) * 10 + carry;
        *byte = (v & 0xff) as u8;
        carry = v >> 8;
    }
    if carry > 0 {
        mag.insert(0, carry as u8);
    }
}

fn compare_magnitude(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Decimal: 4-byte big-endian scale followed by a varint unscaled value;
/// the number is `unscaled * 10^-scale`.
fn compare_decimal(a: &[u8], b: &[u8]) -> Ordering {
    let (Some((sa, ua)), Some((sb, ub))) = (split_decimal(a), split_decimal(b)) else {
        return a.cmp(b);
    };
    let (neg_a, mut mag_a) = varint_magnitude(ua);
    let (neg_b, mut mag_b) = varint_magnitude(ub);
    let zero_a = mag_a.is_empty();
    let zero_b = mag_b.is_empty();
    let sign = |neg: bool, zero: bool| {
        if zero {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sign_a, sign_b) = (sign(neg_a, zero_a), sign(neg_b, zero_b));
    if sign_a != sign_b || sign_a == 0 {
        return sign_a.cmp(&sign_b);
    }
    // Estimate decimal exponents from bit lengths; only scale when they are close,
    // which bounds the multiplication work by the operands' lengths.
    let digits = |mag: &[u8]| (mag.len() as i64 * 8) * 30103 / 100000;
    let exp_a = digits(&mag_a) - i64::from(sa);
    let exp_b = digits(&mag_b) - i64::from(sb);
    let magnitude_order = if exp_a > exp_b + 3 {
        Ordering::Greater
    } else if exp_b > exp_a + 3 {
        Ordering::Less
    } else {
        let (sa, sb) = (i64::from(sa), i64::from(sb));
        if sa < sb {
            for _ in 0..(sb - sa) {
                magnitude_times_10(&mut mag_a);
            }
        } else {
            for _ in 0..(sa - sb) {
                magnitude_times_10(&mut mag_b);
            }
        }
        compare_magnitude(&mag_a, &mag_b)
    };
    if sign_a < 0 {
        magnitude_order.reverse()
    } else {
        magnitude_order
    }
}

fn split_decimal(v: &[u8]) -> Option<(i32, &[u8])> {
    let (scale, rest) = v.split_first_chunk::<4>()?;
    Some((i32::from_be_bytes(*scale), rest))
}

/// Java's `Float.compare`: -0.0 < 0.0 and NaN above everything, equal to itself.
fn compare_float(a: &[u8], b: &[u8]) -> Ordering {
    let (Ok(a4), Ok(b4)) = (<[u8; 4]>::try_from(a), <[u8; 4]>::try_from(b)) else {
        return a.cmp(b);
    };
    let (x, y) = (f32::from_be_bytes(a4), f32::from_be_bytes(b4));
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.total_cmp(&y),
    }
}

fn compare_double(a: &[u8], b: &[u8]) -> Ordering {
    let (Ok(a8), Ok(b8)) = (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) else {
        return a.cmp(b);
    };
    let (x, y) = (f64::from_be_bytes(a8), f64::from_be_bytes(b8));
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.total_cmp(&y),
    }
}

fn uuid_halves(v: &[u8]) -> Option<(u64, u64)> {
    let arr: [u8; 16] = v.try_into().ok()?;
    let (hi, lo) = arr.split_at(8);
    Some((
        u64::from_be_bytes(hi.try_into().ok()?),
        u64::from_be_bytes(lo.try_into().ok()?),
    ))
}

/// Cassandra's `TimeUUIDType.reorderTimestampBytes`: moves time_hi before time_mid
/// before time_low so that the 60-bit timestamp compares as an integer.
fn reorder_timestamp(msb: u64) -> u64 {
    (msb << 48) | ((msb << 16) & 0xFFFF_0000_0000) | (msb >> 32)
}

/// `UUIDType`: version first; time-based UUIDs by timestamp; otherwise unsigned
/// msb; ties broken by unsigned lsb.
fn compare_uuid(a: &[u8], b: &[u8]) -> Ordering {
    let (Some((msb_a, lsb_a)), Some((msb_b, lsb_b))) = (uuid_halves(a), uuid_halves(b)) else {
        return a.len().cmp(&b.len()).then_with(|| a.cmp(b));
    };
    let version_a = (msb_a >> 12) & 0xf;
    let version_b = (msb_b >> 12) & 0xf;
    version_a
        .cmp(&version_b)
        .then_with(|| {
            if version_a == 1 {
                reorder_timestamp(msb_a).cmp(&reorder_timestamp(msb_b))
            } else {
                msb_a.cmp(&msb_b)
            }
        })
        .then_with(|| lsb_a.cmp(&lsb_b))
}

/// `TimeUUIDType`: by timestamp, then the lsb as signed bytes.
fn compare_timeuuid(a: &[u8], b: &[u8]) -> Ordering {
    let (Some((msb_a, lsb_a)), Some((msb_b, lsb_b))) = (uuid_halves(a), uuid_halves(b)) else {
        return a.len().cmp(&b.len()).then_with(|| a.cmp(b));
    };
    const SIGNED_BYTES: u64 = 0x8080_8080_8080_8080;
    reorder_timestamp(msb_a)
        .cmp(&reorder_timestamp(msb_b))
        .then_with(|| (lsb_a ^ SIGNED_BYTES).cmp(&(lsb_b ^ SIGNED_BYTES)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn varint_bytes(v: i128) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        normalize_varint(&bytes).to_vec()
    }

    fn decimal_bytes(unscaled: i128, scale: i32) -> Vec<u8> {
        let mut out = scale.to_be_bytes().to_vec();
        out.extend(varint_bytes(unscaled));
        out
    }

    proptest! {
        #[test]
        fn int_order_matches_i32(a: i32, b: i32) {
            prop_assert_eq!(ValueType::Int.compare(&a.to_be_bytes(), &b.to_be_bytes()), a.cmp(&b));
        }

        #[test]
        fn bigint_order_matches_i64(a: i64, b: i64) {
            prop_assert_eq!(ValueType::BigInt.compare(&a.to_be_bytes(), &b.to_be_bytes()), a.cmp(&b));
        }

        #[test]
        fn varint_order_matches_i128(a: i128, b: i128) {
            prop_assert_eq!(ValueType::VarInt.compare(&varint_bytes(a), &varint_bytes(b)), a.cmp(&b));
        }

        #[test]
        fn decimal_order_matches_rational(a in -1_000_000i128..1_000_000, sa in 0i32..6, b in -1_000_000i128..1_000_000, sb in 0i32..6) {
            // Compare a*10^-sa with b*10^-sb exactly by scaling to a common exponent.
            let scale = sa.max(sb);
            let ea = a * 10i128.pow((scale - sa) as u32);
            let eb = b * 10i128.pow((scale - sb) as u32);
            prop_assert_eq!(ValueType::Decimal.compare(&decimal_bytes(a, sa), &decimal_bytes(b, sb)), ea.cmp(&eb));
        }

        #[test]
        fn double_order_matches_java(a: f64, b: f64) {
            let expected = if a.is_nan() || b.is_nan() {
                a.is_nan().cmp(&b.is_nan())
            } else {
                a.total_cmp(&b)
            };
            prop_assert_eq!(ValueType::Double.compare(&a.to_be_bytes(), &b.to_be_bytes()), expected);
        }

        #[test]
        fn date_is_unsigned(a: u32, b: u32) {
            prop_assert_eq!(ValueType::Date.compare(&a.to_be_bytes(), &b.to_be_bytes()), a.cmp(&b));
        }
    }

    fn timeuuid(timestamp: u64, lsb: u64) -> Vec<u8> {
        let time_low = timestamp & 0xffff_ffff;
        let time_mid = (timestamp >> 32) & 0xffff;
        let time_hi = (timestamp >> 48) & 0x0fff;
        let msb = (time_low << 32) | (time_mid << 16) | (1 << 12) | time_hi;
        let mut out = msb.to_be_bytes().to_vec();
        out.extend(lsb.to_be_bytes());
        out
    }

    #[test]
    fn timeuuid_orders_by_timestamp_not_bytes() {
        let early = timeuuid(0x0000_0000_ffff_ffff, 0);
        let late = timeuuid(0x0001_0000_0000_0000, 0);
        assert_eq!(ValueType::TimeUuid.compare(&early, &late), Ordering::Less);
        assert_eq!(ValueType::Uuid.compare(&early, &late), Ordering::Less);
        // Bytewise the low time bits come first and give the opposite answer.
        assert_eq!(early.cmp(&late), Ordering::Greater);
    }

    #[test]
    fn uuid_orders_version_first() {
        let mut v4 = vec![0u8; 16];
        v4[6] = 0x40;
        let v1 = timeuuid(u64::MAX >> 4, u64::MAX);
        assert_eq!(ValueType::Uuid.compare(&v1, &v4), Ordering::Less);
    }

    #[test]
    fn timeuuid_lsb_is_signed() {
        let a = timeuuid(7, 0x8000_0000_0000_0000);
        let b = timeuuid(7, 0x0000_0000_0000_0000);
        assert_eq!(ValueType::TimeUuid.compare(&a, &b), Ordering::Less);
        assert_eq!(ValueType::Uuid.compare(&a, &b), Ordering::Greater);
    }

    #[test]
    fn empty_sorts_first_and_negative_zero_before_zero() {
        assert_eq!(ValueType::Int.compare(&[], &[0, 0, 0, 0]), Ordering::Less);
        assert_eq!(
            ValueType::Float.compare(&(-0.0f32).to_be_bytes(), &0.0f32.to_be_bytes()),
            Ordering::Less
        );
        assert_eq!(ValueType::Boolean.compare(&[0], &[1]), Ordering::Less);
    }
}
