//! The reader and writer against serde_json as the oracle.

use super::*;
use serde_json::Value;

/// Reads any value with the pull reader, as a serde_json `Value`.
fn value(r: &mut Reader<'_>) -> Result<Value, Error> {
    Ok(match r.peek()? {
        Kind::Null => {
            r.null()?;
            Value::Null
        }
        Kind::Bool => Value::Bool(r.bool()?),
        Kind::Number => match r.number()? {
            Number::Int(n) => Value::from(n),
            Number::Float(v) => Value::from(v),
        },
        Kind::String => Value::String(r.string()?),
        Kind::Array => {
            r.begin_array()?;
            let mut items = Vec::new();
            while r.next_item()? {
                items.push(value(r)?);
            }
            Value::Array(items)
        }
        Kind::Object => {
            r.begin_object()?;
            let mut map = serde_json::Map::new();
            while let Some(k) = r.next_key()? {
                let v = value(r)?;
                map.insert(k.into_owned(), v);
            }
            Value::Object(map)
        }
    })
}

fn read_value(bytes: &[u8]) -> Result<Value, Error> {
    let mut r = Reader::new(bytes);
    let v = value(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// Numbers compared as f64 (serde keeps u64 above i64::MAX as an integer).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Both accept with the same value, or both refuse.
fn check(bytes: &[u8]) {
    let ours = read_value(bytes);
    let theirs = serde_json::from_slice::<Value>(bytes);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(
            same(a, b),
            "{:?}: {a:?} vs {b:?}",
            String::from_utf8_lossy(bytes)
        ),
        (Err(_), Err(_)) => {}
        _ => panic!(
            "{:?}: ours {ours:?}, serde {theirs:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
}

const VALID: &[&str] = &[
    "null",
    "true",
    " false ",
    "0",
    "-0",
    "1",
    "-1",
    "12345678901234",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "123456789012345678901234567890",
    "1.5",
    "-0.000001",
    "1e10",
    "1E+2",
    "1e-2",
    "2.5e-300",
    "52.520008",
    "0.1",
    "1.7976931348623157e308",
    "5e-324",
    r#""""#,
    r#""abc""#,
    r#""a\"b\\c\/d\b\f\n\r\t""#,
    r#""\u0041\u00e9\u4e2d\uD83D\uDE00""#,
    r#""é中😀""#,
    "[]",
    "[ ]",
    "[1,2,3]",
    "[[],[[]],{}]",
    "{}",
    r#"{"a":1,"b":[true,null],"c":{"d":"e"}}"#,
    " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
    r#"{"a":1,"a":2}"#,
];

const INVALID: &[&str] = &[
    "",
    " ",
    "nul",
    "nulll",
    "True",
    "01",
    "-",
    "+1",
    "1.",
    ".5",
    "1e",
    "1e+",
    "--1",
    "0x10",
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    r#""abc"#,
    r#""a\x""#,
    r#""\u12""#,
    r#""\u12G4""#,
    "\"a\u{1}b\"",
    "\"tab\there\"",
    "[",
    "[1",
    "[1,",
    "[1,]",
    "[,1]",
    "[1 2]",
    "{",
    r#"{"a""#,
    r#"{"a":"#,
    r#"{"a":1"#,
    r#"{"a":1,}"#,
    r#"{,"a":1}"#,
    r#"{"a" 1}"#,
    r#"{a:1}"#,
    r#"{1:1}"#,
    r#"{"a":1 "b":2}"#,
    "1 2",
    "[] []",
    "{}x",
    "null,",
    "'a'",
];

#[test]
fn valid_inputs_match_serde() {
    for text in VALID {
        check(text.as_bytes());
        assert!(read_value(text.as_bytes()).is_ok(), "{text}");
    }
}

#[test]
fn invalid_inputs_are_refused_like_serde() {
    for text in INVALID {
        check(text.as_bytes());
        let e = read_value(text.as_bytes()).unwrap_err();
        assert!(e.offset <= text.len(), "{text}: {e}");
        assert!(!e.message.is_empty());
    }
}

#[test]
fn every_truncation_is_refused_or_agrees() {
    let doc =
        r#" {"id":"a\u00e9\"x","n":[1,-2.5e3,0,true,false,null],"o":{"p":{"q":[]}},"s":"😀é"} "#;
    let bytes = doc.as_bytes();
    for end in 0..=bytes.len() {
        check(&bytes[..end]);
    }
    for start in 0..bytes.len() {
        check(&bytes[start..]);
    }
}

#[test]
fn invalid_utf8_is_refused() {
    for bytes in [
        &b"\"\xff\""[..],
        b"\"a\xc3\"",
        b"\"\xe4\xb8\"",
        b"\"\xed\xa0\x80\"",
        b"\"\xc0\xaf\"",
        b"[\"ok\", \"\x80\"]",
        b"{\"\xfe\":1}",
        b"\"a\\n\xff\"",
    ] {
        check(bytes);
        let e = read_value(bytes).unwrap_err();
        assert!(e.message.contains("UTF-8"), "{e}");
    }
    // Outside strings too.
    check(b"\xff");
    check(b"[1]\xff");
}

#[test]
fn deep_nesting_is_bounded() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(read_value(ok.as_bytes()).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let e = read_value(deep.as_bytes()).unwrap_err();
    assert!(e.message.contains("nesting"), "{e}");
    let mut r = Reader::new(deep.as_bytes());
    assert!(r.skip().is_err());
    // Far deeper input: an error, not a stack overflow.
    let hostile = "{\"a\":".repeat(100_000);
    assert!(read_value(hostile.as_bytes()).is_err());
    assert!(Reader::new(hostile.as_bytes()).skip().is_err());
}

#[test]
fn lone_surrogates_read_as_replacement() {
    let read = |s: &str| from_slice::<String>(s.as_bytes()).unwrap();
    assert_eq!(read(r#""\uD800""#), "\u{FFFD}");
    assert_eq!(read(r#""\uDC00x""#), "\u{FFFD}x");
    assert_eq!(read(r#""\uD800\u0041""#), "\u{FFFD}A");
    assert_eq!(read(r#""\uD800\uD83D\uDE00""#), "\u{FFFD}😀");
    assert_eq!(read(r#""\uD83D\uDE00""#), "😀");
    assert!(from_slice::<String>(br#""\uD800\u00""#).is_err());
}

#[test]
fn numbers_by_kind() {
    let int = |s: &str| from_slice::<i64>(s.as_bytes());
    assert_eq!(int("42").unwrap(), 42);
    assert_eq!(int("-0").unwrap(), 0);
    assert_eq!(int("-9223372036854775808").unwrap(), i64::MIN);
    assert!(int("9223372036854775808")
        .unwrap_err()
        .message
        .contains("out of range"));
    assert!(int("1.0")
        .unwrap_err()
        .message
        .contains("expected an integer"));
    assert!(int("1e2").is_err());
    assert!(int("\"1\"")
        .unwrap_err()
        .message
        .contains("invalid type: a string"));
    assert!(int("null").is_err());
    assert_eq!(
        from_slice::<u64>(b"18446744073709551615").unwrap(),
        u64::MAX
    );
    assert!(from_slice::<u64>(b"-1").is_err());
    assert!(from_slice::<u16>(b"65536").is_err());
    assert_eq!(from_slice::<f64>(b"6000").unwrap(), 6000.0);
    assert_eq!(
        from_slice::<f64>(b"9007199254740993").unwrap(),
        9007199254740992.0
    );
    assert_eq!(
        from_slice::<f64>(b"123456789012345678901234567890").unwrap(),
        1.2345678901234568e29
    );
    assert!(from_slice::<f64>(b"1e309")
        .unwrap_err()
        .message
        .contains("out of range"));
    for text in [
        "0.1",
        "52.520008",
        "-2.5e-300",
        "1.7976931348623157e308",
        "3.14159",
    ] {
        assert_eq!(
            from_slice::<f64>(text.as_bytes()).unwrap(),
            serde_json::from_str::<f64>(text).unwrap()
        );
    }
}

#[test]
fn errors_name_the_offset() {
    let e = from_slice::<Vec<i64>>(b"[1, 2, x]").unwrap_err();
    assert_eq!(e.offset, 7);
    assert_eq!(e.to_string(), "expected a value at byte 7");
    let e = from_slice::<Vec<i64>>(b"[1] 2").unwrap_err();
    assert_eq!(
        e.to_string(),
        "trailing characters after the value at byte 4"
    );
    let e = from_slice::<String>(b"\"ab\xffc\"").unwrap_err();
    assert_eq!(e.offset, 3);
}

#[test]
fn strings_are_written_like_serde() {
    for s in [
        "",
        "plain",
        "quote \" and \\ backslash",
        "slash / stays",
        "\n\r\t\u{8}\u{c}",
        "\u{0}\u{1}\u{1f}\u{7f}",
        "é中😀",
        "\u{2028}\u{2029}",
    ] {
        let mut out = String::new();
        write_str(&mut out, s);
        assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        assert_eq!(from_slice::<String>(out.as_bytes()).unwrap(), s);
    }
}

#[test]
fn numbers_are_written_like_javascript() {
    let w = |v: f64| {
        let mut out = String::new();
        write_f64(&mut out, v);
        out
    };
    assert_eq!(w(6000.0), "6000");
    assert_eq!(w(-3.0), "-3");
    assert_eq!(w(0.0), "0");
    assert_eq!(w(-0.0), "0");
    assert_eq!(w(2.8), "2.8");
    assert_eq!(w(52.520008), "52.520008");
    assert_eq!(w(-0.1), "-0.1");
    assert_eq!(w(1.5e300), "1.5e+300");
    assert_eq!(w(1e-7), "1e-7");
    assert_eq!(w(1.5e-7), "1.5e-7");
    assert_eq!(w(0.000001), "0.000001");
    assert_eq!(w(0.00012345), "0.00012345");
    assert_eq!(w(1e20), "100000000000000000000");
    assert_eq!(w(1e21), "1e+21");
    assert_eq!(w(123.456), "123.456");
    assert_eq!(w(f64::NAN), "null");
    assert_eq!(w(f64::INFINITY), "null");
    assert_eq!(w(5e-324), "5e-324");
    assert_eq!(w(f64::MAX), "1.7976931348623157e+308");
    // Every written number reads back to the same value.
    let mut x = 1.0e-9_f64;
    while x < 1e25 {
        for v in [x, -x, x * 3.7, x / 7.0] {
            let text = w(v);
            assert_eq!(from_slice::<f64>(text.as_bytes()).unwrap(), v, "{text}");
        }
        x *= 10.0;
    }
}

#[test]
fn numbers_are_written_like_the_serde_helper() {
    #[derive(serde::Serialize)]
    struct Holder(#[serde(with = "crate::js_number::option")] Option<f64>);
    for v in [
        6000.0, -3.0, 0.0, 2.8, 52.520008, -0.1, 1.5e300, 1e-7, 0.5, 13.37, 4032.0,
    ] {
        let mut out = String::new();
        write_f64(&mut out, v);
        assert_eq!(out, serde_json::to_string(&Holder(Some(v))).unwrap());
    }
}

#[test]
fn skipping_and_keys() {
    let mut r = Reader::new(br#"{"a\"b": [1, {"c": "d"}], "e": null}"#);
    r.begin_object().unwrap();
    assert_eq!(r.next_key().unwrap().as_deref(), Some("a\"b"));
    r.skip().unwrap();
    assert_eq!(r.next_key().unwrap().as_deref(), Some("e"));
    assert!(r.null().unwrap());
    assert_eq!(r.next_key().unwrap(), None);
    r.finish().unwrap();
}
