//! A serde `Deserializer` over a JS value that shows serde every key of every object.
//!
//! serde-wasm-bindgen reads a struct by asking the JS object for each field the struct names, so
//! it never sees a key the struct does not name and `#[serde(deny_unknown_fields)]` has no effect:
//! a misspelt key would pass silently. This one visits `Object.entries` instead, so the request
//! types' own `deny_unknown_fields` rejects any other key by name; no list of keys is kept by hand.
//! `undefined` members count as absent (their defaults apply), whole numbers up to 2^53 are
//! integers (so that `usize` fields read them), NaN and infinities stay numbers (the request's
//! checks name them), and an error inside a member of a plain struct says which (`config: mu: ...`;
//! serde's buffering of the tagged pattern source drops the member's name there).

use serde::de::value::{SeqDeserializer, StrDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use std::borrow::Cow;
use std::fmt;
use wasm_bindgen::{JsCast, JsValue};

/// What went wrong reading a JS value (serde's own message, with the member it is in).
#[derive(Debug)]
pub struct DeError(pub String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// The deserializer of one JS value.
pub struct JsDe(pub JsValue);

const SAFE_INTEGER: f64 = 9_007_199_254_740_991.0; // 2^53 - 1

thread_local! {
    /// The JS strings of the field names met so far (a struct's fields are static strings).
    static NAMES: std::cell::RefCell<Vec<(&'static str, JsValue)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Field name `f` as a JS string, made once.
fn name(f: &'static str) -> JsValue {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some((_, v)) = names.iter().find(|(n, _)| std::ptr::eq(*n, f)) {
            return v.clone();
        }
        let v = JsValue::from_str(f);
        names.push((f, v.clone()));
        v
    })
}

/// "expected `what`, found ..." (not generic: one copy for every visitor).
#[inline(never)]
fn found(what: &str, v: &JsValue) -> DeError {
    let kind = match v {
        v if v.is_null() || v.is_undefined() => "null".to_string(),
        v if v.as_bool().is_some() => "a boolean".to_string(),
        v if v.as_f64().is_some() => format!("the number {}", v.as_f64().unwrap_or_default()),
        v if v.as_string().is_some() => {
            format!("the string {:?}", v.as_string().unwrap_or_default())
        }
        v if js_sys::Array::is_array(v) => "an array".to_string(),
        _ => "an object".to_string(),
    };
    DeError(format!("expected {what}, found {kind}"))
}

impl JsDe {
    fn number(&self) -> Result<f64, DeError> {
        self.0.as_f64().ok_or_else(|| found("a number", &self.0))
    }

    /// Numbers: whole ones up to 2^53 as integers (so that `usize` fields read them).
    fn visit_number<'de, V: Visitor<'de>>(x: f64, visitor: V) -> Result<V::Value, DeError> {
        if x.fract() == 0.0 && (0.0..=SAFE_INTEGER).contains(&x) {
            visitor.visit_u64(x as u64)
        } else if x.fract() == 0.0 && (-SAFE_INTEGER..0.0).contains(&x) {
            visitor.visit_i64(x as i64)
        } else {
            visitor.visit_f64(x)
        }
    }

    fn visit_array<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if js_sys::Array::is_array(&self.0) {
            visitor.visit_seq(Items(js_sys::Array::from(&self.0).into_iter(), 0))
        } else if js_sys::ArrayBuffer::is_view(&self.0)
            && !self.0.is_instance_of::<js_sys::DataView>()
        {
            let values = js_sys::Float64Array::new(&self.0).to_vec();
            visitor.visit_seq(SeqDeserializer::new(values.into_iter()))
        } else {
            Err(found("an array", &self.0))
        }
    }

    fn visit_object<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0.dyn_ref::<js_sys::Object>() {
            Some(obj) if !js_sys::Array::is_array(obj) => visitor.visit_map(Members {
                source: Source::Entries(js_sys::Object::entries(obj).into_iter()),
                key: Cow::Borrowed(""),
                value: JsValue::UNDEFINED,
            }),
            _ => Err(found("an object", &self.0)),
        }
    }
}

impl<'de> de::Deserializer<'de> for JsDe {
    type Error = DeError;

    /// Any value (serde buffers tagged and untagged enums this way).
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let v = &self.0;
        if v.is_null() || v.is_undefined() {
            visitor.visit_unit()
        } else if let Some(b) = v.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(x) = v.as_f64() {
            Self::visit_number(x, visitor)
        } else if let Some(s) = v.as_string() {
            visitor.visit_string(s)
        } else if js_sys::Array::is_array(v) || js_sys::ArrayBuffer::is_view(v) {
            self.visit_array(visitor)
        } else {
            self.visit_object(visitor)
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let b = self
            .0
            .as_bool()
            .ok_or_else(|| found("a boolean", &self.0))?;
        visitor.visit_bool(b)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(self.number()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_f64(self.number()?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        Self::visit_number(self.number()?, visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        Self::visit_number(self.number()?, visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let s = self
            .0
            .as_string()
            .ok_or_else(|| found("a string", &self.0))?;
        visitor.visit_string(s)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.visit_array(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.visit_object(visitor)
    }

    /// Every member, so that `deny_unknown_fields` sees the ones the struct does not name. When
    /// the object has no other key than the struct's fields (counted), serde is shown just those,
    /// one `Reflect.get` each, as serde-wasm-bindgen does: the same members, fewer calls.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let Some(obj) = self.0.dyn_ref::<js_sys::Object>() else {
            return Err(found("an object", &self.0));
        };
        let values: Vec<JsValue> = fields
            .iter()
            .map(|f| js_sys::Reflect::get(obj, &name(f)).unwrap_or(JsValue::UNDEFINED))
            .collect();
        let defined = values.iter().filter(|v| !v.is_undefined()).count();
        if js_sys::Array::is_array(obj) || defined != js_sys::Object::keys(obj).length() as usize {
            return self.visit_object(visitor);
        }
        visitor.visit_map(Members {
            source: Source::Fields(fields.iter().zip(values)),
            key: Cow::Borrowed(""),
            value: JsValue::UNDEFINED,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    /// Unit variants by name (`"samples"`); data-carrying enums of the requests are tagged
    /// (`#[serde(tag = ...)]`) and go through `deserialize_any`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let s = self
            .0
            .as_string()
            .ok_or_else(|| found("a variant's name", &self.0))?;
        visitor.visit_enum(IntoDeserializer::<DeError>::into_deserializer(s))
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u128 char str bytes byte_buf
        unit unit_struct tuple tuple_struct identifier ignored_any
    }
}

/// The items of a JS array; an error names the index.
struct Items(js_sys::ArrayIntoIter, usize);

impl<'de> SeqAccess<'de> for Items {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(item) = self.0.next() else {
            return Ok(None);
        };
        let i = self.1;
        self.1 += 1;
        let named = |e: DeError| DeError(format!("[{i}]: {e}"));
        seed.deserialize(JsDe(item)).map(Some).map_err(named)
    }
}

/// Where the members come from: every entry of the object, or a struct's fields and their values.
enum Source {
    Entries(js_sys::ArrayIntoIter),
    Fields(std::iter::Zip<std::slice::Iter<'static, &'static str>, std::vec::IntoIter<JsValue>>),
}

/// The members of a JS object, `undefined` ones left out; an error in a value names its key.
struct Members {
    source: Source,
    key: Cow<'static, str>,
    value: JsValue,
}

impl Members {
    /// The next (key, value) with a defined value.
    fn next_member(&mut self) -> Option<(Cow<'static, str>, JsValue)> {
        match &mut self.source {
            Source::Fields(fields) => fields
                .find(|(_, v)| !v.is_undefined())
                .map(|(k, v)| (Cow::Borrowed(*k), v)),
            Source::Entries(entries) => entries.find_map(|entry| {
                let pair = js_sys::Array::from(&entry);
                let value = pair.get(1);
                let key = pair.get(0).as_string().unwrap_or_default();
                (!value.is_undefined()).then_some((Cow::Owned(key), value))
            }),
        }
    }
}

impl<'de> MapAccess<'de> for Members {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.next_member() else {
            return Ok(None);
        };
        self.key = key;
        self.value = value;
        seed.deserialize(StrDeserializer::<DeError>::new(&self.key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = std::mem::replace(&mut self.value, JsValue::UNDEFINED);
        let key = &self.key;
        let named = |e: DeError| {
            let sep = if e.0.starts_with('[') { "" } else { ": " };
            DeError(format!("{key}{sep}{e}"))
        };
        seed.deserialize(JsDe(value)).map_err(named)
    }
}
