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
/// [`MAX_REFUSED`]): each refused value is left out and the body read again, until it reads or
/// a field already named comes back (a required one left out) or the refusal is the body's.
fn read_all<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    let mut refused = Vec::new();
    while refused.len() < MAX_REFUSED {
        let error = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(read) if refused.is_empty() => return Ok(read),
            Ok(_) => break,
            Err(error) => error,
        };
        let field = refused_field(&error);
        if refused.iter().any(|f: &FieldError| f.field == field.field) {
            break;
        }
        let left_out = leave_out(&mut value, &error);
        refused.push(field);
        if !left_out {
            break;
        }
    }
    Err(ApiError::validation(refused))
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
    FieldError {
        field,
        code: "invalid_json_fields".into(),
        message,
    }
}

/// Removes the value `error` refused from `value`; false when there is none to remove (a
/// missing field, the body itself, a place the path cannot reach).
fn leave_out(
    value: &mut serde_json::Value,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> bool {
    use serde_path_to_error::Segment;
    let message = error.inner().to_string();
    let unknown = message
        .starts_with("unknown field")
        .then(|| super::errors::named_field(&message))
        .flatten();
    let mut segments: Vec<&Segment> = error.path().iter().collect();
    // An unknown field is named at its parent: the member to remove is the named one. Any
    // other refused value is the path's last member.
    let last = match unknown {
        Some(name) => {
            // The path may end at the unknown member itself.
            if matches!(segments.last(), Some(Segment::Map { key }) if key == name) {
                segments.pop();
            }
            name.to_string()
        }
        None => match segments.pop() {
            Some(Segment::Map { key }) => key.clone(),
            _ => return false,
        },
    };
    let mut at = value;
    for segment in segments {
        let next = match segment {
            Segment::Map { key } => at.get_mut(key.as_str()),
            Segment::Seq { index } => at.get_mut(*index),
            Segment::Enum { .. } => continue,
            Segment::Unknown => None,
        };
        match next {
            Some(next) => at = next,
            None => return false,
        }
    }
    at.as_object_mut()
        .is_some_and(|object| object.remove(&last).is_some())
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
        // A field left out is named too; reading stops there, as nothing can stand in for it.
        let missing = serde_json::json!({"items": [{"amount_fen": "12"}], "note": 5});
        assert_eq!(fields_of(missing), ["items[0].amount_fen", "items[0].name"]);
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
