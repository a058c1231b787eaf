//! Statements sent to PostgreSQL as one: each but the last in a data-modifying `WITH` of the
//! last (docs/architecture.md#statements-per-write). PostgreSQL runs every one of them on one
//! snapshot, none seeing another's rows, and checks foreign keys at the statement's end, so
//! they suit inserts that do not read each other, such as a dispute, its claim and its
//! purchase key. One round trip instead of one per statement, in a statement whose text is
//! fixed by its type: diesel keeps it prepared on the connection, so PostgreSQL plans it once.
//! Should one of them fail, none of them is written.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::{PgConnection, QueryResult, RunQueryDsl};

/// The statements of `with` (a tuple of two to five) in `WITH`s of `last`; what it returns is
/// what `last` returns (the rows `execute` counts are `last`'s).
#[derive(Debug, Clone, Copy, QueryId)]
pub struct Together<With, Last> {
    pub with: With,
    pub last: Last,
}

/// Statements that go in `WITH`s, in their order.
pub trait Withs {
    fn walk_withs<'b>(&'b self, out: AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

macro_rules! withs {
    ($($name:literal $part:ident $index:tt),+) => {
        impl<$($part: QueryFragment<Pg>),+> Withs for ($($part,)+) {
            fn walk_withs<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                out.push_sql("WITH ");
                $(
                    out.push_sql($name);
                    self.$index.walk_ast(out.reborrow())?;
                    out.push_sql(") ");
                )+
                Ok(())
            }
        }
    };
}

withs!("together_0 AS (" A 0, ", together_1 AS (" B 1);
withs!("together_0 AS (" A 0, ", together_1 AS (" B 1, ", together_2 AS (" C 2);
withs!(
    "together_0 AS (" A 0,
    ", together_1 AS (" B 1,
    ", together_2 AS (" C 2,
    ", together_3 AS (" D 3
);
withs!(
    "together_0 AS (" A 0,
    ", together_1 AS (" B 1,
    ", together_2 AS (" C 2,
    ", together_3 AS (" D 3,
    ", together_4 AS (" E 4
);

impl<With: Withs, Last: QueryFragment<Pg>> QueryFragment<Pg> for Together<With, Last> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.with.walk_withs(out.reborrow())?;
        self.last.walk_ast(out)
    }
}

impl<With, Last> RunQueryDsl<PgConnection> for Together<With, Last> {}
