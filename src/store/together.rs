//! Statements sent to PostgreSQL as one: each but the last in a data-modifying `WITH` of the
//! last (docs/architecture.md#statements-per-write). PostgreSQL runs every one of them on one
//! snapshot, none seeing another's rows, and checks foreign keys at the statement's end, so
//! they suit inserts that do not read each other, such as a dispute, its claim and its
//! purchase key. One round trip instead of one per statement, in a statement whose text is
//! fixed by its type: diesel keeps it prepared on the connection, so PostgreSQL plans it once.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// `first` and `second` in `WITH`s of `last`; what it returns is what `last` returns (the rows
/// `execute` counts are `last`'s).
#[derive(Debug, Clone, Copy, QueryId)]
pub struct Together<First, Second, Last> {
    pub first: First,
    pub second: Second,
    pub last: Last,
}

impl<First, Second, Last> QueryFragment<Pg> for Together<First, Second, Last>
where
    First: QueryFragment<Pg>,
    Second: QueryFragment<Pg>,
    Last: QueryFragment<Pg>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH together_first AS (");
        self.first.walk_ast(out.reborrow())?;
        out.push_sql("), together_second AS (");
        self.second.walk_ast(out.reborrow())?;
        out.push_sql(") ");
        self.last.walk_ast(out.reborrow())
    }
}

impl<First, Second, Last> RunQueryDsl<PgConnection> for Together<First, Second, Last> {}
