//! SUPPORTED (spec §4.2.4): a `[string multimap]` of options.

use crate::error::DecodeError;
use crate::wire;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Supported {
    pub options: Vec<(String, Vec<String>)>,
}

impl Supported {
    pub fn decode(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let options = wire::read_string_multimap(buf)?
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
        Ok(Self { options })
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        wire::write_string_multimap(out, &self.options);
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}
