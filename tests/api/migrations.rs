use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use diesel::connection::SimpleConnection;
use odr::store::conn::{revert_all_migrations, run_migrations};

use crate::both_backends;
use crate::helpers::TestApp;

fn names(tree: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(tree);
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn both_migration_trees_hold_the_same_names_with_up_and_down() {
    let postgres = names("postgres");
    assert_eq!(postgres, names("sqlite"));
    for tree in ["postgres", "sqlite"] {
        for name in &postgres {
            for file in ["up.sql", "down.sql"] {
                let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(tree)
                    .join(name)
                    .join(file);
                assert!(path.is_file(), "{} is missing", path.display());
            }
        }
    }
}

both_backends!(migrations_go_up_down_and_up_again);

async fn migrations_go_up_down_and_up_again(app: TestApp) {
    let (reverted, reapplied, tables_left) = app
        .with_conn(|conn| {
            let reverted = revert_all_migrations(conn).unwrap();
            let probe = conn.batch_execute("SELECT 1 FROM users");
            let reapplied = run_migrations(conn).unwrap();
            odr::demo::seed_reference_data(conn).unwrap();
            (reverted, reapplied, probe.is_ok())
        })
        .await;
    assert!(reverted >= 1);
    assert_eq!(reverted, reapplied);
    assert!(!tables_left, "down.sql drops what up.sql created");
    app.seed_demo().await;
    app.get("/api/v1/public/units", None).await.expect(200);
}

/// The columns `src/store/schema.rs` declares: table → column → (diesel type, nullable).
fn declared_schema() -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let text = include_str!("../../src/store/schema.rs");
    let mut tables = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(name) = line
            .strip_suffix('{')
            .map(str::trim)
            .filter(|l| l.contains(" ("))
        {
            current = Some(name.split_whitespace().next().unwrap().to_string());
            tables.insert(current.clone().unwrap(), BTreeMap::new());
        } else if line == "}" {
            current = None;
        } else if let (Some(table), Some((column, kind))) = (&current, line.split_once(" -> ")) {
            let kind = kind.trim_end_matches(',');
            let (kind, nullable) = match kind.strip_prefix("Nullable<") {
                Some(inner) => (inner.trim_end_matches('>'), true),
                None => (kind, false),
            };
            tables
                .get_mut(table)
                .unwrap()
                .insert(column.to_string(), (kind.to_string(), nullable));
        }
    }
    tables
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

/// The storage types each backend's migrations may use for a diesel type.
fn stored_as(kind: &str, postgres: bool) -> &'static [&'static str] {
    match (kind, postgres) {
        ("Text", true) => &["text"],
        ("BigInt", true) => &["bigint"],
        ("Bool", true) => &["boolean"],
        ("Date", true) => &["date"],
        ("Timestamp", true) => &["timestamp without time zone"],
        ("Text", false) => &["TEXT"],
        ("BigInt", false) => &["BIGINT", "INTEGER"],
        ("Bool", false) => &["BOOLEAN"],
        ("Date", false) => &["DATE"],
        ("Timestamp", false) => &["TIMESTAMP"],
        _ => &[],
    }
}

both_backends!(schema_rs_matches_the_tables_the_migrations_build);

async fn schema_rs_matches_the_tables_the_migrations_build(app: TestApp) {
    use diesel::RunQueryDsl;
    let (rows, postgres) = app
        .with_conn(|conn| {
            match conn {
        odr::store::DbConn::Pg(pg) => (diesel::sql_query(
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS data_type, is_nullable = 'YES' AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema()",
        ).load::<ColumnRow>(pg).unwrap(), true),
        odr::store::DbConn::Sqlite(sqlite) => (diesel::sql_query(
            "SELECT m.name AS table_name, p.name AS column_name, upper(p.type) AS data_type, \
             (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        ).load::<ColumnRow>(sqlite).unwrap(), false),
    }
        })
        .await;
    let mut built: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    for row in rows
        .into_iter()
        .filter(|r| r.table_name != "__diesel_schema_migrations")
    {
        built
            .entry(row.table_name)
            .or_default()
            .insert(row.column_name, (row.data_type, row.nullable));
    }
    let declared = declared_schema();
    assert_eq!(
        declared.keys().collect::<Vec<_>>(),
        built.keys().collect::<Vec<_>>(),
        "schema.rs and the migrations hold the same tables"
    );
    let mut wrong = Vec::new();
    for (table, columns) in &declared {
        let actual = &built[table];
        if columns.keys().ne(actual.keys()) {
            wrong.push(format!(
                "{table}: schema.rs {:?}, database {:?}",
                columns.keys().collect::<Vec<_>>(),
                actual.keys().collect::<Vec<_>>()
            ));
            continue;
        }
        for (column, (kind, nullable)) in columns {
            let (stored, stored_nullable) = &actual[column];
            if !stored_as(kind, postgres).contains(&stored.as_str()) || nullable != stored_nullable
            {
                wrong.push(format!(
                    "{table}.{column}: schema.rs {kind} (nullable: {nullable}), database {stored} (nullable: {stored_nullable})"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "schema.rs differs from the migrations:\n{}",
        wrong.join("\n")
    );
}
