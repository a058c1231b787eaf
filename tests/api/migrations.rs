use std::collections::BTreeSet;
use std::path::Path;

use diesel::connection::SimpleConnection;
use odr::store::conn::{revert_all_migrations, run_migrations};

use crate::both_backends;

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

both_backends! {
    async fn migrations_go_up_down_and_up_again(app) {
        let (reverted, reapplied, tables_left) = app.with_conn(|conn| {
            let reverted = revert_all_migrations(conn).unwrap();
            let probe = conn.batch_execute("SELECT 1 FROM users");
            let reapplied = run_migrations(conn).unwrap();
            odr::demo::seed_reference_data(conn).unwrap();
            (reverted, reapplied, probe.is_ok())
        }).await;
        assert!(reverted >= 1);
        assert_eq!(reverted, reapplied);
        assert!(!tables_left, "down.sql drops what up.sql created");
        app.seed_demo().await;
        app.get("/api/v1/public/units", None).await.expect(200);
    }
}
