//! The `odr` binary as an operator uses it.

use std::process::Command;

use crate::helpers::{Backend, spawn_app, uscc};

pub fn odr(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_odr"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ODR_ENV", "test")
        .env("ODR__DATABASE__URL", database_url)
        .env_remove("RUST_LOG");
    command
}

#[tokio::test]
async fn import_units_from_the_shell_reports_each_row() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        app.seed_demo().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("members.csv");
        let csv = format!(
            "uscc,name,industry_code,region_code,address,contact_name,contact_phone,owner_name,owner_email,has_handling_place,has_staff,has_computer,has_dedicated_phone,has_written_procedure\n\
             {},杭州命令行餐馆,catering,330106,杭州市西湖区某路 3 号,店长,0571-88880001,店长,cli@example.cn,yes,yes,yes,yes,yes\n\
             bad,坏行,catering,330106,杭州市西湖区某路 4 号,店长,0571-88880002,店长,bad@example.cn,yes,yes,yes,yes,yes\n",
            uscc("330106", 41)
        );
        std::fs::write(&file, csv).unwrap();
        let output = odr(&app.database_url)
            .args([
                "import-units",
                file.to_str().unwrap(),
                "--by",
                "assoc.catering@odr.demo",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("1 created, 0 unchanged, 1 rejected"),
            "{stdout}"
        );
        assert!(stdout.contains("line    3  rejected"), "{stdout}");
        let regulator = app.demo_token("reg.xihu@odr.demo").await;
        let pending = app
            .get("/api/v1/units?status=pending", Some(&regulator))
            .await;
        assert_eq!(pending.body["items"][0]["business_name"], "杭州命令行餐馆");
    }
}

#[test]
fn production_refuses_to_start_with_development_secrets() {
    let output = Command::new(env!("CARGO_BIN_EXE_odr"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ODR_ENV", "production")
        .env("ODR__DATABASE__URL", "sqlite:///nonexistent/odr.db")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("security.jwt_secret"), "{stderr}");
}

#[test]
fn create_admin_reads_the_password_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("odr.db").display());
    let mut child = odr(&url)
        .args([
            "create-admin",
            "--email",
            "root@example.cn",
            "--name",
            "Root",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"admin-pass-2026\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Admin created."));
    let again = odr(&url)
        .args(["create-admin", "--email", "root@example.cn"])
        .stdin(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !again.status.success(),
        "a second admin with the same email is refused"
    );
}

#[tokio::test]
async fn the_container_healthcheck_passes_against_a_running_server() {
    let app = spawn_app(Backend::Sqlite).await;
    let port = app.address.rsplit(':').next().unwrap().to_string();
    let database_url = app.database_url.clone();
    let ok = tokio::task::spawn_blocking(move || {
        odr(&database_url)
            .env("ODR__SERVER__PORT", port)
            .arg("healthcheck")
            .status()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(ok.success());
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = app.database_url.clone();
    let down = tokio::task::spawn_blocking(move || {
        odr(&url)
            .env("ODR__SERVER__PORT", closed.to_string())
            .arg("healthcheck")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(!down.status.success());
}

#[tokio::test]
async fn a_calendar_year_imported_from_the_shell_reaches_the_running_nodes() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        app.seed_demo().await;
        app.clock.set("2026-12-28T02:00:00Z".parse().unwrap());
        let filed = crate::deadlines::file_with(&app, "owner.xixi@odr.demo", "2026-12-20").await;
        assert_eq!(filed["deadlines"]["settlement"]["provisional"], true);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("2027.json");
        std::fs::write(&file, crate::deadlines::YEAR_2027).unwrap();
        let output = odr(&app.database_url)
            .args(["calendar", "import", file.to_str().unwrap()])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("Calendar cn 2027 loaded: 2 holidays, 1 make-up working days; 1 open dispute(s) recomputed."),
            "{stdout}"
        );
        // The running node picks the year up on its next sweep.
        app.sweep().await;
        let due = app
            .get(
                "/api/v1/calendar/due-date?start=2026-12-31T10:00:00%2B08:00&working_days=1",
                None,
            )
            .await;
        assert_eq!(due.body["due_at"], "2027-01-04T15:59:59Z");
        assert_eq!(due.body["provisional"], false);

        let bad = dir.path().join("broken.toml");
        std::fs::write(&bad, "year = 2027\n").unwrap();
        let output = odr(&app.database_url)
            .args(["calendar", "import", bad.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("broken.toml"));
    }
}

#[tokio::test]
async fn a_generated_history_follows_the_rules_and_matches_its_counters() {
    use chrono::Datelike;
    use chrono_tz::Asia::Shanghai;
    use diesel::prelude::*;
    use odr::store::schema::disputes;

    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        let output = odr(&app.database_url)
            .args([
                "seed-demo",
                "--disputes",
                "3000",
                "--units",
                "25",
                "--seed",
                "7",
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("Demo data seeded"), "{stdout}");
        assert!(
            stdout.contains("3000 disputes filed since 2024-01-01 with 25 ODR units"),
            "{stdout}"
        );

        // Every lapse before now has already happened: the sweeper finds nothing to do.
        // The command dated its history by the system clock; the app catches up with it.
        app.clock
            .set(odr::clock::Clock::now(&odr::clock::SystemClock));
        let swept = app.sweep().await;
        assert_eq!(
            (
                swept.first_contacts_flagged,
                swept.escalated_unsettled,
                swept.escalated_unfulfilled,
                swept.resolved_unanswered,
                swept.offers_expired
            ),
            (0, 0, 0, 0, 0),
            "{swept:?}"
        );

        type Row = (
            String,
            String,
            String,
            chrono::NaiveDateTime,
            Option<chrono::NaiveDateTime>,
            chrono::NaiveDateTime,
            String,
        );
        let rows: Vec<Row> = app
            .state
            .db
            .run(|conn| {
                disputes::table
                    .select((
                        disputes::case_number,
                        disputes::status,
                        disputes::policy,
                        disputes::filed_at,
                        disputes::concluded_at,
                        disputes::settlement_due_at,
                        disputes::id,
                    ))
                    .load(conn)
                    .map_err(odr::store::StoreError::from)
            })
            .await
            .unwrap();
        assert_eq!(rows.len(), 3000);
        let cases: std::collections::HashSet<&String> = rows.iter().map(|r| &r.0).collect();
        assert_eq!(cases.len(), 3000, "case numbers are unique");
        let statuses: std::collections::HashSet<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        for status in ["resolved", "escalated", "withdrawn"] {
            assert!(statuses.contains(status), "{status} in {statuses:?}");
        }

        // The counters say what the disputes say: 2025 by Shanghai day.
        let in_2025 =
            |t: &chrono::NaiveDateTime| t.and_utc().with_timezone(&Shanghai).year() == 2025;
        let filed = rows.iter().filter(|r| in_2025(&r.3)).count();
        let concluded_as = |status: &str| {
            rows.iter()
                .filter(|r| r.1 == status && r.4.as_ref().is_some_and(in_2025))
                .count()
        };
        // Handling ends at the agreement; an agreement escalated later moves to the escalations
        // in the period of that escalation (docs/metrics.md#settlement-rate).
        let agreements: Vec<(String, chrono::NaiveDateTime)> = app
            .state
            .db
            .run(|conn| {
                use odr::store::schema::settlements;
                settlements::table
                    .select((settlements::dispute_id, settlements::agreed_at))
                    .load(conn)
                    .map_err(odr::store::StoreError::from)
            })
            .await
            .unwrap();
        let agreed: std::collections::HashSet<&String> = agreements.iter().map(|a| &a.0).collect();
        let moved = rows
            .iter()
            .filter(|r| {
                r.1 == "escalated" && agreed.contains(&r.6) && r.4.as_ref().is_some_and(in_2025)
            })
            .count();
        let agreed_2025 = agreements.iter().filter(|a| in_2025(&a.1)).count();
        let admin = app.demo_token("admin@odr.demo").await;
        let figures = app
            .get(
                "/api/v1/metrics?scope=all&period=custom&from=2025-01-01&to=2025-12-31",
                Some(&admin),
            )
            .await;
        figures.expect(200);
        let current = &figures.body["current"];
        assert_eq!(current["filed"], filed);
        assert_eq!(current["settled"], agreed_2025 as i64 - moved as i64);
        assert_eq!(current["escalated"], concluded_as("escalated"));
        assert_eq!(current["withdrawn"], concluded_as("withdrawn"));
        let rate = current["on_time_rate"].as_f64().unwrap();
        assert!((0.5..1.0).contains(&rate), "some units are late: {rate}");

        // Due dates follow the holiday calendar, as for a live filing.
        for row in rows.iter().step_by(150) {
            let policy: serde_json::Value = serde_json::from_str(&row.2).unwrap();
            let days = policy["settlement_working_days"].as_i64().unwrap();
            let start = row.3.and_utc().to_rfc3339();
            let due = app
                .get(
                    &format!(
                        "/api/v1/calendar/due-date?start={}&working_days={days}",
                        start.replace('+', "%2B")
                    ),
                    None,
                )
                .await;
            due.expect(200);
            assert_eq!(
                due.body["due_at"].as_str().unwrap(),
                row.5
                    .and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "{}",
                row.0
            );
        }
    }
}

#[tokio::test]
async fn metrics_rebuild_from_the_shell_prints_its_progress_and_keeps_the_figures() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn_app(backend).await;
        crate::metrics::fixture(&app).await;
        let owner = app.demo_token("owner.xixi@odr.demo").await;
        let before = app
            .get("/api/v1/metrics?period=month", Some(&owner))
            .await
            .body;
        for args in [
            vec!["metrics", "rebuild"],
            vec![
                "metrics",
                "rebuild",
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-30",
            ],
        ] {
            let output = odr(&app.database_url).args(&args).output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.contains("rebuilt 2/2 units, "), "{args:?}: {stdout}");
            assert!(
                stdout.contains("Metric counters rebuilt for 2 units"),
                "{stdout}"
            );
        }
        let owner = app.demo_token("owner.xixi@odr.demo").await;
        let after = app
            .get("/api/v1/metrics?period=month", Some(&owner))
            .await
            .body;
        assert_eq!(after, before);
        let backwards = odr(&app.database_url)
            .args([
                "metrics",
                "rebuild",
                "--from",
                "2026-12-01",
                "--to",
                "2026-11-01",
            ])
            .output()
            .unwrap();
        assert!(!backwards.status.success());
        assert!(String::from_utf8_lossy(&backwards.stderr).contains("is after"));
    }
}
