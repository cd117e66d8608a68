//! Fuzz target: `sibyl_storage::testing::decoders::sstable_data_chunk` must never panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    sibyl_storage::testing::decoders::sstable_data_chunk(data);
});
