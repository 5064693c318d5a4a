//! A fake webhook receiver: an HTTP server on port 0 that records every request and answers from
//! a script (status, headers, body, delay), so tests can play a healthy, failing, throttling or
//! hanging endpoint.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// How to answer one request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<String>) -> Answer {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }
}

struct Script {
    received: Vec<Received>,
    next: VecDeque<Answer>,
    otherwise: Answer,
}

#[derive(Clone)]
pub struct Receiver {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

impl Receiver {
    /// Starts a receiver that answers 200 until told otherwise.
    pub async fn start() -> Receiver {
        let script = Arc::new(Mutex::new(Script {
            received: Vec::new(),
            next: VecDeque::new(),
            otherwise: Answer::status(200).body("ok"),
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = script.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let script = shared.clone();
                async move { answer(script, method, uri, headers, body).await }
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { addr, script }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Answers every request from now on (after any queued ones) like this.
    pub fn always(&self, answer: Answer) {
        self.script.lock().unwrap().otherwise = answer;
    }

    /// Answers the next request like this (queued in order).
    pub fn then(&self, answer: Answer) {
        self.script.lock().unwrap().next.push_back(answer);
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    /// Waits until at least `count` requests arrived (panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver got {} of {count} requests in {within:?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn answer(
    script: Arc<Mutex<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = {
        let mut script = script.lock().unwrap();
        script.received.push(Received {
            method: method.to_string(),
            path: uri.to_string(),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
            at: Instant::now(),
        });
        script
            .next
            .pop_front()
            .unwrap_or_else(|| script.otherwise.clone())
    };
    tokio::time::sleep(answer.delay).await;
    let mut response = (
        StatusCode::from_u16(answer.status).unwrap(),
        answer.body.clone(),
    )
        .into_response();
    for (name, value) in &answer.headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}
