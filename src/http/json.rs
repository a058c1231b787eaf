//! The API's JSON body extractor: read like actix's `web::Json` (the same size limit and
//! content-type rule, [`super::errors::json_config`]), but a value that does not fit its field
//! is refused naming the field by its path (`items[0].amount_fen`), not the whole body.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

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
            serde_path_to_error::deserialize(value)
                .map(Json)
                .map_err(|error| refused(&error).into())
        })
    }
}

/// The 422 of a value that does not fit, naming its field.
fn refused(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
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
    ApiError::invalid_field(&field, "invalid_json_fields", message)
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
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        amount_fen: i64,
    }

    fn field_of(body: serde_json::Value) -> String {
        let error = serde_path_to_error::deserialize::<_, Claim>(body).unwrap_err();
        refused(&error).field_errors()[0].field.clone()
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
