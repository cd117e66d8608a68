//! Merging partition updates in any grouping and order, then filtering, must
//! give exactly what the reference model computes.

use std::rc::Rc;

use proptest::prelude::*;
use sibyl_storage::mutation::{Partition, codec};
use sibyl_storage::query::ReadCommand;
use sibyl_storage::query::filter::{Limits, filter_partition};
use sibyl_storage::schema::ClusteringOrder;

use crate::model::{self, Op};

fn check(ops: Vec<Op>, split: usize, desc: bool, now_s: i64) -> Result<(), TestCaseError> {
    let order = if desc {
        ClusteringOrder::Desc
    } else {
        ClusteringOrder::Asc
    };
    let schema = model::schema(order);
    let cmp = Rc::new(schema.comparator());
    let key = 0u8;
    let mine: Vec<&Op> = ops.iter().filter(|o| o.key() == key).collect();
    let mut left = Partition::empty(vec![key], model::token_of(key), Rc::clone(&cmp));
    let mut right = Partition::empty(vec![key], model::token_of(key), Rc::clone(&cmp));
    let mut accounted = [left.size_bytes() as isize, right.size_bytes() as isize];
    for (i, op) in mine.iter().enumerate() {
        let m = op.to_mutation(desc);
        let mut bytes = Vec::new();
        codec::encode_mutation(&m, &mut bytes);
        let decoded = codec::decode_mutation(&mut bytes.as_slice()).expect("decode");
        prop_assert_eq!(&decoded, &m);
        // Two partitions built independently then merged exercise associativity.
        if i < split {
            accounted[0] += left.apply(&decoded.update);
        } else {
            accounted[1] += right.apply(&decoded.update);
        }
    }
    prop_assert_eq!(accounted[0], left.size_bytes() as isize);
    prop_assert_eq!(accounted[1], right.size_bytes() as isize);
    right.merge_from(&left);
    let cmd = ReadCommand::single_partition(model::TABLE, vec![key], model::token_of(key), now_s);
    let mut limits = Limits {
        rows_left: u32::MAX,
    };
    let (result, _) = filter_partition(&right, &cmd, &mut limits, None);
    let got = result.as_ref().map(model::from_result).unwrap_or_default();
    let expected = model::model_read(&ops, key, now_s);
    prop_assert_eq!(got, expected);
    if let Some(r) = result {
        // Rows come back in the table's clustering order.
        let ints: Vec<i32> = r
            .rows
            .iter()
            .map(|r| i32::from_be_bytes(r.clustering[0].as_slice().try_into().expect("int")))
            .collect();
        let mut sorted = ints.clone();
        sorted.sort();
        if desc {
            sorted.reverse();
        }
        prop_assert_eq!(ints, sorted);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn merge_in_any_order_matches_model(
        ops in proptest::collection::vec(model::op_strategy(1), 0..40),
        split in 0usize..40,
        desc: bool,
        now_s in 100i64..140,
    ) {
        check(ops, split, desc, now_s)?;
    }
}
