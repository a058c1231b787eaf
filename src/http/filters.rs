//! List filters that take several values, comma-separated (`status=filed,negotiating`), as
//! docs/api.md#lists describes: every value named is kept, an unknown one is a failing field.

use crate::error::FieldErrors;

/// The values of list filter `field`, each read by `parse` (empty when the filter is absent or
/// blank: no filtering). A value `parse` does not know adds `code` for `field` to `errors`,
/// naming the value and what `allowed` says.
pub fn several<T: PartialEq>(
    errors: &mut FieldErrors,
    field: &str,
    code: &str,
    allowed: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
) -> Vec<T> {
    let mut values = Vec::new();
    for name in value
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        match parse(name) {
            Some(parsed) if !values.contains(&parsed) => values.push(parsed),
            Some(_) => {}
            None => errors.add(
                field,
                code,
                format!("unknown value `{name}`; use {allowed}"),
            ),
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> Option<u8> {
        ["a", "b", "c"]
            .iter()
            .position(|x| *x == v)
            .map(|p| p as u8)
    }

    #[test]
    fn reads_each_value_once_and_names_the_unknown_ones() {
        let mut errors = FieldErrors::default();
        let values = several(
            &mut errors,
            "status",
            "invalid_status",
            "a, b or c",
            Some(" a, c ,,a"),
            parse,
        );
        assert_eq!(values, [0, 2]);
        assert!(errors.finish().is_ok());
        let mut errors = FieldErrors::default();
        assert!(
            several(
                &mut errors,
                "status",
                "invalid_status",
                "a, b or c",
                Some("a,x"),
                parse
            )
            .len()
                == 1
        );
        let problem = errors.finish().unwrap_err();
        assert_eq!(problem.field_errors().len(), 1);
        assert_eq!(problem.field_errors()[0].field, "status");
        assert!(problem.field_errors()[0].message.contains("`x`"));
    }

    #[test]
    fn absent_or_blank_filters_nothing() {
        let mut errors = FieldErrors::default();
        assert!(several(&mut errors, "s", "c", "a", None, parse).is_empty());
        assert!(several(&mut errors, "s", "c", "a", Some(" , "), parse).is_empty());
        assert!(errors.finish().is_ok());
    }
}
