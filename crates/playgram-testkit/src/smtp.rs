//! A fake SMTP server: just enough of the protocol (220, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT) for the app's real mail client to deliver to it. Each message is captured so a test can
//! read the links in it, as a person would from their inbox.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One delivered email.
#[derive(Clone, Debug)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    /// The decoded text body.
    pub body: String,
    /// The message as received, headers included.
    pub raw: String,
}

impl Mail {
    /// Every `http(s)://` link in the body.
    pub fn links(&self) -> Vec<String> {
        self.body
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(|w| w.trim_end_matches(['.', ',', ')', '>']).to_owned())
            .collect()
    }

    /// The one link whose path contains `part` (such as `/invite/`).
    #[track_caller]
    pub fn link(&self, part: &str) -> String {
        let links: Vec<String> = self
            .links()
            .into_iter()
            .filter(|l| l.contains(part))
            .collect();
        assert_eq!(
            links.len(),
            1,
            "expected one link containing {part:?} in:\n{}",
            self.body
        );
        links.into_iter().next().unwrap_or_default()
    }
}

#[derive(Clone)]
pub struct FakeSmtp {
    address: SocketAddr,
    inbox: Arc<Mutex<Vec<Mail>>>,
    arrived: Arc<Notify>,
}

impl FakeSmtp {
    /// Listens on a free port of 127.0.0.1 for as long as the test's runtime lives.
    pub async fn start() -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake SMTP server");
        let smtp = FakeSmtp {
            address: listener.local_addr().expect("fake SMTP address"),
            inbox: Arc::default(),
            arrived: Arc::default(),
        };
        let server = smtp.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    if let Err(error) = server.session(stream).await {
                        eprintln!("fake SMTP: session ended: {error}");
                    }
                });
            }
        });
        smtp
    }

    /// The `smtp_url` that sends to this server (plain SMTP, no TLS, no authentication).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        self.inbox.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The messages received for `address`.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// The newest message for `address`, waiting up to five seconds for it to arrive.
    pub async fn last_to(&self, address: &str) -> Mail {
        let wait = async {
            loop {
                let arrived = self.arrived.notified();
                if let Some(mail) = self.to(address).pop() {
                    return mail;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .unwrap_or_else(|_| panic!("no email to {address} arrived within 5 s"))
    }

    async fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 fake-smtp ESMTP ready\r\n").await?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let verb = command
                .split([' ', ':'])
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" => b"250-fake-smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                "HELO" => b"250 fake-smtp\r\n",
                "MAIL" => {
                    from = address_in(&command);
                    to.clear();
                    b"250 OK\r\n"
                }
                "RCPT" => {
                    to.push(address_in(&command));
                    b"250 OK\r\n"
                }
                "DATA" => {
                    write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let raw = read_data(&mut lines).await?;
                    let mail = parse(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                    if let Ok(mut inbox) = self.inbox.lock() {
                        inbox.push(mail);
                    }
                    self.arrived.notify_waiters();
                    b"250 OK: queued\r\n"
                }
                "RSET" => {
                    from.clear();
                    to.clear();
                    b"250 OK\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => b"250 OK\r\n",
            };
            write.write_all(reply).await?;
        }
    }
}

/// The address between `<` and `>` in `MAIL FROM:<…>` or `RCPT TO:<…>`.
fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}

/// Reads DATA lines up to the lone `.`, undoing dot-stuffing.
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut R) -> std::io::Result<String> {
    let mut raw = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(raw);
        }
        let text = line.trim_end_matches(['\r', '\n']);
        if text == "." {
            return Ok(raw);
        }
        raw.push_str(text.strip_prefix('.').unwrap_or(text));
        raw.push('\n');
    }
}

fn parse(from: String, to: Vec<String>, raw: String) -> Mail {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    // Unfold continuation lines, then read the headers we need.
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
        decode_quoted_printable(body)
    } else {
        body.to_owned()
    };
    Mail {
        from,
        to,
        subject: header("Subject"),
        body,
        raw,
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let (line, soft_break) = match line.strip_suffix('=') {
            Some(rest) => (rest, true),
            None => (line, false),
        };
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'=', Some(byte)) => {
                    out.push(byte);
                    i += 3;
                }
                (byte, _) => {
                    out.push(byte);
                    i += 1;
                }
            }
        }
        if !soft_break {
            out.push(b'\n');
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_quoted_printable_soft_breaks_and_escapes() {
        assert_eq!(
            decode_quoted_printable("a long li=\nne caf=C3=A9 x=3Dy\n"),
            "a long line café x=y\n"
        );
    }

    #[test]
    fn finds_links_in_a_body() {
        let mail = parse(
            "a@x".into(),
            vec!["b@x".into()],
            "Subject: Hi\nContent-Transfer-Encoding: 7bit\n\nOpen\nhttp://h/invite/abc.\nbye\n"
                .into(),
        );
        assert_eq!(mail.subject, "Hi");
        assert_eq!(mail.link("/invite/"), "http://h/invite/abc");
    }
}
