//! Closed sets of values (docs/architecture.md#enums). Each is a Rust enum declared with
//! [`text_enum!`]: its values are named in snake_case by one mapping (strum's `IntoStaticStr`),
//! and that one mapping is what the database stores, the API sends and reads, and the OpenAPI
//! lists as the schema's `enum`.

/// A stored or sent name that is not one of the set's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{name}`")]
pub struct UnknownName {
    /// What the set is, e.g. "dispute status".
    pub what: &'static str,
    /// The name that was not known.
    pub name: String,
}

/// Declares `enum $name` (with `$what` naming the set in errors and in the OpenAPI) and gives
/// it `ALL`, `as_str`, `parse`, `FromStr`, `Display`, serde and utoipa, all from the variants'
/// snake_case names.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::VariantArray,
        )]
        #[strum(serialize_all = "snake_case")]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order of the declaration.
            pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;

            /// The stable snake_case name, as stored and sent.
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            /// Every name, comma-separated, for a message that says what is allowed.
            #[allow(dead_code, reason = "not every set is named in a message")]
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }

            /// The value named `name`, if any.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::text_enum::UnknownName;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Self::parse(name).ok_or_else(|| $crate::domain::text_enum::UnknownName {
                    what: $what,
                    name: name.into(),
                })
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&name).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown {} `{name}`, expected one of {}",
                        $what,
                        names.join(", ")
                    ))
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .description(Some(concat!("A ", $what, ".")))
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    text_enum! {
        /// A test set.
        enum Colour ("colour") { DeepRed, Green }
    }

    #[test]
    fn one_mapping_names_values_everywhere() {
        assert_eq!(Colour::DeepRed.as_str(), "deep_red");
        assert_eq!("green".parse::<Colour>().unwrap(), Colour::Green);
        assert_eq!(
            "blue".parse::<Colour>().unwrap_err().to_string(),
            "unknown colour `blue`"
        );
        assert_eq!(serde_json::to_value(Colour::DeepRed).unwrap(), "deep_red");
        let read: Colour = serde_json::from_value("deep_red".into()).unwrap();
        assert_eq!(read, Colour::DeepRed);
        let refused = serde_json::from_value::<Colour>("red".into()).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("expected one of deep_red, green")
        );
        let schema = serde_json::to_value(<Colour as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["enum"], serde_json::json!(["deep_red", "green"]));
    }
}
