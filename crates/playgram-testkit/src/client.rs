//! HTTP clients as a test's actors use them: a browser (its own cookie jar, and the `Origin` header
//! a browser sends on writes) or an API integration (a bearer key, no cookies), and the [`Reply`]
//! they get back, whose helpers check the response envelope.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    /// Sent as `Origin` on writes, as browsers do (the CSRF check relies on it).
    origin: Option<String>,
    bearer: Option<String>,
}

impl Client {
    fn build(cookies: bool) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(cookies)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("build the HTTP client")
    }

    /// A browser: keeps cookies and sends `Origin: <base url>` on state-changing requests.
    pub fn browser(base: &url::Url) -> Client {
        Client {
            http: Self::build(true),
            base: base.clone(),
            origin: Some(base.origin().ascii_serialization()),
            bearer: None,
        }
    }

    /// A script with no cookies and no `Origin`: only what the test adds by hand.
    pub fn bare(base: &url::Url) -> Client {
        Client {
            http: Self::build(false),
            base: base.clone(),
            origin: None,
            bearer: None,
        }
    }

    /// An integration calling with `Authorization: Bearer <secret>` and no cookies or `Origin`.
    pub fn with_api_key(base: &url::Url, secret: &str) -> Client {
        Client {
            bearer: Some(secret.to_owned()),
            ..Self::bare(base)
        }
    }

    /// The same client without the `Origin` header (cookies are kept), like a non-browser holding
    /// a session cookie.
    pub fn without_origin(&self) -> Client {
        Client {
            origin: None,
            ..self.clone()
        }
    }

    /// The same client sending this `Origin` instead (a page on another site posting here).
    pub fn with_origin(&self, origin: &str) -> Client {
        Client {
            origin: Some(origin.to_owned()),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> url::Url {
        self.base.join(path).expect("a path relative to the app")
    }

    /// A request with this client's defaults; add headers or a body, then [`Client::send`] it.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
        let mut builder = self.http.request(method, self.url(path));
        if let (Some(origin), true) = (&self.origin, unsafe_method) {
            builder = builder.header(reqwest::header::ORIGIN, origin);
        }
        if let Some(secret) = &self.bearer {
            builder = builder.bearer_auth(secret);
        }
        builder
    }

    pub async fn send(&self, builder: RequestBuilder) -> Reply {
        let response = builder.send().await.expect("the app answers");
        Reply::read(response).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).json(&body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path).json(&body))
            .await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(self.request(Method::DELETE, path)).await
    }

    /// Sends `method` with a JSON body, or none when `body` is `Value::Null`.
    pub async fn call(&self, method: Method, path: &str, body: Value) -> Reply {
        let builder = self.request(method, path);
        let builder = if body.is_null() {
            builder
        } else {
            builder.json(&body)
        };
        self.send(builder).await
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("read the response body");
        Reply {
            status,
            headers,
            text,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    }

    /// The value a `Set-Cookie` header of this response gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next()?.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.to_owned())
    }

    /// The body as JSON, checked to be Playgram's envelope:
    /// `{success, data, error, meta: {request_id, timestamp, next_cursor}}`.
    #[track_caller]
    pub fn envelope(&self) -> Value {
        let json: Value = serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "{}: the body is not JSON ({e}):\n{}",
                self.status, self.text
            )
        });
        let context = || format!("{}: not an envelope:\n{json:#}", self.status);
        let success = json["success"]
            .as_bool()
            .unwrap_or_else(|| panic!("{}", context()));
        assert!(
            json.get("data").is_some() && json.get("error").is_some(),
            "{}",
            context()
        );
        let meta = &json["meta"];
        assert!(
            meta["request_id"].as_str().is_some_and(|id| !id.is_empty())
                && meta["timestamp"].as_str().is_some()
                && meta.get("next_cursor").is_some(),
            "{}",
            context()
        );
        assert_eq!(
            success,
            self.status.is_success(),
            "`success` disagrees with the status: {}",
            context()
        );
        if success {
            assert!(json["error"].is_null(), "{}", context());
        } else {
            assert!(
                json["data"].is_null()
                    && json["error"]["code"].is_string()
                    && json["error"]["message"].is_string(),
                "{}",
                context()
            );
        }
        json
    }

    /// Asserts a 2xx envelope and returns its `data`.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {}:\n{}",
            self.status,
            self.text
        );
        let mut json = self.envelope();
        json["data"].take()
    }

    /// Asserts this exact status with a success envelope and returns its `data`.
    #[track_caller]
    pub fn ok_with(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body:\n{}", self.text);
        self.ok()
    }

    /// Asserts an error envelope with this status and code; returns the `error` object.
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            (
                self.status.as_u16(),
                self.envelope()["error"]["code"].as_str()
            ),
            (status, Some(code)),
            "body:\n{}",
            self.text
        );
        let mut json = self.envelope();
        json["error"].take()
    }

    /// Asserts a 422 `validation_failed` naming `field`; returns that field's message.
    #[track_caller]
    pub fn field_error(&self, field: &str) -> String {
        let error = self.err(422, "validation_failed");
        error["details"]["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("no message for field {field:?} in {error:#}"))
            .to_owned()
    }
}
