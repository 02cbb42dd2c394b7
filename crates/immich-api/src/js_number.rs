//! JSON `number` values written the way JavaScript writes them.
//!
//! `JSON.stringify(6000)` is `6000`, while serde_json writes the `f64` 6000
//! as `6000.0`. The fixture server must produce Immich's bytes (ETags hash
//! them), so `f64` fields holding a whole number are written as integers.
//! Other finite values use serde_json's shortest round-trip form, which
//! matches JavaScript's for the magnitudes EXIF data has (JavaScript switches
//! to exponent form only below 1e-6 or from 1e21 up). Reading accepts any
//! JSON number. The serde parts are behind the `serde` feature; the app's
//! own writer is [`crate::json::write_f64`].

#[cfg(feature = "serde")]
use serde::{Deserialize, Deserializer, Serializer};

/// Whole numbers this large are still exact in an `i64` (and below 1e21,
/// where JavaScript would switch to exponent form).
#[cfg(feature = "serde")]
const MAX_AS_INTEGER: f64 = 9.0e18;

#[cfg(feature = "serde")]
fn write<S: Serializer>(value: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < MAX_AS_INTEGER {
        // Exact: `value` is a whole number within i64 range. (-0.0 becomes 0, as in JS.)
        serializer.serialize_i64(value as i64)
    } else {
        serializer.serialize_f64(value)
    }
}

/// Nullable numbers (`Option<f64>`): `None` writes `null`.
#[cfg(feature = "serde")]
pub mod option {
    use super::*;

    /// Serde `serialize` for `#[serde(with = "crate::js_number::option")]`.
    pub fn serialize<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => write(*v, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Serde `deserialize`: any JSON number or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<f64>, D::Error> {
        Option::<f64>::deserialize(deserializer)
    }
}

/// An `f64` that is written like JavaScript writes a number (for `number`
/// items of the columnar timeline arrays). Reads any JSON number.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct JsNumber(pub f64);

#[cfg(feature = "serde")]
impl serde::Serialize for JsNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        write(self.0, serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for JsNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f64::deserialize(deserializer).map(JsNumber)
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    fn check(value: Option<f64>, expected: &str) {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Holder(#[serde(with = "super::option")] Option<f64>);
        assert_eq!(serde_json::to_string(&Holder(value)).unwrap(), expected);
        // What is written reads back to the same value.
        let back: Holder = serde_json::from_str(expected).unwrap();
        assert_eq!(back.0, value.map(|v| if v == 0.0 { 0.0 } else { v }));
    }

    #[test]
    fn whole_numbers_are_written_as_integers() {
        check(Some(6000.0), "6000");
        check(Some(-3.0), "-3");
        check(Some(0.0), "0");
        check(Some(-0.0), "0");
        check(Some(2.8), "2.8");
        check(Some(52.520008), "52.520008");
        check(Some(-0.1), "-0.1");
        check(Some(1.5e300), "1.5e+300"); // JS writes this too
        check(Some(1e-7), "1e-7");
        check(None, "null");
    }
}
