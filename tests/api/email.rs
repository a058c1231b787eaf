//! Delivery over real SMTP to a small SMTP server started by the test.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::{Backend, spawn_app_with};

/// A message as received by the test SMTP server.
#[derive(Debug, Clone, Default)]
struct Received {
    mail_from: String,
    rcpt_to: Vec<String>,
    data: String,
}

/// Accepts SMTP sessions on a free port and records each message.
async fn start_smtp_server() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test-smtp ready\r\n").await.unwrap();
                let mut message = Received::default();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test-smtp\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM:") {
                        message.mail_from = line[10..].trim().to_string();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        message.rcpt_to.push(line[8..].trim().to_string());
                        b"250 OK\r\n"
                    } else if upper == "DATA" {
                        write.write_all(b"354 end with .\r\n").await.unwrap();
                        while let Ok(Some(data_line)) = lines.next_line().await {
                            if data_line == "." {
                                break;
                            }
                            message.data.push_str(&data_line);
                            message.data.push('\n');
                        }
                        store.lock().unwrap().push(std::mem::take(&mut message));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

#[tokio::test]
async fn an_invitation_is_delivered_over_real_smtp() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let (port, inbox) = start_smtp_server().await;
        let app = spawn_app_with(backend, |s| {
            s.email.transport = odr::config::EmailTransportKind::Smtp;
            s.email.smtp_host = "127.0.0.1".into();
            s.email.smtp_port = port;
            s.email.smtp_tls = odr::config::SmtpTls::None;
        })
        .await;
        app.seed_demo().await;
        app.invite_demo_handler().await;
        assert_eq!(app.run_pending_jobs().await, 1);
        let received = inbox.lock().unwrap().clone();
        assert_eq!(received.len(), 1, "{backend:?}");
        assert!(received[0].rcpt_to[0].contains("zhou@example.cn"));
        assert!(received[0].mail_from.contains("noreply@odr.localhost"));
        assert!(received[0].data.contains("Subject: "));
        assert!(received[0].data.contains("multipart/alternative"));
    }
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_retried_with_backoff_then_the_job_is_dead() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let closed_port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let app = spawn_app_with(backend, |s| {
            s.email.transport = odr::config::EmailTransportKind::Smtp;
            s.email.smtp_host = "127.0.0.1".into();
            s.email.smtp_port = closed_port;
            s.email.smtp_tls = odr::config::SmtpTls::None;
            s.jobs.max_attempts = 2;
        })
        .await;
        app.seed_demo().await;
        app.invite_demo_handler().await;

        assert_eq!(app.run_pending_jobs().await, 1);
        assert_eq!(
            app.run_pending_jobs().await,
            0,
            "the retry waits for its backoff"
        );
        let jobs = app
            .with_conn(|conn| odr::store::jobs::list_jobs(conn, "send_email").unwrap())
            .await;
        assert_eq!(jobs[0].state, "queued");
        assert_eq!(jobs[0].attempts, 1);
        assert!(
            jobs[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("delivery failed")
        );

        app.advance(chrono::Duration::hours(1));
        assert_eq!(app.run_pending_jobs().await, 1);
        let jobs = app
            .with_conn(|conn| odr::store::jobs::list_jobs(conn, "send_email").unwrap())
            .await;
        assert_eq!(jobs[0].state, "dead", "{backend:?}");
        let metrics = app
            .get("/metrics", Some("development-only-metrics-token"))
            .await;
        assert!(
            metrics.text.contains(r#"odr_jobs{state="dead"} 1"#),
            "{}",
            metrics.text
        );
    }
}
