use std::cmp::Ordering::{Equal, Greater, Less};

use sibyl_protocol::types::CqlValue;

use super::*;

fn cmp(ty: &ColumnType, a: &CqlValue, b: &CqlValue) -> Ordering {
    compare_values(ty, &a.to_bytes(), &b.to_bytes())
}

fn uuid(text: &str) -> [u8; 16] {
    crate::cql3::values::literal::parse_uuid(text).unwrap()
}

#[test]
fn empty_values_sort_first() {
    assert_eq!(
        compare_values(&ColumnType::Int, &[], &(-5i32).to_be_bytes()),
        Less
    );
    assert_eq!(compare_values(&ColumnType::Text, &[], &[]), Equal);
}

#[test]
fn signed_integers_and_timestamps() {
    assert_eq!(
        cmp(&ColumnType::Int, &CqlValue::Int(-1), &CqlValue::Int(1)),
        Less
    );
    assert_eq!(
        cmp(
            &ColumnType::Bigint,
            &CqlValue::Bigint(i64::MIN),
            &CqlValue::Bigint(0)
        ),
        Less
    );
    assert_eq!(
        cmp(
            &ColumnType::Timestamp,
            &CqlValue::Timestamp(-5),
            &CqlValue::Timestamp(3)
        ),
        Less
    );
    assert_eq!(
        cmp(
            &ColumnType::Tinyint,
            &CqlValue::Tinyint(-128),
            &CqlValue::Tinyint(127)
        ),
        Less
    );
}

#[test]
fn floats_follow_java_compare() {
    let f = |v: f32| CqlValue::Float(v);
    assert_eq!(cmp(&ColumnType::Float, &f(-0.0), &f(0.0)), Less);
    assert_eq!(
        cmp(&ColumnType::Float, &f(f32::NAN), &f(f32::INFINITY)),
        Greater
    );
    assert_eq!(cmp(&ColumnType::Float, &f(f32::NAN), &f(-f32::NAN)), Equal);
    assert_eq!(
        cmp(&ColumnType::Float, &f(f32::NEG_INFINITY), &f(-1e30)),
        Less
    );
    let d = |v: f64| CqlValue::Double(v);
    assert_eq!(cmp(&ColumnType::Double, &d(-2.0), &d(1.0)), Less);
}

#[test]
fn varints_and_decimals_compare_numerically() {
    let v = |i: i128| CqlValue::varint_from_i128(i);
    assert_eq!(cmp(&ColumnType::Varint, &v(-1), &v(0)), Less);
    assert_eq!(cmp(&ColumnType::Varint, &v(-300), &v(-2)), Less);
    assert_eq!(cmp(&ColumnType::Varint, &v(255), &v(256)), Less);
    assert_eq!(
        compare_values(&ColumnType::Varint, &[0x00, 0x01], &[0x01]),
        Equal
    );
    let d = |unscaled: i128, scale| CqlValue::Decimal {
        unscaled: BigInt::from_i128(unscaled).to_twos_complement(),
        scale,
    };
    assert_eq!(cmp(&ColumnType::Decimal, &d(10, 1), &d(100, 2)), Equal);
    assert_eq!(cmp(&ColumnType::Decimal, &d(-15, 1), &d(-1, 0)), Less);
    assert_eq!(cmp(&ColumnType::Decimal, &d(1, -3), &d(999, 0)), Greater);
}

#[test]
fn uuids_order_by_version_then_time() {
    let v1_early = uuid("00000000-0000-1000-8000-000000000000");
    let v1_late_low_bits = uuid("ffffffff-0000-1000-8000-000000000000");
    let v1_later_mid = uuid("00000000-0001-1000-8000-000000000000");
    let v4 = uuid("00000000-0000-4000-8000-000000000000");
    let ty = ColumnType::Uuid;
    // time_mid outranks time_low once the timestamp is reordered.
    assert_eq!(compare_values(&ty, &v1_late_low_bits, &v1_later_mid), Less);
    assert_eq!(compare_values(&ty, &v1_early, &v1_late_low_bits), Less);
    // Version 1 sorts before version 4 whatever the bits.
    assert_eq!(compare_values(&ty, &v1_late_low_bits, &v4), Less);
}

#[test]
fn timeuuids_compare_low_bytes_signed() {
    let min = uuid("00000000-0000-1000-8080-808080808080");
    let max = uuid("00000000-0000-1000-7f7f-7f7f7f7f7f7f");
    let middle = uuid("00000000-0000-1000-0000-000000000000");
    let ty = ColumnType::Timeuuid;
    assert_eq!(compare_values(&ty, &min, &middle), Less);
    assert_eq!(compare_values(&ty, &middle, &max), Less);
    let later = uuid("00000001-0000-1000-8080-808080808080");
    assert_eq!(compare_values(&ty, &max, &later), Less);
    let later_hi = uuid("00000000-0000-1001-8080-808080808080");
    let later_mid = uuid("ffffffff-0001-1000-8080-808080808080");
    assert_eq!(compare_values(&ty, &later_mid, &later_hi), Less);
}

#[test]
fn inet_v4_before_v6_and_bytes() {
    let v4 = CqlValue::Inet("255.255.255.255".parse().unwrap());
    let v6 = CqlValue::Inet("::1".parse().unwrap());
    assert_eq!(
        cmp(&ColumnType::Inet, &v6, &v4),
        Less,
        "bytes 00.. sort before ff.."
    );
    let v6_high = CqlValue::Inet("ffff:ffff::1".parse().unwrap());
    assert_eq!(
        cmp(&ColumnType::Inet, &v4, &v6_high),
        Less,
        "a prefix sorts first"
    );
}

#[test]
fn text_blob_boolean_date() {
    let t = |s: &str| CqlValue::Text(s.into());
    assert_eq!(cmp(&ColumnType::Text, &t("a"), &t("ab")), Less);
    assert_eq!(cmp(&ColumnType::Text, &t("Z"), &t("a")), Less);
    assert_eq!(
        cmp(
            &ColumnType::Boolean,
            &CqlValue::Boolean(false),
            &CqlValue::Boolean(true)
        ),
        Less
    );
    assert_eq!(
        cmp(
            &ColumnType::Date,
            &CqlValue::Date(5),
            &CqlValue::Date(1 << 31)
        ),
        Less
    );
}

#[test]
fn collections_tuples_and_udts() {
    let list = ColumnType::List(Box::new(ColumnType::Int));
    let l = |v: &[i32]| CqlValue::List(v.iter().map(|i| CqlValue::Int(*i)).collect());
    assert_eq!(cmp(&list, &l(&[1, 2]), &l(&[1, 2, 0])), Less);
    assert_eq!(cmp(&list, &l(&[-1, 9]), &l(&[1])), Less);
    let map = ColumnType::Map(Box::new(ColumnType::Int), Box::new(ColumnType::Text));
    let m = |k: i32, v: &str| CqlValue::Map(vec![(CqlValue::Int(k), CqlValue::Text(v.into()))]);
    assert_eq!(cmp(&map, &m(1, "b"), &m(1, "a")), Greater);
    assert_eq!(cmp(&map, &m(-1, "z"), &m(1, "a")), Less);
    let tuple = ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text]);
    let tv = |a: Option<i32>, b: &str| {
        CqlValue::Tuple(vec![a.map(CqlValue::Int), Some(CqlValue::Text(b.into()))])
    };
    assert_eq!(cmp(&tuple, &tv(None, "z"), &tv(Some(-5), "a")), Less);
    assert_eq!(cmp(&tuple, &tv(Some(-5), "a"), &tv(Some(3), "a")), Less);
    let short = CqlValue::Tuple(vec![Some(CqlValue::Int(3))]);
    assert_eq!(cmp(&tuple, &short, &tv(Some(3), "")), Less);
    let vector = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimension: 2,
    };
    let vv = |a: f32, b: f32| CqlValue::Vector(vec![CqlValue::Float(a), CqlValue::Float(b)]);
    assert_eq!(cmp(&vector, &vv(1.0, -2.0), &vv(1.0, 2.0)), Less);
}
