//! Murmur3Partitioner tokens (DESIGN.md §3).

/// A token on the ring: a signed 64-bit integer. `i64::MIN` is the minimum
/// token and never the token of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub i64);

impl Token {
    pub const MIN: Token = Token(i64::MIN);
}

/// The token of a serialized partition key (for a composite key, the
/// composite encoding built by [`token_of_components`]).
pub fn token_of_key(key: &[u8]) -> Token {
    let (h1, _) = super::murmur3_x64_128(key, 0);
    let token = h1 as i64;
    // Cassandra keeps i64::MIN as the ring's minimum, never a key's token.
    Token(if token == i64::MIN { i64::MAX } else { token })
}

/// The token of a composite partition key: each component is serialized as
/// `len_u16_be ++ bytes ++ 0x00`. A single component hashes its raw bytes.
pub fn token_of_components(components: &[&[u8]]) -> Token {
    match components {
        [single] => token_of_key(single),
        _ => {
            let mut key = Vec::with_capacity(components.iter().map(|c| c.len() + 3).sum());
            for c in components {
                let len = u16::try_from(c.len()).unwrap_or(u16::MAX);
                key.extend_from_slice(&len.to_be_bytes());
                key.extend_from_slice(c);
                key.push(0);
            }
            token_of_key(&key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_vectors() {
        assert_eq!(token_of_key(b"test"), Token(-6_017_608_668_500_074_083));
        assert_eq!(
            token_of_key(&1i32.to_be_bytes()),
            Token(-4_069_959_284_402_364_209)
        );
        assert_eq!(
            token_of_key(&1i64.to_be_bytes()),
            Token(6_292_367_497_774_912_474)
        );
        assert_eq!(
            token_of_components(&[&1i32.to_be_bytes(), b"a"]),
            Token(6_516_349_416_904_725_244)
        );
        // High bytes in the tail exercise Java's sign extension.
        assert_eq!(
            token_of_key(&[0x80, 0x61, 0x62, 0x63]),
            Token(-6_235_373_423_867_717_473)
        );
    }

    #[test]
    fn empty_key_and_every_tail_length_are_stable() {
        assert_eq!(token_of_key(b""), Token(0));
        let data: Vec<u8> = (0u8..40)
            .map(|i| i.wrapping_mul(37).wrapping_add(0x90))
            .collect();
        let tokens: Vec<Token> = (0..=data.len()).map(|n| token_of_key(&data[..n])).collect();
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len(), "each prefix hashes differently");
    }
}

/// The partition key bytes storage keeps: the raw value for a single
/// component, else the composite encoding (`len_u16_be ++ bytes ++ 0x00` per
/// component), which is also what the token is computed over.
pub fn serialize_partition_key(components: &[&[u8]]) -> Vec<u8> {
    match components {
        [single] => single.to_vec(),
        _ => {
            let mut key = Vec::with_capacity(components.iter().map(|c| c.len() + 3).sum());
            for c in components {
                let len = u16::try_from(c.len()).unwrap_or(u16::MAX);
                key.extend_from_slice(&len.to_be_bytes());
                key.extend_from_slice(c);
                key.push(0);
            }
            key
        }
    }
}

/// Splits stored key bytes back into `n` components.
pub fn split_partition_key(key: &[u8], n: usize) -> Option<Vec<&[u8]>> {
    if n == 1 {
        return Some(vec![key]);
    }
    let mut rest = key;
    let mut parts = Vec::with_capacity(n);
    for _ in 0..n {
        let (len, tail) = rest.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (part, tail) = tail.split_at_checked(len)?;
        let (_, tail) = tail.split_first()?;
        parts.push(part);
        rest = tail;
    }
    rest.is_empty().then_some(parts)
}
