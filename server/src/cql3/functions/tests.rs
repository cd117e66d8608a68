use sibyl_protocol::types::CqlValue;

use super::*;
use crate::cql3::ast::{Literal, QualifiedName, Term};

fn name(text: &str) -> QualifiedName {
    QualifiedName::new(None, text)
}

fn call(
    function: &str,
    args: &[ArgSpec<'_>],
    values: &[Option<Vec<u8>>],
) -> CqlResult<Option<Vec<u8>>> {
    let generator = TimeuuidGenerator::new();
    let ctx = EvalContext {
        now_ms: 1_700_000_000_000,
        timeuuids: &generator,
    };
    let resolved = resolve_selector_function(&name(function), args)?;
    let values: Vec<Option<&[u8]>> = values.iter().map(Option::as_deref).collect();
    resolved.execute(&values, &ctx)
}

fn typed(ty: ColumnType) -> ArgSpec<'static> {
    ArgSpec::Typed(ty)
}

#[test]
fn overloads_resolve_by_argument_type() {
    let timeuuid =
        resolve_selector_function(&name("totimestamp"), &[typed(ColumnType::Timeuuid)]).unwrap();
    assert_eq!(timeuuid.arg_types(), &[ColumnType::Timeuuid]);
    let date =
        resolve_selector_function(&name("to_timestamp"), &[typed(ColumnType::Date)]).unwrap();
    assert_eq!(date.arg_types(), &[ColumnType::Date]);
    let error =
        resolve_selector_function(&name("totimestamp"), &[typed(ColumnType::Int)]).unwrap_err();
    assert!(error.to_string().starts_with(
        "Invalid call to function system.totimestamp, none of its type signatures match"
    ));
    let literal = Term::BindMarker(crate::cql3::ast::BindMarker {
        index: 0,
        name: None,
    });
    let error =
        resolve_selector_function(&name("totimestamp"), &[ArgSpec::Term(&literal)]).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("Ambiguous call to function system.totimestamp"),
        "{error}"
    );
    assert_eq!(
        resolve_selector_function(&name("foo"), &[]).unwrap_err(),
        CqlError::invalid("Unknown function 'foo'")
    );
    assert_eq!(
        resolve_selector_function(&name("now"), &[typed(ColumnType::Int)]).unwrap_err(),
        CqlError::invalid(
            "Invalid number of arguments in call to function system.now: 0 required but 1 provided"
        )
    );
    assert_eq!(
        resolve_selector_function(&name("mintimeuuid"), &[typed(ColumnType::Int)]).unwrap_err(),
        CqlError::invalid(
            "Type error: int cannot be passed as argument 0 of function system.mintimeuuid of type timestamp"
        )
    );
}

#[test]
fn time_functions() {
    let day_ms = 86_400_000i64;
    let before_epoch = call(
        "todate",
        &[typed(ColumnType::Timestamp)],
        &[Some((-1i64).to_be_bytes().to_vec())],
    );
    assert_eq!(
        before_epoch.unwrap(),
        Some(((1u32 << 31) - 1).to_be_bytes().to_vec())
    );
    let date = call(
        "totimestamp",
        &[typed(ColumnType::Date)],
        &[Some(((1u32 << 31) + 2).to_be_bytes().to_vec())],
    );
    assert_eq!(date.unwrap(), Some((2 * day_ms).to_be_bytes().to_vec()));
    let min = call(
        "mintimeuuid",
        &[typed(ColumnType::Timestamp)],
        &[Some(5i64.to_be_bytes().to_vec())],
    )
    .unwrap()
    .unwrap();
    let unix = call(
        "tounixtimestamp",
        &[typed(ColumnType::Timeuuid)],
        &[Some(min)],
    )
    .unwrap();
    assert_eq!(unix, Some(5i64.to_be_bytes().to_vec()));
    let now = call("currenttimestamp", &[], &[]).unwrap();
    assert_eq!(now, Some(1_700_000_000_000i64.to_be_bytes().to_vec()));
    let uuid = call("uuid", &[], &[]).unwrap().unwrap();
    assert_eq!(uuid[6] >> 4, 4);
    assert_eq!(
        call("todate", &[typed(ColumnType::Timestamp)], &[None]).unwrap(),
        None
    );
}

#[test]
fn blob_conversions() {
    let blob = call(
        "bigintasblob",
        &[typed(ColumnType::Bigint)],
        &[Some(7i64.to_be_bytes().to_vec())],
    )
    .unwrap();
    assert_eq!(blob, Some(7i64.to_be_bytes().to_vec()));
    let wrong = call(
        "blobasbigint",
        &[typed(ColumnType::Blob)],
        &[Some(vec![0, 0, 0, 1])],
    )
    .unwrap_err();
    assert_eq!(
        wrong,
        CqlError::invalid(
            "In call to function system.blobasbigint, value 0x00000001 is not a valid binary representation for type bigint"
        )
    );
    let empty = call("blobasint", &[typed(ColumnType::Blob)], &[Some(vec![])]).unwrap();
    assert_eq!(empty, Some(vec![]));
    assert!(
        call(
            "blob_as_text",
            &[typed(ColumnType::Blob)],
            &[Some(b"hi".to_vec())]
        )
        .is_ok()
    );
}

#[test]
fn math_and_json_functions() {
    let abs = call(
        "abs",
        &[typed(ColumnType::Int)],
        &[Some((-4i32).to_be_bytes().to_vec())],
    )
    .unwrap();
    assert_eq!(abs, Some(4i32.to_be_bytes().to_vec()));
    let round = call(
        "round",
        &[typed(ColumnType::Double)],
        &[Some(2.5f64.to_be_bytes().to_vec())],
    )
    .unwrap();
    assert_eq!(round, Some(3.0f64.to_be_bytes().to_vec()));
    let list = ColumnType::List(Box::new(ColumnType::Int));
    let value = CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]).to_bytes();
    let json = call("tojson", &[typed(list)], &[Some(value)]).unwrap();
    assert_eq!(json, Some(b"[1, 2]".to_vec()));
    let null = call("tojson", &[typed(ColumnType::Int)], &[None]).unwrap();
    assert_eq!(null, Some(b"null".to_vec()));
    assert!(resolve_selector_function(&name("fromjson"), &[typed(ColumnType::Text)]).is_err());
}

#[test]
fn similarity_functions() {
    let vector = ColumnType::Vector {
        element: Box::new(ColumnType::Float),
        dimension: 2,
    };
    let encode = |a: f32, b: f32| {
        Some(CqlValue::Vector(vec![CqlValue::Float(a), CqlValue::Float(b)]).to_bytes())
    };
    let run = |function: &str, x, y| {
        let bytes = call(
            function,
            &[typed(vector.clone()), typed(vector.clone())],
            &[x, y],
        )
        .unwrap()
        .unwrap();
        f32::from_be_bytes(bytes.try_into().unwrap())
    };
    assert_eq!(
        run("similarity_cosine", encode(1.0, 0.0), encode(1.0, 0.0)),
        1.0
    );
    assert_eq!(
        run("similarity_cosine", encode(1.0, 0.0), encode(-1.0, 0.0)),
        0.0
    );
    assert_eq!(
        run("similarity_dot_product", encode(1.0, 2.0), encode(3.0, 4.0)),
        6.0
    );
    assert_eq!(
        run("similarity_euclidean", encode(0.0, 0.0), encode(3.0, 4.0)),
        1.0 / 26.0
    );
    let zero = call(
        "similarity_cosine",
        &[typed(vector.clone()), typed(vector.clone())],
        &[encode(0.0, 0.0), encode(1.0, 0.0)],
    );
    assert!(zero.unwrap_err().to_string().contains("all-zero vectors"));
    let literal = Term::List(vec![
        Term::Literal(Literal::Float("1.0".into())),
        Term::Literal(Literal::Float("2.0".into())),
    ]);
    let resolved = resolve_selector_function(
        &name("similarity_cosine"),
        &[typed(vector.clone()), ArgSpec::Term(&literal)],
    );
    assert_eq!(resolved.unwrap().arg_types()[1], vector);
}
