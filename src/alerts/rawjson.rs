//! Borrowed reads of JSON text: lenient string and object fields, and key lookups, without building a tree.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// One JSON object's members, each kept as its JSON text (keys borrowed when they have no escapes).
pub struct RawObject<'a>(Vec<(Text<'a>, &'a RawValue)>);

impl<'a> RawObject<'a> {
    /// Reads the members of the object `text` holds; `None` when it is not an object.
    pub fn parse(text: &'a str) -> Option<Self> {
        if !text.trim_start().starts_with('{') {
            return None;
        }
        serde_json::from_str(text).ok()
    }

    /// The member `key`'s JSON text (the last one when a key repeats, as a tree would keep it).
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().rev().find(|(k, _)| k.as_str() == key).map(|(_, v)| *v)
    }

    /// Follows a path of keys (and array indices) from this object.
    pub fn walk<'p>(&self, path: impl IntoIterator<Item = &'p str>) -> Option<&'a RawValue> {
        let mut path = path.into_iter();
        let mut at = self.get(path.next()?)?;
        for key in path {
            at = member(at, key)?;
        }
        Some(at)
    }
}

/// `key` of an object, or element `key` of an array, inside `v`.
fn member<'a>(v: &'a RawValue, key: &str) -> Option<&'a RawValue> {
    match v.get().as_bytes().first() {
        Some(b'{') => RawObject::parse(v.get())?.get(key),
        Some(b'[') => {
            let items: Vec<&'a RawValue> = serde_json::from_str(v.get()).ok()?;
            items.get(key.parse::<usize>().ok()?).copied()
        }
        _ => None,
    }
}

/// A JSON string's text (borrowed when it has no escapes) or a number as written; `None` for other types.
pub fn scalar_text(v: &RawValue) -> Option<Cow<'_, str>> {
    match v.get().as_bytes().first() {
        Some(b'"') => serde_json::from_str::<Text<'_>>(v.get()).ok()?.0,
        Some(b'-' | b'0'..=b'9') => Some(Cow::Borrowed(v.get())),
        _ => None,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawObject<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawObject<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject<'a>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<Text<'a>, &'a RawValue>()? {
                    members.push(entry);
                }
                Ok(RawObject(members))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A string field, borrowed when it has no escapes; any other JSON type reads as absent instead of failing
/// the record, as a tree lookup with `as_str` would.
#[derive(Default)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl Text<'_> {
    /// The text, empty when absent.
    pub fn as_str(&self) -> &str {
        self.0.as_deref().unwrap_or_default()
    }

    /// The text as an owned string, empty when absent.
    pub fn into_owned(self) -> String {
        self.0.map(Cow::into_owned).unwrap_or_default()
    }
}

/// A nested object read as `T`; any other JSON type reads as absent.
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Self(None)
    }
}

/// Accepts scalars and arrays as "not what we look for", consuming them.
macro_rules! absent_unless_expected {
    ($absent:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($absent)
        }
    };
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(s.to_owned()))))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text<'a>, E> {
                Ok(Text(Some(Cow::Owned(s))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'a>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            absent_unless_expected!(Text(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            absent_unless_expected!(Obj(None));
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_by_key_and_path_without_a_tree() {
        let text = r#"{"groupId": "sg-1", "instancesSet": {"items": [{"instanceId": "i-0"}, {"instanceId": "i-1"}]},
                       "port": 443, "dup": "first", "dup": "last"}"#;
        let obj = RawObject::parse(text).expect("an object");
        assert_eq!(scalar_text(obj.get("groupId").unwrap()).as_deref(), Some("sg-1"));
        assert_eq!(
            scalar_text(obj.walk(["instancesSet", "items", "1", "instanceId"]).unwrap()).as_deref(),
            Some("i-1")
        );
        assert_eq!(scalar_text(obj.get("port").unwrap()).as_deref(), Some("443"));
        assert_eq!(scalar_text(obj.get("dup").unwrap()).as_deref(), Some("last"));
        assert!(obj.walk(["instancesSet", "items", "7"]).is_none());
        assert!(obj.walk(["groupId", "deeper"]).is_none());
        assert!(scalar_text(obj.get("instancesSet").unwrap()).is_none());
    }

    #[test]
    fn escaped_strings_are_unescaped_and_plain_ones_borrowed() {
        let obj = RawObject::parse(r#"{"a": "plain", "b": "tab\there \u00e9"}"#).unwrap();
        assert!(matches!(scalar_text(obj.get("a").unwrap()), Some(Cow::Borrowed("plain"))));
        assert_eq!(scalar_text(obj.get("b").unwrap()).as_deref(), Some("tab\there é"));
    }

    #[test]
    fn non_objects_and_broken_text_read_as_nothing() {
        assert!(RawObject::parse("[1, 2]").is_none());
        assert!(RawObject::parse("\"text\"").is_none());
        assert!(RawObject::parse("{\"open\": ").is_none());
    }
}
