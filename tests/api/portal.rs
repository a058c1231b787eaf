use crate::both_backends;
use crate::helpers::{TestApp, invitation_token};

async fn invited_handler(app: &TestApp) -> String {
    app.seed_demo().await;
    app.invite_demo_handler().await;
    app.run_pending_jobs().await;
    invitation_token(&app.sent_emails()[0])
}

async fn submit(app: &TestApp, form: &[(&str, &str)]) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}/invitations/accept", app.address))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

both_backends! {
    async fn the_invitation_link_opens_a_chinese_page_that_sets_the_password(app) {
        let token = invited_handler(&app).await;
        let link = app.sent_emails()[0].text.lines().find(|l| l.contains("/invitations/accept?token=")).unwrap().trim().to_string();
        assert!(link.starts_with("http://127.0.0.1:8080/invitations/accept?token="), "{link}");

        let response = app.client.get(format!("{}/invitations/accept?token={token}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
        let html = response.text().await.unwrap();
        assert!(html.contains("设置登录密码") && html.contains("lang=\"zh-CN\""));

        let (status, html) = submit(&app, &[("token", &token), ("password", "handler-pass-1"), ("password_again", "handler-pass-2")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("两次输入的密码不一致"));
        let (status, html) = submit(&app, &[("token", &token), ("password", "short"), ("password_again", "short")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("至少 8 位"));

        let (status, html) = submit(&app, &[("token", &token), ("password", "handler-pass-1"), ("password_again", "handler-pass-1")]).await;
        assert_eq!(status, 200);
        assert!(html.contains("密码已设置"));
        app.token("zhou@example.cn", "handler-pass-1").await;

        let (status, html) = submit(&app, &[("token", &token), ("password", "handler-pass-2"), ("password_again", "handler-pass-2"), ("lang", "en")]).await;
        assert_eq!(status, 422);
        assert!(html.contains("already used"));
    }

    async fn the_invitation_page_speaks_english_and_escapes_its_input(app) {
        let response = app.client.get(format!("{}/invitations/accept?lang=en&token=%22%3E%3Cscript%3Ex%3C%2Fscript%3E", app.address)).send().await.unwrap();
        let html = response.text().await.unwrap();
        assert!(html.contains("Set your password") && html.contains("lang=\"en\""));
        assert!(!html.contains("<script>x"), "{html}");
        let missing = app.client.get(format!("{}/invitations/accept", app.address)).send().await.unwrap();
        assert_eq!(missing.status(), 400);
        assert!(missing.text().await.unwrap().contains("链接不完整"));
    }
}
