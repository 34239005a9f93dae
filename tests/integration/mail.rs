//! Mail through a real SMTP conversation with a listener on loopback.

use portcullis_server::infra::config::MailTarget;
use portcullis_server::infra::mail::{Email, Mailer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A minimal SMTP server: accepts one message and returns the envelope and data it received.
async fn smtp_listener() -> (u16, tokio::task::JoinHandle<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write
            .write_all(b"220 test.local ESMTP ready\r\n")
            .await
            .unwrap();
        let mut commands = Vec::new();
        let mut data = String::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            let upper = line.to_ascii_uppercase();
            commands.push(line.clone());
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-test.local\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("DATA") {
                write.write_all(b"354 go ahead\r\n").await.unwrap();
                while let Some(body_line) = lines.next_line().await.unwrap() {
                    if body_line == "." {
                        break;
                    }
                    data.push_str(&body_line);
                    data.push('\n');
                }
                b"250 queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.unwrap();
            if upper.starts_with("DATA") {
                break;
            }
        }
        (commands, data)
    });
    (port, handle)
}

fn email() -> Email {
    Email {
        to: "rita@example.com".into(),
        subject: "Your password was changed".into(),
        text: "Hello Rita, your password was changed.".into(),
        html: "<p>Hello Rita, your password was changed.</p>".into(),
    }
}

#[tokio::test]
async fn mail_is_delivered_over_smtp_to_a_listener_on_loopback() {
    let (port, server) = smtp_listener().await;
    let mailer = Mailer::new(
        &MailTarget::Smtp(format!("smtp://127.0.0.1:{port}")),
        "Portcullis <security@example.com>",
    )
    .unwrap();
    mailer.send(&email()).await.unwrap();
    let (commands, data) = server.await.unwrap();
    assert!(
        commands.iter().any(
            |c| c.eq_ignore_ascii_case("MAIL FROM:<security@example.com>")
                || c.contains("<security@example.com>")
        ),
        "{commands:?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("RCPT TO:<rita@example.com>")),
        "{commands:?}"
    );
    assert!(
        data.contains("Subject: Your password was changed"),
        "{data}"
    );
    assert!(
        data.contains("text/plain") && data.contains("text/html"),
        "both bodies: {data}"
    );
}

#[tokio::test]
async fn mail_goes_to_the_outbox_as_one_eml_file_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::new(
        &MailTarget::Outbox(outbox.clone()),
        "Portcullis <portcullis@localhost>",
    )
    .unwrap();
    mailer.send(&email()).await.unwrap();
    mailer.send(&email()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    let raw = std::fs::read(&files[0]).unwrap();
    assert!(files[0].extension().unwrap() == "eml");
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("Your password was changed"));
    assert!(parsed.body_text(0).unwrap().contains("Hello Rita"));
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_an_error_not_a_panic() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mailer = Mailer::new(
        &MailTarget::Smtp(format!("smtp://127.0.0.1:{port}")),
        "Portcullis <a@b.example>",
    )
    .unwrap();
    assert!(mailer.send(&email()).await.is_err());
}
