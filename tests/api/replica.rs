//! Reads on a real PostgreSQL streaming replica (docs/architecture.md, "Read replicas"): a
//! primary and a replica made with `pg_basebackup` from the machine's PostgreSQL binaries, the
//! platform on both through `database.read_url`.

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_on};

/// The machine's PostgreSQL programs: `PG_BIN` (set by `.ci/pg.sh`) or Debian's folder.
fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    found.retain(|bin| bin.join("pg_basebackup").exists());
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "the replica test needs PostgreSQL's initdb, pg_ctl and pg_basebackup: \
             `.ci/test` installs Debian's postgresql package, or set PG_BIN"
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A primary and its streaming replica in a temporary folder, stopped and removed on drop.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    primary: u16,
    replica: u16,
}

impl Cluster {
    /// Runs a PostgreSQL program, as the `postgres` user when this is root (initdb and the
    /// server refuse root); what it printed when it failed.
    fn try_run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = command.args(args).output().map_err(|e| e.to_string())?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    fn run(&self, program: &str, args: &[&str]) {
        if let Err(printed) = self.try_run(program, args) {
            panic!("{program} {args:?}: {printed}");
        }
    }

    fn folder(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn start(&self, name: &str, port: u16) {
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
            self.dir.path().display()
        );
        let (data, log) = (self.folder(name), self.folder(&format!("{name}.log")));
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-w", "-o", &options, "start"],
        );
    }

    fn stop(&self, name: &str) {
        self.run(
            "pg_ctl",
            &["-D", &self.folder(name), "-m", "immediate", "stop"],
        );
    }

    /// Initialises and starts a primary holding the database `odr`, then copies it with
    /// `pg_basebackup` into a replica that streams from it.
    fn start_new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown postgres {}", dir.path().display());
        }
        let cluster = Self {
            dir,
            bin: pg_bin(),
            primary: free_port(),
            replica: free_port(),
        };
        let primary = cluster.folder("primary");
        cluster.run(
            "initdb",
            &[
                "-D",
                &primary,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        cluster.start("primary", cluster.primary);
        PgConnection::establish(&cluster.url(cluster.primary, "postgres"))
            .unwrap()
            .batch_execute("CREATE DATABASE odr")
            .unwrap();
        let port = cluster.primary.to_string();
        let replica = cluster.folder("replica");
        cluster.run(
            "pg_basebackup",
            // A fast checkpoint: a spread one waits minutes on an idle server.
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &replica,
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
        );
        cluster.start("replica", cluster.replica);
        cluster
    }

    fn url(&self, port: u16, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/{database}")
    }

    /// Runs `sql` on the replica's database.
    fn on_replica(&self, sql: &str) {
        PgConnection::establish(&self.url(self.replica, "odr"))
            .unwrap()
            .batch_execute(sql)
            .unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for name in ["replica", "primary"] {
            if Path::new(&self.folder(name))
                .join("postmaster.pid")
                .exists()
            {
                let data = self.folder(name);
                let _ = self.try_run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
            }
        }
    }
}

fn is_root() -> bool {
    let id = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim() == "0"
}

/// Checks the replica until it has caught up with the primary.
async fn caught_up(app: &TestApp) {
    for _ in 0..300 {
        if app
            .state
            .db
            .check_replica(std::time::Duration::from_secs(2))
            .await
            == Some(true)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the replica did not catch up with the primary");
}

/// The case numbers of the disputes `token` lists.
async fn listed(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.get("/api/v1/disputes?limit=100", Some(token)).await;
    reply.expect(200);
    (reply.body["items"].as_array().unwrap().iter())
        .map(|d| d["case_number"].as_str().unwrap().to_string())
        .collect()
}

/// How many disputes this month's region figures of `token` count as filed.
async fn filed_this_month(app: &TestApp, token: &str) -> i64 {
    let reply = app.get("/api/v1/metrics?period=month", Some(token)).await;
    reply.expect(200);
    reply.body["current"]["filed"].as_i64().unwrap()
}

#[tokio::test]
async fn reads_go_to_a_current_replica_writes_and_a_writers_reads_to_the_primary() {
    let cluster = tokio::task::spawn_blocking(Cluster::start_new)
        .await
        .unwrap();
    let read_url = cluster.url(cluster.replica, "odr");
    let app = spawn_app_on(&cluster.url(cluster.primary, "odr"), |s| {
        s.database.read_url = read_url.into();
        // Checked when the test says so (and once at start), not by the clock.
        s.database.replica_check_ms = 3_600_000;
        s.database.read_your_writes_secs = 3 * 3_600;
    })
    .await;
    app.seed_demo().await;
    let consumer = app.demo_token("consumer@odr.demo").await;
    let regulator = app.demo_token("reg.xihu@odr.demo").await;
    let owner = app.demo_token("owner.xixi@odr.demo").await;
    let unit_id = app.business_of(&owner).await["unit"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A dispute both the replica and the primary hold, for the read-your-writes check below.
    let earlier: Value = json!({
        "unit_id": unit_id, "category": "food_safety",
        "item": {"kind": "service", "name": "东坡肉套餐"}, "purchase_date": "2026-11-19",
        "amount_paid_fen": 16_800, "amount_claimed_fen": 16_800, "remedies": ["refund"],
        "description": "菜品变质，要求退款。", "contact_consent": true
    });
    let earlier = app
        .post("/api/v1/disputes", Some(&consumer), &earlier)
        .await;
    earlier.expect(201);
    app.run_due_jobs().await; // its follow-up counts it (docs/architecture.md#filing-follow-up)
    let earlier_page = format!("/api/v1/disputes/{}", earlier.body["id"].as_str().unwrap());
    caught_up(&app).await;
    let before = listed(&app, &regulator).await;
    let filed_before = filed_this_month(&app, &regulator).await;

    // The replica stops replaying, so what it serves stays as it is now.
    cluster.on_replica("SELECT pg_wal_replay_pause()");
    let filing: Value = json!({
        "unit_id": unit_id, "category": "food_safety",
        "item": {"kind": "service", "name": "西湖醋鱼套餐"}, "purchase_date": "2026-11-20",
        "amount_paid_fen": 38_800, "amount_claimed_fen": 38_800, "remedies": ["refund"],
        "description": "菜品有异物，要求退款。", "contact_consent": true
    });
    let filed = app.post("/api/v1/disputes", Some(&consumer), &filing).await;
    filed.expect(201); // a write: the primary took it (the replica refuses writes)
    app.run_due_jobs().await; // its follow-up counts it, on the primary
    let case = filed.body["case_number"].as_str().unwrap().to_string();

    // The consumer wrote: their list comes from the primary and holds the new dispute.
    assert!(listed(&app, &consumer).await.contains(&case));
    // The regulator did not: their list and figures come from the replica, as they were.
    assert_eq!(
        listed(&app, &regulator).await,
        before,
        "served by the replica"
    );
    assert_eq!(filed_this_month(&app, &regulator).await, filed_before);

    // The merchant answers the earlier dispute. The regulator's look at it comes from the
    // replica, from before the answer, and is kept in memory; the merchant, who just wrote,
    // is not answered from that memory but from the primary.
    app.post(
        &format!("{earlier_page}/actions"),
        Some(&owner),
        &json!({"action": "first_contact", "message": "您好，已收到。"}),
    )
    .await
    .expect(200);
    let seen = app.get(&earlier_page, Some(&regulator)).await;
    assert_eq!(seen.body["status"], "filed", "served by the replica");
    let own = app.get(&earlier_page, Some(&owner)).await;
    assert_eq!(own.body["status"], "negotiating", "the merchant's own step");

    // The next checks find the replica behind the primary: everything reads the primary.
    app.state
        .db
        .check_replica(std::time::Duration::from_secs(2))
        .await;
    assert_eq!(
        app.state
            .db
            .check_replica(std::time::Duration::from_secs(2))
            .await,
        Some(false)
    );
    assert!(listed(&app, &regulator).await.contains(&case));
    assert_eq!(filed_this_month(&app, &regulator).await, filed_before + 1);

    // Replaying again, it catches up and serves reads again, now with the dispute.
    cluster.on_replica("SELECT pg_wal_replay_resume()");
    caught_up(&app).await;
    assert!(listed(&app, &regulator).await.contains(&case));

    // The replica goes down: reads fall back to the primary at once, nothing fails.
    cluster.stop("replica");
    assert!(listed(&app, &regulator).await.contains(&case));
    assert_eq!(filed_this_month(&app, &regulator).await, filed_before + 1);
    let daily = app.get("/api/v1/reports/daily", Some(&regulator)).await;
    daily.expect(200);
    assert_eq!(
        app.state
            .db
            .check_replica(std::time::Duration::from_secs(1))
            .await,
        Some(false)
    );
    let mut another = filing.clone();
    another["item"]["name"] = json!("龙井虾仁");
    app.post("/api/v1/disputes", Some(&consumer), &another)
        .await
        .expect(201);
}
