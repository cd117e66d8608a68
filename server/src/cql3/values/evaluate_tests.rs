use sibyl_protocol::types::CqlValue;

use super::*;
use crate::cql3::ast::{ArithmeticOperator, BindMarker, Literal, QualifiedName};
use crate::cql3::functions::TimeuuidGenerator;
use crate::cql3::values::NoBoundValues;

fn int(v: &str) -> Term {
    Term::Literal(Literal::Integer(v.into()))
}

fn text(v: &str) -> Term {
    Term::Literal(Literal::String(v.into()))
}

fn eval_with(term: &Term, ty: &ColumnType, bound: &dyn BoundValueSource) -> CqlResult<TermValue> {
    let generator = TimeuuidGenerator::new();
    let ctx = EvalContext {
        now_ms: 1_700_000_000_000,
        timeuuids: &generator,
    };
    evaluate(term, ty, "c", bound, &ctx)
}

fn eval(term: &Term, ty: &ColumnType) -> CqlResult<CqlValue> {
    match eval_with(term, ty, &NoBoundValues)? {
        TermValue::Value(bytes) => Ok(CqlValue::decode(ty, &bytes).unwrap()),
        other => panic!("expected a value, got {other:?}"),
    }
}

fn invalid(term: &Term, ty: &ColumnType) -> String {
    match eval_with(term, ty, &NoBoundValues).unwrap_err() {
        CqlError::Invalid(message) => message,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn list(e: ColumnType) -> ColumnType {
    ColumnType::List(Box::new(e))
}

fn set(e: ColumnType) -> ColumnType {
    ColumnType::Set(Box::new(e))
}

fn call(name: &str, arguments: Vec<Term>) -> Term {
    Term::FunctionCall {
        name: QualifiedName::new(None, name),
        arguments,
    }
}

#[test]
fn sets_are_sorted_and_deduplicated() {
    let term = Term::Set(vec![int("3"), int("-1"), int("3"), int("2")]);
    assert_eq!(
        eval(&term, &set(ColumnType::Int)).unwrap(),
        CqlValue::Set(vec![CqlValue::Int(-1), CqlValue::Int(2), CqlValue::Int(3)])
    );
    let empty_map = ColumnType::Map(Box::new(ColumnType::Int), Box::new(ColumnType::Int));
    assert_eq!(
        eval(&Term::Set(vec![]), &empty_map).unwrap(),
        CqlValue::Map(vec![])
    );
}

#[test]
fn maps_sort_keys_and_keep_the_last_value() {
    let ty = ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int));
    let term = Term::Map(vec![
        (text("b"), int("1")),
        (text("a"), int("2")),
        (text("b"), int("3")),
    ]);
    assert_eq!(
        eval(&term, &ty).unwrap(),
        CqlValue::Map(vec![
            (CqlValue::Text("a".into()), CqlValue::Int(2)),
            (CqlValue::Text("b".into()), CqlValue::Int(3)),
        ])
    );
    let bad = Term::Map(vec![(int("1"), int("2"))]);
    assert_eq!(
        invalid(&bad, &ty),
        "Invalid map literal for c: key 1 is not of type text"
    );
}

#[test]
fn collection_literal_rejections() {
    assert_eq!(
        invalid(&Term::List(vec![int("1")]), &ColumnType::Int),
        "Invalid list literal for c of type int"
    );
    assert_eq!(
        invalid(&Term::List(vec![text("a")]), &list(ColumnType::Int)),
        "Invalid list literal for c: value 'a' is not of type int"
    );
    assert_eq!(
        invalid(&Term::List(vec![Term::Null]), &list(ColumnType::Int)),
        "null is not supported inside collections"
    );
    assert_eq!(
        invalid(&Term::Set(vec![int("1")]), &list(ColumnType::Int)),
        "Invalid set literal for c of type list<int>"
    );
    assert_eq!(
        invalid(
            &Term::List(vec![int("99999999999")]),
            &list(ColumnType::Int)
        ),
        "Unable to make int from '99999999999'"
    );
}

#[test]
fn tuples_udts_and_vectors() {
    let tuple = ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Text]);
    assert_eq!(
        eval(&Term::Tuple(vec![int("1"), Term::Null]), &tuple).unwrap(),
        CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None])
    );
    assert_eq!(
        invalid(&Term::Tuple(vec![int("1"), text("a"), int("2")]), &tuple),
        "Invalid tuple literal for c: too many elements. Type frozen<tuple<int, text>> expects 2 but got 3"
    );
    assert_eq!(
        invalid(&Term::Tuple(vec![text("x")]), &tuple),
        "Invalid tuple literal for c: component 0 is not of type int"
    );
    let udt = ColumnType::Udt {
        keyspace: "ks".into(),
        name: "address".into(),
        fields: vec![
            ("street".into(), ColumnType::Text),
            ("zip".into(), ColumnType::Int),
        ],
    };
    assert_eq!(
        eval(&Term::UserType(vec![("zip".into(), int("75001"))]), &udt).unwrap(),
        CqlValue::Udt(vec![
            ("street".into(), None),
            ("zip".into(), Some(CqlValue::Int(75001)))
        ])
    );
    assert_eq!(
        invalid(&Term::UserType(vec![("city".into(), text("Paris"))]), &udt),
        "Unknown field 'city' in value of user defined type address"
    );
    let vector = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimension: 2,
    };
    let floats = |values: &[&str]| {
        Term::List(
            values
                .iter()
                .map(|v| Term::Literal(Literal::Float((*v).into())))
                .collect(),
        )
    };
    assert_eq!(
        eval(&floats(&["1.0", "2.5"]), &vector).unwrap(),
        CqlValue::Vector(vec![CqlValue::Float(1.0), CqlValue::Float(2.5)])
    );
    assert_eq!(
        invalid(&floats(&["1.0"]), &vector),
        "Invalid vector literal for c of type vector<float, 2>; expected 2 elements, but given 1"
    );
}

#[test]
fn bind_markers_are_validated_and_normalized() {
    let marker = Term::BindMarker(BindMarker {
        index: 0,
        name: None,
    });
    let values = vec![RawValue::Value(&[0, 0, 0, 7])];
    assert_eq!(
        eval_with(&marker, &ColumnType::Int, &values).unwrap(),
        TermValue::Value(vec![0, 0, 0, 7])
    );
    let short = vec![RawValue::Value(&[0, 7])];
    assert_eq!(
        eval_with(&marker, &ColumnType::Int, &short).unwrap_err(),
        CqlError::invalid("Expected 4 or 0 byte int (2)")
    );
    let unset = vec![RawValue::Unset];
    assert_eq!(
        eval_with(&marker, &ColumnType::Int, &unset).unwrap(),
        TermValue::Unset
    );
    assert!(eval_with(&marker, &ColumnType::Int, &NoBoundValues).is_err());
    // An unset element makes the whole list unset, as in Cassandra.
    let in_list = Term::List(vec![int("1"), marker.clone()]);
    assert_eq!(
        eval_with(&in_list, &list(ColumnType::Int), &unset).unwrap(),
        TermValue::Unset
    );
    assert_eq!(
        eval_with(&Term::Null, &ColumnType::Counter, &NoBoundValues).unwrap_err(),
        CqlError::invalid("Invalid null value for counter increment/decrement")
    );
}

#[test]
fn type_hints_arithmetic_and_negation() {
    let hinted = Term::TypeHint {
        target: CqlType::Native(ColumnType::Int),
        term: Box::new(int("5")),
    };
    assert_eq!(eval(&hinted, &ColumnType::Int).unwrap(), CqlValue::Int(5));
    assert_eq!(
        eval(&hinted, &ColumnType::Blob).unwrap(),
        CqlValue::Blob(vec![0, 0, 0, 5])
    );
    assert!(
        invalid(&hinted, &ColumnType::Text)
            .starts_with("Cannot assign value (int) 5 to c of type text")
    );
    let sum = Term::Arithmetic {
        operator: ArithmeticOperator::Add,
        left: Box::new(int("2")),
        right: Box::new(int("3")),
    };
    assert_eq!(
        eval(&sum, &ColumnType::Bigint).unwrap(),
        CqlValue::Bigint(5)
    );
    let later = Term::Arithmetic {
        operator: ArithmeticOperator::Add,
        left: Box::new(text("2024-01-31")),
        right: Box::new(Term::Literal(Literal::Duration("1mo".into()))),
    };
    assert_eq!(
        eval(&later, &ColumnType::Date).unwrap(),
        eval(&text("2024-02-29"), &ColumnType::Date).unwrap()
    );
    let negated = Term::Negate(Box::new(int("5")));
    assert_eq!(
        eval(&negated, &ColumnType::Smallint).unwrap(),
        CqlValue::Smallint(-5)
    );
}

#[test]
fn function_calls_in_terms() {
    let ts = eval(
        &call("totimestamp", vec![call("now", vec![])]),
        &ColumnType::Timestamp,
    )
    .unwrap();
    assert_eq!(ts, CqlValue::Timestamp(1_700_000_000_000));
    let blob = call("intasblob", vec![int("1")]);
    assert_eq!(
        eval(&blob, &ColumnType::Blob).unwrap(),
        CqlValue::Blob(vec![0, 0, 0, 1])
    );
    assert_eq!(
        invalid(&call("now", vec![]), &ColumnType::Int),
        "Type error: cannot assign result of function system.now (type timeuuid) to c (type int)"
    );
    assert_eq!(
        invalid(&call("foo", vec![]), &ColumnType::Int),
        "Unknown function foo called"
    );
    assert_eq!(
        invalid(
            &call(
                "blobasint",
                vec![Term::Literal(Literal::Hex("0x0001".into()))]
            ),
            &ColumnType::Int
        ),
        "In call to function system.blobasint, value 0x0001 is not a valid binary representation for type int"
    );
    let from_json = call("fromjson", vec![text("[1, 2]")]);
    assert_eq!(
        eval(&from_json, &list(ColumnType::Int)).unwrap(),
        CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)])
    );
}
