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
