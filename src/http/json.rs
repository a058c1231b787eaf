//! The API's JSON body extractor: read like actix's `web::Json` (the same size limit and
//! content-type rule, [`super::errors::json_config`]), but values that do not fit their fields
//! are refused naming each field by its path (`items[0].amount_fen`), not the whole body.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A request body of type `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Malformed JSON, a wrong content type and an oversized body are actix's to refuse.
        let read = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let value = read.await?.into_inner();
            read_all(value).map(Json).map_err(Into::into)
        })
    }
}

/// Most fields one refusal names.
const MAX_REFUSED: usize = 20;

/// `value` read as a `T`, or a 422 naming every field that does not fit (up to
/// [`MAX_REFUSED`]). After each refusal the body is read again with the refused value out of
/// the way: an unknown field left out, any other value replaced by the first stand-in the
/// field takes (`0`, `""`, `false`, `[]`), so the fields after it are read too. Reading stops
/// where no stand-in fits (an object left out or of the wrong shape) or the body is refused
/// as a whole.
fn read_all<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    let mut refused: Vec<FieldError> = Vec::new();
    while refused.len() < MAX_REFUSED {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(read) if refused.is_empty() => return Ok(read),
            Ok(_) => break,
            Err(error) => error,
        };
        let field = refused_field(&error);
        if refused.iter().any(|f| f.field == field.field) {
            break;
        }
        let name = field.field.clone();
        refused.push(field);
        if !step_past::<T>(&mut value, &error, &name) {
            break;
        }
    }
    Err(ApiError::validation(refused))
}

/// Values that stand in for a refused one, so reading goes on past it.
fn stand_ins() -> [serde_json::Value; 4] {
    [
        serde_json::json!(0),
        serde_json::json!(""),
        serde_json::json!(false),
        serde_json::json!([]),
    ]
}

/// Puts the value `error` refused out of the way (field `name`): false when it cannot be.
fn step_past<T: DeserializeOwned>(
    value: &mut serde_json::Value,
    error: &serde_path_to_error::Error<serde_json::Error>,
    name: &str,
) -> bool {
    use serde_path_to_error::Segment;
    let message = error.inner().to_string();
    let named = super::errors::named_field(&message);
    let mut segments: Vec<&Segment> = error.path().iter().collect();
    // A missing or unknown field is named at its parent (or at itself): the member is the
    // named one. Any other refused value is the path's last member.
    let member = match named {
        Some(name) => {
            if matches!(segments.last(), Some(Segment::Map { key }) if key == name) {
                segments.pop();
            }
            Member::Key(name.to_string())
        }
        None => match segments.pop() {
            Some(Segment::Map { key }) => Member::Key(key.clone()),
            Some(Segment::Seq { index }) => Member::Index(*index),
            _ => return false,
        },
    };
    if message.starts_with("unknown field") {
        let Some(container) = reach(value, &segments) else {
            return false;
        };
        return matches!(&member, Member::Key(key)
            if container.as_object_mut().is_some_and(|o| o.remove(key).is_some()));
    }
    for stand_in in stand_ins() {
        let Some(container) = reach(value, &segments) else {
            return false;
        };
        match (&member, container) {
            (Member::Key(key), serde_json::Value::Object(object)) => {
                object.insert(key.clone(), stand_in);
            }
            (Member::Index(index), serde_json::Value::Array(items)) if *index < items.len() => {
                items[*index] = stand_in;
            }
            _ => return false,
        }
        match serde_path_to_error::deserialize::<_, T>(&*value) {
            Err(next) if refused_field(&next).field == name => {}
            _ => return true,
        }
    }
    false
}

/// A member of an object or an array.
enum Member {
    Key(String),
    Index(usize),
}

/// The value at `path` inside `value`, if the path reaches one.
fn reach<'v>(
    value: &'v mut serde_json::Value,
    path: &[&serde_path_to_error::Segment],
) -> Option<&'v mut serde_json::Value> {
    use serde_path_to_error::Segment;
    let mut at = value;
    for segment in path {
        at = match segment {
            Segment::Map { key } => at.get_mut(key.as_str())?,
            Segment::Seq { index } => at.get_mut(*index)?,
            Segment::Enum { .. } => at,
            Segment::Unknown => return None,
        };
    }
    Some(at)
}

/// The field of a value that does not fit, named by its path.
fn refused_field(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let message = error.inner().to_string();
    let path = error.path().to_string();
    let parent = (path != ".").then_some(path);
    // A missing or unknown field is reported at its parent, with its name in the message.
    let field = match (parent, super::errors::named_field(&message)) {
        (Some(parent), Some(name)) if !parent.ends_with(name) => format!("{parent}.{name}"),
        (Some(path), _) => path,
        (None, Some(name)) => name.to_string(),
        (None, None) => "body".to_string(),
    };
    FieldError::new(field, "invalid_json_fields", message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Claim {
        items: Vec<Item>,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        amount_fen: i64,
    }

    fn fields_of(body: serde_json::Value) -> Vec<String> {
        let error = read_all::<Claim>(body).unwrap_err();
        error
            .field_errors()
            .iter()
            .map(|f| f.field.clone())
            .collect()
    }

    fn field_of(body: serde_json::Value) -> String {
        fields_of(body).remove(0)
    }

    #[test]
    fn every_value_that_does_not_fit_is_named() {
        // Two values of one item, and beside the items an unknown field and an optional one.
        let two = serde_json::json!({"items": [{"name": 7, "amount_fen": "12"}]});
        assert_eq!(fields_of(two), ["items[0].amount_fen", "items[0].name"]);
        let beside = serde_json::json!({"items": [], "colour": "red", "note": 5});
        assert_eq!(fields_of(beside), ["colour", "note"]);
        // Past a required value refused or missing in one item, the next item and the
        // fields after the items are read too; a missing field names only itself.
        let later = serde_json::json!({"items": [
            {"amount_fen": "12"},
            {"name": "b", "amount_fen": true}
        ], "note": 5});
        assert_eq!(
            fields_of(later),
            [
                "items[0].amount_fen",
                "items[0].name",
                "items[1].amount_fen",
                "note"
            ]
        );
        // A list left out is named, and the fields after it still read.
        assert_eq!(fields_of(serde_json::json!({"note": 5})), ["note", "items"]);
        // No stand-in fits an item of the wrong shape: reading stops there, naming it alone.
        let shapeless = serde_json::json!({"items": [5], "note": 5});
        assert_eq!(fields_of(shapeless), ["items[0]"]);
        let fits = serde_json::json!({"items": [{"name": "a", "amount_fen": 12}], "note": "n"});
        assert!(read_all::<Claim>(fits).is_ok());
    }

    #[test]
    fn a_value_that_does_not_fit_is_named_by_its_path() {
        let wrong_type = serde_json::json!({"items": [{"name": "a", "amount_fen": "12"}]});
        assert_eq!(field_of(wrong_type), "items[0].amount_fen");
        let missing = serde_json::json!({"items": [{"amount_fen": 12}]});
        assert_eq!(field_of(missing), "items[0].name");
        let unknown = serde_json::json!({"items": [], "colour": "red"});
        assert_eq!(field_of(unknown), "colour");
        assert_eq!(field_of(serde_json::json!([])), "body");
    }
}
