//! Arbitrary-precision integers and decimals for `varint` and `decimal`, with the
//! operations Cassandra performs on them (Java's `BigInteger`/`BigDecimal`): parsing,
//! printing, two's complement conversion, ordering, sums and division by a count.
//!
//! Magnitudes are little-endian limbs in base 10^9, so printing is cheap and the
//! arithmetic stays simple; values in CQL statements are small, so quadratic
//! algorithms are fine. Invariant: no leading zero limbs and no negative zero.

use std::cmp::Ordering;

const BASE: u64 = 1_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BigInt {
    negative: bool,
    limbs: Vec<u32>,
}

impl BigInt {
    pub fn zero() -> BigInt {
        BigInt::default()
    }

    pub fn is_zero(&self) -> bool {
        self.limbs.is_empty()
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    fn normalized(mut self) -> BigInt {
        while self.limbs.last() == Some(&0) {
            self.limbs.pop();
        }
        if self.limbs.is_empty() {
            self.negative = false;
        }
        self
    }

    pub fn from_i128(value: i128) -> BigInt {
        let mut magnitude = value.unsigned_abs();
        let mut limbs = Vec::new();
        while magnitude > 0 {
            limbs.push((magnitude % u128::from(BASE)) as u32);
            magnitude /= u128::from(BASE);
        }
        BigInt {
            negative: value < 0,
            limbs,
        }
        .normalized()
    }

    pub fn to_i128(&self) -> Option<i128> {
        let mut magnitude: i128 = 0;
        for limb in self.limbs.iter().rev() {
            magnitude = magnitude
                .checked_mul(BASE as i128)?
                .checked_add(i128::from(*limb))?;
        }
        Some(if self.negative { -magnitude } else { magnitude })
    }

    /// The low 64 bits, as Java's `BigInteger.longValue()` (wrapping).
    pub fn low_i64(&self) -> i64 {
        let bytes = self.to_twos_complement();
        let mut low = [if self.negative { 0xFF } else { 0 }; 8];
        for (slot, byte) in low.iter_mut().rev().zip(bytes.iter().rev()) {
            *slot = *byte;
        }
        i64::from_be_bytes(low)
    }

    /// Parses `[+-]digits`, as `new BigInteger(text)` does.
    pub fn parse(text: &str) -> Option<BigInt> {
        let (negative, digits) = match text.as_bytes().first()? {
            b'-' => (true, text.get(1..)?),
            b'+' => (false, text.get(1..)?),
            _ => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut limbs = Vec::with_capacity(digits.len() / 9 + 1);
        let mut end = digits.len();
        while end > 0 {
            let start = end.saturating_sub(9);
            limbs.push(digits.get(start..end)?.parse::<u32>().ok()?);
            end = start;
        }
        Some(BigInt { negative, limbs }.normalized())
    }

    pub fn to_decimal_string(&self) -> String {
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        match self.limbs.split_last() {
            None => out.push('0'),
            Some((top, rest)) => {
                out.push_str(&top.to_string());
                for limb in rest.iter().rev() {
                    out.push_str(&format!("{limb:09}"));
                }
            }
        }
        out
    }

    /// Number of decimal digits of the magnitude (1 for zero).
    pub fn digit_count(&self) -> usize {
        match self.limbs.split_last() {
            None => 1,
            Some((top, rest)) => top.to_string().len() + 9 * rest.len(),
        }
    }

    /// Reads big-endian two's complement bytes (a `varint`); empty is zero.
    pub fn from_twos_complement(bytes: &[u8]) -> BigInt {
        let negative = bytes.first().is_some_and(|b| *b >= 0x80);
        // Work on the magnitude: invert and add one when negative.
        let mut magnitude: Vec<u8> = if negative {
            bytes.iter().map(|b| !b).collect()
        } else {
            bytes.to_vec()
        };
        if negative {
            for byte in magnitude.iter_mut().rev() {
                let (sum, carry) = byte.overflowing_add(1);
                *byte = sum;
                if !carry {
                    break;
                }
            }
        }
        let mut result = BigInt::zero();
        for byte in magnitude {
            result = result.mul_small(256).add_small(u32::from(byte));
        }
        result.negative = negative;
        result.normalized()
    }

    /// Minimal big-endian two's complement bytes, at least one.
    pub fn to_twos_complement(&self) -> Vec<u8> {
        let mut magnitude = self.limbs.clone();
        let mut bytes = Vec::new();
        while !magnitude.is_empty() {
            let mut remainder = 0u64;
            for limb in magnitude.iter_mut().rev() {
                let current = remainder * BASE + u64::from(*limb);
                *limb = (current / 256) as u32;
                remainder = current % 256;
            }
            bytes.push(remainder as u8);
            while magnitude.last() == Some(&0) {
                magnitude.pop();
            }
        }
        bytes.push(0);
        bytes.reverse();
        if self.negative {
            for byte in bytes.iter_mut() {
                *byte = !*byte;
            }
            for byte in bytes.iter_mut().rev() {
                let (sum, carry) = byte.overflowing_add(1);
                *byte = sum;
                if !carry {
                    break;
                }
            }
        }
        // Strip redundant sign bytes.
        let mut start = 0;
        while start + 1 < bytes.len() {
            let (first, second) = (bytes[start], bytes[start + 1]);
            if (first == 0 && second < 0x80) || (first == 0xFF && second >= 0x80) {
                start += 1;
            } else {
                break;
            }
        }
        bytes.split_off(start)
    }

    fn mul_small(mut self, factor: u32) -> BigInt {
        let mut carry = 0u64;
        for limb in self.limbs.iter_mut() {
            let product = u64::from(*limb) * u64::from(factor) + carry;
            *limb = (product % BASE) as u32;
            carry = product / BASE;
        }
        while carry > 0 {
            self.limbs.push((carry % BASE) as u32);
            carry /= BASE;
        }
        self.normalized()
    }

    fn add_small(self, addend: u32) -> BigInt {
        self.add(&BigInt::from_i128(i128::from(addend)))
    }

    pub fn mul_pow10(&self, exponent: u32) -> BigInt {
        let mut result = self.clone();
        for _ in 0..exponent / 9 {
            result.limbs.insert(0, 0);
        }
        result.mul_small(10u32.pow(exponent % 9)).normalized()
    }

    fn cmp_magnitude(a: &[u32], b: &[u32]) -> Ordering {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }

    fn add_magnitudes(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
        let mut carry = 0u64;
        for index in 0..a.len().max(b.len()) {
            let sum = u64::from(a.get(index).copied().unwrap_or(0))
                + u64::from(b.get(index).copied().unwrap_or(0))
                + carry;
            out.push((sum % BASE) as u32);
            carry = sum / BASE;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        out
    }

    /// `a - b` for magnitudes with `a >= b`.
    fn sub_magnitudes(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len());
        let mut borrow = 0i64;
        for (index, limb) in a.iter().enumerate() {
            let mut difference =
                i64::from(*limb) - i64::from(b.get(index).copied().unwrap_or(0)) - borrow;
            borrow = 0;
            if difference < 0 {
                difference += BASE as i64;
                borrow = 1;
            }
            out.push(difference as u32);
        }
        out
    }

    pub fn add(&self, other: &BigInt) -> BigInt {
        if self.negative == other.negative {
            return BigInt {
                negative: self.negative,
                limbs: Self::add_magnitudes(&self.limbs, &other.limbs),
            }
            .normalized();
        }
        match Self::cmp_magnitude(&self.limbs, &other.limbs) {
            Ordering::Equal => BigInt::zero(),
            Ordering::Greater => BigInt {
                negative: self.negative,
                limbs: Self::sub_magnitudes(&self.limbs, &other.limbs),
            }
            .normalized(),
            Ordering::Less => BigInt {
                negative: other.negative,
                limbs: Self::sub_magnitudes(&other.limbs, &self.limbs),
            }
            .normalized(),
        }
    }

    pub fn negate(&self) -> BigInt {
        BigInt {
            negative: !self.negative,
            limbs: self.limbs.clone(),
        }
        .normalized()
    }

    pub fn sub(&self, other: &BigInt) -> BigInt {
        self.add(&other.negate())
    }

    pub fn mul(&self, other: &BigInt) -> BigInt {
        let mut out = vec![0u64; self.limbs.len() + other.limbs.len() + 1];
        for (i, a) in self.limbs.iter().enumerate() {
            let mut carry = 0u64;
            for (j, b) in other.limbs.iter().enumerate() {
                let current = out[i + j] + u64::from(*a) * u64::from(*b) + carry;
                out[i + j] = current % BASE;
                carry = current / BASE;
            }
            let mut k = i + other.limbs.len();
            while carry > 0 {
                let current = out[k] + carry;
                out[k] = current % BASE;
                carry = current / BASE;
                k += 1;
            }
        }
        BigInt {
            negative: self.negative != other.negative,
            limbs: out.into_iter().map(|limb| limb as u32).collect(),
        }
        .normalized()
    }

    /// Truncating division by a positive machine integer (Java's `divide`), with the
    /// remainder's magnitude.
    pub fn div_rem_u64(&self, divisor: u64) -> (BigInt, u64) {
        let mut limbs = self.limbs.clone();
        let mut remainder: u128 = 0;
        for limb in limbs.iter_mut().rev() {
            let current = remainder * u128::from(BASE) + u128::from(*limb);
            *limb = (current / u128::from(divisor)) as u32;
            remainder = current % u128::from(divisor);
        }
        let quotient = BigInt {
            negative: self.negative,
            limbs,
        }
        .normalized();
        (quotient, remainder as u64)
    }
}

impl Ord for BigInt {
    fn cmp(&self, other: &BigInt) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => Self::cmp_magnitude(&self.limbs, &other.limbs),
            (true, true) => Self::cmp_magnitude(&other.limbs, &self.limbs),
        }
    }
}

impl PartialOrd for BigInt {
    fn partial_cmp(&self, other: &BigInt) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `unscaled * 10^-scale`, Java's `BigDecimal` (scale kept, so 1.0 and 1.00 differ in
/// representation but compare equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigDecimal {
    pub unscaled: BigInt,
    pub scale: i32,
}

impl BigDecimal {
    pub fn from_bigint(value: BigInt) -> BigDecimal {
        BigDecimal {
            unscaled: value,
            scale: 0,
        }
    }

    /// Parses what `new BigDecimal(String)` accepts: sign, digits with an optional
    /// point, optional exponent.
    pub fn parse(text: &str) -> Option<BigDecimal> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => {
                let exponent = text.get(at + 1..)?;
                let exponent: i64 = exponent
                    .strip_prefix('+')
                    .unwrap_or(exponent)
                    .parse()
                    .ok()?;
                (text.get(..at)?, exponent)
            }
            None => (text, 0),
        };
        let (sign, body) = match mantissa.as_bytes().first()? {
            b'-' | b'+' => (mantissa.get(..1)?, mantissa.get(1..)?),
            _ => ("", mantissa),
        };
        let (integer, fraction) = match body.find('.') {
            Some(at) => (body.get(..at)?, body.get(at + 1..)?),
            None => (body, ""),
        };
        if integer.is_empty() && fraction.is_empty() {
            return None;
        }
        if !integer
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let unscaled = BigInt::parse(&format!("{sign}{integer}{fraction}"))?;
        let scale = i64::try_from(fraction.len()).ok()? - exponent;
        Some(BigDecimal {
            unscaled,
            scale: i32::try_from(scale).ok()?,
        })
    }

    /// Java's `BigDecimal.toString()`: plain unless the scale is negative or the
    /// adjusted exponent is below -6, then scientific with `E`.
    pub fn to_java_string(&self) -> String {
        let digits = self.unscaled.to_decimal_string();
        let (sign, digits) = match digits.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", digits.as_str()),
        };
        let scale = i64::from(self.scale);
        let adjusted = digits.len() as i64 - 1 - scale;
        if scale >= 0 && adjusted >= -6 {
            if scale == 0 {
                return format!("{sign}{digits}");
            }
            let scale = scale as usize;
            if digits.len() > scale {
                let (integer, fraction) = digits.split_at(digits.len() - scale);
                format!("{sign}{integer}.{fraction}")
            } else {
                format!("{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
            }
        } else {
            let (first, rest) = digits.split_at(1);
            let point = if rest.is_empty() { "" } else { "." };
            let exponent_sign = if adjusted >= 0 { "+" } else { "" };
            format!("{sign}{first}{point}{rest}E{exponent_sign}{adjusted}")
        }
    }

    pub fn from_bytes(scale: i32, unscaled: &[u8]) -> BigDecimal {
        BigDecimal {
            unscaled: BigInt::from_twos_complement(unscaled),
            scale,
        }
    }

    /// The `decimal` encoding: `[int]` scale then the unscaled varint.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.scale.to_be_bytes().to_vec();
        out.extend(self.unscaled.to_twos_complement());
        out
    }

    /// Both values with the larger scale (exact: the other is multiplied by 10^k).
    fn aligned(&self, other: &BigDecimal) -> (BigInt, BigInt, i32) {
        let scale = self.scale.max(other.scale);
        let widen = |value: &BigDecimal| {
            let difference = (i64::from(scale) - i64::from(value.scale)) as u32;
            value.unscaled.mul_pow10(difference)
        };
        (widen(self), widen(other), scale)
    }

    pub fn add(&self, other: &BigDecimal) -> BigDecimal {
        let (a, b, scale) = self.aligned(other);
        BigDecimal {
            unscaled: a.add(&b),
            scale,
        }
    }

    pub fn sub(&self, other: &BigDecimal) -> BigDecimal {
        self.add(&other.negate())
    }

    pub fn negate(&self) -> BigDecimal {
        BigDecimal {
            unscaled: self.unscaled.negate(),
            scale: self.scale,
        }
    }

    pub fn mul(&self, other: &BigDecimal) -> BigDecimal {
        BigDecimal {
            unscaled: self.unscaled.mul(&other.unscaled),
            scale: self.scale.saturating_add(other.scale),
        }
    }

    /// `this.divide(BigDecimal.valueOf(count), RoundingMode.HALF_EVEN)`: the scale of
    /// `self` is kept.
    pub fn div_count_half_even(&self, count: u64) -> BigDecimal {
        let (quotient, remainder) = self.unscaled.div_rem_u64(count);
        let twice = u128::from(remainder) * 2;
        let round_up = match twice.cmp(&u128::from(count)) {
            Ordering::Greater => true,
            Ordering::Equal => quotient.limbs.first().is_some_and(|limb| limb % 2 == 1),
            Ordering::Less => false,
        };
        let unscaled = if round_up && remainder != 0 {
            let step = BigInt::from_i128(if self.unscaled.negative { -1 } else { 1 });
            quotient.add(&step)
        } else {
            quotient
        };
        BigDecimal {
            unscaled,
            scale: self.scale,
        }
    }

    /// Numeric comparison (`compareTo`), ignoring representation.
    pub fn compare(&self, other: &BigDecimal) -> Ordering {
        let sign = |value: &BigInt| {
            if value.is_zero() {
                0
            } else if value.negative {
                -1
            } else {
                1
            }
        };
        let (sign_a, sign_b) = (sign(&self.unscaled), sign(&other.unscaled));
        if sign_a != sign_b || sign_a == 0 {
            return sign_a.cmp(&sign_b);
        }
        // Same sign: compare adjusted exponents first so huge scale gaps never
        // materialize 10^gap.
        let exponent =
            |value: &BigDecimal| value.unscaled.digit_count() as i64 - 1 - i64::from(value.scale);
        let magnitude = match exponent(self).cmp(&exponent(other)) {
            Ordering::Equal => {
                let (a, b, _) = self.aligned(other);
                BigInt::cmp_magnitude(&a.limbs, &b.limbs)
            }
            unequal => unequal,
        };
        if sign_a < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }

    pub fn to_f64(&self) -> f64 {
        self.to_java_string().parse().unwrap_or(f64::NAN)
    }

    /// `BigDecimal.valueOf(double)`: the shortest decimal that reads back as `value`.
    pub fn from_f64(value: f64) -> Option<BigDecimal> {
        if !value.is_finite() {
            return None;
        }
        let text = format!("{value:e}");
        BigDecimal::parse(&text).map(|decimal| {
            // Java's Double.toString always has a fraction digit: 1.0 has scale 1.
            if decimal.scale < 1 && value.abs() < 1e7 {
                let widen = (1 - decimal.scale) as u32;
                BigDecimal {
                    unscaled: decimal.unscaled.mul_pow10(widen),
                    scale: 1,
                }
            } else {
                decimal
            }
        })
    }

    /// Truncates toward zero (`toBigInteger`).
    pub fn to_bigint(&self) -> BigInt {
        if self.scale <= 0 {
            return self.unscaled.mul_pow10(self.scale.unsigned_abs());
        }
        let mut value = self.unscaled.clone();
        for _ in 0..self.scale.min(4000) {
            value = value.div_rem_u64(10).0;
            if value.is_zero() {
                break;
            }
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigint_round_trips_through_text_and_bytes() {
        for text in [
            "0",
            "1",
            "-1",
            "127",
            "128",
            "-128",
            "-129",
            "255",
            "256",
            "-32768",
            "123456789012345678901234567890",
            "-98765432109876543210987654321",
        ] {
            let value = BigInt::parse(text).unwrap();
            assert_eq!(value.to_decimal_string(), text);
            let bytes = value.to_twos_complement();
            assert_eq!(BigInt::from_twos_complement(&bytes), value, "{text}");
        }
        assert_eq!(
            BigInt::parse("128").unwrap().to_twos_complement(),
            vec![0, 128]
        );
        assert_eq!(
            BigInt::parse("-128").unwrap().to_twos_complement(),
            vec![0x80]
        );
        assert_eq!(BigInt::parse("-0").unwrap(), BigInt::zero());
    }

    #[test]
    fn bigint_arithmetic() {
        let a = BigInt::parse("999999999999999999").unwrap();
        let b = BigInt::parse("-1000000000000000000").unwrap();
        assert_eq!(a.add(&b).to_decimal_string(), "-1");
        assert_eq!(
            a.mul(&b).to_decimal_string(),
            "-999999999999999999000000000000000000"
        );
        assert_eq!(
            BigInt::from_i128(-7).div_rem_u64(2).0.to_decimal_string(),
            "-3"
        );
        assert_eq!(BigInt::parse("-1").unwrap().low_i64(), -1);
    }

    #[test]
    fn decimal_text_follows_java() {
        for (input, expected) in [
            ("1.50", "1.50"),
            ("1E+3", "1E+3"),
            ("0.0000001", "1E-7"),
            ("0.000001", "0.000001"),
            ("-12.5e2", "-1.25E+3"),
            ("1e2", "1E+2"),
            (".5", "0.5"),
        ] {
            assert_eq!(
                BigDecimal::parse(input).unwrap().to_java_string(),
                expected,
                "{input}"
            );
        }
        assert!(BigDecimal::parse("1.2.3").is_none());
        assert!(BigDecimal::parse("NaN").is_none());
    }

    #[test]
    fn decimal_compares_numerically() {
        let d = |t: &str| BigDecimal::parse(t).unwrap();
        assert_eq!(d("1.0").compare(&d("1.00")), Ordering::Equal);
        assert_eq!(d("-2").compare(&d("-1.5")), Ordering::Less);
        assert_eq!(d("1e100").compare(&d("9e99")), Ordering::Greater);
        assert_eq!(d("0").compare(&d("-0.0")), Ordering::Equal);
        assert_eq!(d("7").div_count_half_even(2).to_java_string(), "4");
        assert_eq!(d("5").div_count_half_even(2).to_java_string(), "2");
        assert_eq!(d("1.5").to_bigint().to_decimal_string(), "1");
    }
}
