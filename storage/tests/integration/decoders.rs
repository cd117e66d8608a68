//! Stable-toolchain stand-in for the cargo-fuzz targets in `storage/fuzz/`:
//! feeds every on-disk decoder (the same entry points the fuzz targets call,
//! `testing::decoders`) valid seeds, thousands of pseudo-random inputs and
//! mutations of the seeds. Passing means no panic and no hang.

use std::path::Path;

use sibyl_storage::commitlog::segment;
use sibyl_storage::io::Disk;
use sibyl_storage::io::sim::SimDisk;
use sibyl_storage::mutation::codec::encode_mutation;
use sibyl_storage::sstable::{Component, component_path};
use sibyl_storage::testing::{crash, decoders, run};

fn seeds() -> Vec<Vec<u8>> {
    run(|| async {
        let disk = SimDisk::new(3);
        let dir = Path::new("/d");
        disk.create_dir_all(dir).unwrap();
        let mut parts: Vec<_> = (0..40u64).map(|s| crash::mutation(s).update).collect();
        parts.sort_by(|a, b| (a.token, &a.key).cmp(&(b.token, &b.key)));
        let options = sibyl_storage::sstable::writer::WriteOptions {
            generation: 1,
            bloom_filter_fp_chance: 0.01,
            expected_partitions: parts.len(),
            commitlog_upper_bound: Default::default(),
            level: 0,
            header: sibyl_storage::sstable::SerializationHeader::from_schema(&crash::schema()),
            chunk_bytes: sibyl_storage::sstable::writer::CHUNK_BYTES,
        };
        sibyl_storage::sstable::write_sstable(&disk, dir, &options, parts)
            .await
            .unwrap();
        let mut out = Vec::new();
        for c in Component::ALL {
            let f = disk.open(&component_path(dir, 1, c), false).await.unwrap();
            out.push(sibyl_storage::io::read_all(f.as_ref()).await.unwrap());
        }
        let mut seg = segment::encode_header(0, 1);
        for s in 0..5 {
            let mut payload = Vec::new();
            encode_mutation(&crash::mutation(s), &mut payload);
            out.push(payload.clone());
            segment::encode_entry(1, &payload, &mut seg);
        }
        out.push(seg);
        out
    })
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(4) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(rng.below(v.len() + 1)),
            2 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = [0, 0xff, 0x7f, 0x80][rng.below(4)];
            }
            _ => {
                let i = rng.below(v.len() + 1);
                v.insert(i, rng.next() as u8);
            }
        }
    }
    v
}

#[test]
fn every_decoder_survives_random_and_mutated_inputs() {
    let seeds = seeds();
    let mut rng = Rng(0x00C0_FFEE);
    for (name, decode) in decoders::ALL {
        for seed in &seeds {
            decode(seed);
        }
        for _ in 0..1500 {
            let len = rng.below(600);
            let random: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            decode(&random);
            let seed = &seeds[rng.below(seeds.len())];
            decode(&mutate(&mut rng, seed));
        }
        eprintln!("{name}: ok");
    }
}
