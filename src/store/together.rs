//! Several data-changing statements sent to PostgreSQL as one: every one but the last in a
//! `WITH` of the last (PostgreSQL's data-modifying `WITH`;
//! docs/architecture.md#statements-per-write). They run on one snapshot and none sees another's
//! rows, so they suit writes that do not depend on each other, such as the rows a write
//! transaction gathers for its end (`super::transaction_state`). One round trip instead of one
//! per statement.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// The statements, sent as one; empty sends nothing valid, so callers send only a non-empty one.
pub struct Together<'a>(pub Vec<Box<dyn QueryFragment<Pg> + 'a>>);

impl QueryFragment<Pg> for Together<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let Some((last, first)) = self.0.split_last() else {
            return Ok(());
        };
        for (n, statement) in first.iter().enumerate() {
            out.push_sql(if n == 0 { "WITH " } else { ", " });
            out.push_sql(&format!("together_{n} AS ("));
            statement.walk_ast(out.reborrow())?;
            out.push_sql(")");
        }
        if !first.is_empty() {
            out.push_sql(" ");
        }
        last.walk_ast(out.reborrow())
    }
}

/// No static id: diesel keeps the prepared statement by its SQL, as it does a boxed query's.
impl QueryId for Together<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<PgConnection> for Together<'_> {}
