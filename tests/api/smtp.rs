//! A local SMTP server for the tests: it speaks enough SMTP for a real client (the server's
//! `lettre` transport) to hand it messages, keeps every message it receives, and lets a test
//! wait for the one it expects and read its links.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// One message as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The subject, decoded.
    pub subject: String,
    /// The plain-text part, decoded.
    pub text: String,
    /// The HTML part, decoded.
    pub html: String,
    /// The `List-Unsubscribe` header, as sent.
    pub list_unsubscribe: Option<String>,
    /// The `List-Unsubscribe-Post` header, as sent.
    pub list_unsubscribe_post: Option<String>,
}

impl Received {
    /// The first link in the text part whose path contains `path` (e.g. `/reset-password`).
    pub fn link(&self, path: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(path))
            .map(str::to_owned)
    }

    /// The `token` parameter of that link.
    pub fn token(&self, path: &str) -> Option<String> {
        let link = self.link(path)?;
        let (_, token) = link.split_once("token=")?;
        Some(token.split('&').next().unwrap_or(token).to_owned())
    }
}

/// The server: `url` goes into `SMTP_URL`.
#[derive(Clone)]
pub struct SmtpSink {
    /// `smtp://127.0.0.1:port`.
    pub url: String,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Starts listening on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
        let kept = Arc::clone(&inbox);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = Arc::clone(&kept);
                tokio::spawn(async move {
                    let _ = session(stream, kept).await;
                });
            }
        });
        Self { url, inbox }
    }

    /// Every message received so far.
    pub fn all(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Messages to `address` received so far.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (polling, at most 15 s) until `count` messages to `address` have arrived, and
    /// returns the newest.
    pub async fn wait_for(&self, address: &str, count: usize) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mails = self.to(address);
            if mails.len() >= count {
                return mails.last().cloned().unwrap();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no mail #{count} to {address} arrived; received: {:?}",
                self.all()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl SmtpSink {
    /// Waits (polling, at most 15 s) for a message to `address` whose subject contains
    /// `subject`, and returns the newest such.
    pub async fn wait_for_subject(&self, address: &str, subject: &str) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(mail) = self
                .to(address)
                .into_iter()
                .rev()
                .find(|m| m.subject.contains(subject))
            {
                return mail;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no mail to {address} about {subject:?}; received: {:?}",
                self.all()
                    .iter()
                    .map(|m| (&m.to, &m.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    inbox: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("MAIL FROM") {
            to.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned();
            to.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let raw = read_data(&mut lines).await?;
            inbox
                .lock()
                .unwrap()
                .push(parse(std::mem::take(&mut to), &raw));
            b"250 queued\r\n"
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The message after `DATA`, up to the lone dot, with dot-stuffing undone.
async fn read_data(
    lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(raw);
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(raw);
        }
        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
        raw.extend_from_slice(unstuffed.as_bytes());
    }
}

fn parse(to: Vec<String>, raw: &[u8]) -> Received {
    let message = mail_parser::MessageParser::default().parse(raw);
    let (subject, text, html) = match &message {
        Some(m) => (
            m.subject().unwrap_or_default().to_owned(),
            m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        ),
        None => Default::default(),
    };
    let header = |name: &'static str| {
        message
            .as_ref()
            .and_then(|m| m.header_raw(name))
            .map(|v| v.trim().to_owned())
    };
    Received {
        to,
        subject,
        text,
        html,
        list_unsubscribe: header("List-Unsubscribe"),
        list_unsubscribe_post: header("List-Unsubscribe-Post"),
    }
}
