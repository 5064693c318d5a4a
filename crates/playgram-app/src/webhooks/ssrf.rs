//! The outbound HTTP client for webhooks, guarded against server-side request forgery: a
//! workspace's endpoint URL must not reach the server's own network.
//!
//! Decisions:
//! - The check happens where the address is used, not before: [`GuardedResolver`] is reqwest's DNS
//!   resolver and drops addresses the [`Guard`] refuses, so reqwest connects only to addresses that
//!   passed (no resolve-then-connect race, no DNS rebinding).
//! - reqwest never asks the resolver about IP-literal URLs, so senders must call [`check_literal`]
//!   before each request (the URL crate has already normalised `http://2130706433/` and similar
//!   spellings to `127.0.0.1`).
//! - The operator's allow-list (`PLAYGRAM_WEBHOOKS_ALLOW_NETWORKS`) matches addresses exactly as
//!   written: `::ffff:127.0.0.1` is blocked even when `127.0.0.1/32` is allowed, unless
//!   `::ffff:127.0.0.1/128` is allowed too.
//! - Redirects are not followed (a 3xx is the receiver's answer, and a failure) and proxies from
//!   the environment are ignored, since either would send the request somewhere unchecked.
//! - A [`BlockedError`]'s message names the host but not the addresses it resolved to, so webhooks
//!   cannot be used to map internal DNS; the addresses stay in the value for the operator's logs.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use playgram_core::net::{Cidr, is_forbidden};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

pub const USER_AGENT: &str = "Playgram-Webhooks/1.0";
const MAX_URL_CHARS: usize = 2_000;

/// Which addresses webhooks may reach: public ones, and the operator's allow-listed blocks.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    allow: Vec<Cidr>,
}

impl Guard {
    pub fn new(allow: Vec<Cidr>) -> Guard {
        Guard { allow }
    }

    pub fn permits(&self, ip: IpAddr) -> bool {
        self.allow.iter().any(|block| block.contains(ip)) || !is_forbidden(ip)
    }
}

/// Why an endpoint URL is not accepted (checked when an endpoint is created or changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("The URL is longer than 2,000 characters.")]
    TooLong,
    #[error("Not a valid URL ({0}): use a full URL such as https://example.com/webhooks.")]
    Invalid(String),
    #[error("Unsupported scheme \"{0}\": use an http or https URL.")]
    UnsupportedScheme(String),
    #[error("The URL has no host: use a full URL such as https://example.com/webhooks.")]
    MissingHost,
    #[error("The URL contains a user name or password: remove them from the URL.")]
    Credentials,
}

/// Checks an endpoint URL's form: http or https, a host, no user name or password. Where it leads
/// is checked when each request is sent.
pub fn check_url(text: &str) -> Result<Url, UrlError> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(UrlError::TooLong);
    }
    let url = Url::parse(text.trim()).map_err(|e| UrlError::Invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::UnsupportedScheme(url.scheme().to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::MissingHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    Ok(url)
}

/// A request refused because its host is (or resolves only to) addresses the guard refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedError {
    /// The URL's host as written (a name, or an IP literal without brackets).
    pub host: String,
    /// The refused addresses, for logs only (see the module docs).
    pub addresses: Vec<IpAddr>,
    literal: bool,
}

impl std::fmt::Display for BlockedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.literal {
            "is a private or reserved address"
        } else {
            "resolves only to private or reserved addresses"
        };
        write!(
            f,
            "blocked: {} {what} (loopback, private network, link-local, multicast or similar); \
             the server's operator can allow-list it",
            self.host
        )
    }
}

impl StdError for BlockedError {}

/// Refuses a URL whose host is an IP literal the guard does not permit. Names are left to
/// [`GuardedResolver`].
pub fn check_literal(guard: &Guard, url: &Url) -> Result<(), BlockedError> {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(_)) | None => return Ok(()),
    };
    if guard.permits(ip) {
        return Ok(());
    }
    Err(BlockedError {
        host: ip.to_string(),
        addresses: vec![ip],
        literal: true,
    })
}

/// reqwest's DNS resolver for webhooks: the system resolver, minus the addresses the guard refuses.
#[derive(Clone, Debug)]
pub struct GuardedResolver {
    guard: Arc<Guard>,
}

impl GuardedResolver {
    pub fn new(guard: Arc<Guard>) -> GuardedResolver {
        GuardedResolver { guard }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(lookup(Arc::clone(&self.guard), name.as_str().to_owned()))
    }
}

type BoxError = Box<dyn StdError + Send + Sync>;

async fn lookup(guard: Arc<Guard>, host: String) -> Result<Addrs, BoxError> {
    // Port 0: reqwest puts in the URL's port.
    let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
    let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
        found.partition(|addr| guard.permits(addr.ip()));
    if !allowed.is_empty() {
        return Ok(Box::new(allowed.into_iter()));
    }
    if refused.is_empty() {
        return Err(format!("{host} has no addresses").into());
    }
    Err(Box::new(BlockedError {
        host,
        addresses: refused.iter().map(SocketAddr::ip).collect(),
        literal: false,
    }))
}

/// The client every webhook request goes through. Senders must also call [`check_literal`]. Fails
/// only when the TLS backend cannot be set up (a broken installation, found when the worker starts).
pub fn client(guard: Arc<Guard>, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(GuardedResolver::new(guard))
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .user_agent(USER_AGENT)
        .build()
}

fn chain<'a>(error: &'a reqwest::Error) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let first: &'a (dyn StdError + 'static) = error;
    std::iter::successors(Some(first), |e: &&'a (dyn StdError + 'static)| {
        (*e).source()
    })
}

fn blocked(error: &reqwest::Error) -> Option<&BlockedError> {
    chain(error).find_map(|e| e.downcast_ref::<BlockedError>())
}

/// Whether the request failed because the guard refused every address of its host.
pub fn is_blocked(error: &reqwest::Error) -> bool {
    blocked(error).is_some()
}

/// A short message for the delivery log: blocked, timed out, connection refused, or the chain of
/// causes.
pub fn describe(error: &reqwest::Error) -> String {
    if let Some(blocked) = blocked(error) {
        return blocked.to_string();
    }
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    let refused = chain(error)
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        return "connection refused".to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    for part in chain(error).map(ToString::to_string) {
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    fn guard(allow: &str) -> Arc<Guard> {
        Arc::new(Guard::new(playgram_core::net::parse_cidrs(allow).unwrap()))
    }

    fn http(allow: &str) -> reqwest::Client {
        client(guard(allow), Duration::from_secs(5)).unwrap()
    }

    /// A listener on 127.0.0.1 answering every connection with `response`.
    async fn serve(response: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        address
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
    const FOUND: &str = "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\n\
                         content-length: 0\r\nconnection: close\r\n\r\n";

    #[test]
    fn urls_are_checked_for_form() {
        assert!(check_url("https://example.com/hooks?x=1").is_ok());
        assert!(check_url(" http://10.0.0.1:8080/ ").is_ok());
        let scheme = check_url("ftp://example.com/").unwrap_err();
        assert_eq!(
            scheme.to_string(),
            "Unsupported scheme \"ftp\": use an http or https URL."
        );
        assert!(matches!(
            check_url("file:///etc/passwd"),
            Err(UrlError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            check_url("javascript:alert(1)"),
            Err(UrlError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            check_url("example.com/hooks"),
            Err(UrlError::Invalid(_))
        ));
        assert!(matches!(check_url("http://"), Err(UrlError::Invalid(_))));
        assert!(matches!(check_url(""), Err(UrlError::Invalid(_))));
        assert_eq!(
            check_url("https://user:pw@example.com/"),
            Err(UrlError::Credentials)
        );
        assert_eq!(
            check_url("https://user@example.com/"),
            Err(UrlError::Credentials)
        );
        let long = format!("https://example.com/{}", "a".repeat(2_000));
        assert_eq!(check_url(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn guard_permits_public_and_allow_listed_addresses() {
        let none = guard("");
        assert!(none.permits("8.8.8.8".parse().unwrap()));
        assert!(!none.permits("127.0.0.1".parse().unwrap()));
        assert!(!none.permits("169.254.169.254".parse().unwrap()));
        let some = guard("127.0.0.1/32, 10.0.0.0/8");
        assert!(some.permits("127.0.0.1".parse().unwrap()));
        assert!(some.permits("10.1.2.3".parse().unwrap()));
        assert!(!some.permits("127.0.0.2".parse().unwrap()));
        assert!(!some.permits("192.168.1.1".parse().unwrap()));
    }

    #[test]
    fn ip_literals_are_checked_as_written() {
        let url = |text: &str| Url::parse(text).unwrap();
        let none = guard("");
        assert!(check_literal(&none, &url("http://127.0.0.1:8080/")).is_err());
        assert!(check_literal(&none, &url("http://2130706433/")).is_err()); // 127.0.0.1
        assert!(check_literal(&none, &url("http://0x7f.1/")).is_err());
        assert!(check_literal(&none, &url("http://[::1]/")).is_err());
        assert!(check_literal(&none, &url("http://[fd00::1]/")).is_err());
        assert!(check_literal(&none, &url("http://8.8.8.8/")).is_ok());
        assert!(check_literal(&none, &url("http://localhost/")).is_ok()); // left to the resolver

        let mapped = url("http://[::ffff:127.0.0.1]/");
        let error = check_literal(&guard("127.0.0.1/32"), &mapped).unwrap_err();
        assert_eq!(error.host, "::ffff:127.0.0.1");
        assert!(
            error
                .to_string()
                .starts_with("blocked: ::ffff:127.0.0.1 is a private")
        );
        assert!(check_literal(&guard("::ffff:127.0.0.1/128"), &mapped).is_ok());
        assert!(
            check_literal(
                &guard("::ffff:8.8.8.8/128"),
                &url("http://[::ffff:8.8.8.8]/")
            )
            .is_ok()
        );
    }

    #[tokio::test]
    async fn resolver_drops_refused_addresses() {
        let blocked = GuardedResolver::new(guard(""));
        let Err(error) = blocked.resolve("localhost".parse().unwrap()).await else {
            panic!("localhost resolved");
        };
        let error = error
            .downcast_ref::<BlockedError>()
            .expect("a BlockedError");
        assert_eq!(error.host, "localhost");
        assert!(
            error
                .to_string()
                .starts_with("blocked: localhost resolves only to")
        );
        assert!(error.addresses.iter().all(|ip| ip.is_loopback()));

        let allowed = GuardedResolver::new(guard("127.0.0.1/32"));
        let Ok(addrs) = allowed.resolve("localhost".parse().unwrap()).await else {
            panic!("localhost refused");
        };
        let addrs: Vec<_> = addrs.map(|a| a.ip()).collect();
        assert_eq!(addrs, vec!["127.0.0.1".parse::<IpAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn requests_to_private_addresses_are_refused() {
        let address = serve(OK).await;
        let literal = Url::parse(&format!("http://{address}/")).unwrap();
        assert!(check_literal(&guard(""), &literal).is_err());

        let error = http("")
            .get(format!("http://localhost:{}/", address.port()))
            .send()
            .await
            .unwrap_err();
        assert!(is_blocked(&error), "{error:?}");
        assert!(describe(&error).starts_with("blocked: localhost resolves only to"));
    }

    #[tokio::test]
    async fn allow_listed_receivers_are_reached() {
        let address = serve(OK).await;
        let client = http("127.0.0.1/32");
        let literal = Url::parse(&format!("http://{address}/")).unwrap();
        assert!(check_literal(&guard("127.0.0.1/32"), &literal).is_ok());
        let response = client.post(literal).body("{}").send().await.unwrap();
        assert_eq!(response.status(), 200);
        // By name: localhost's ::1 is dropped and 127.0.0.1 is used.
        let by_name = format!("http://localhost:{}/", address.port());
        let response = client.get(by_name).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    #[tokio::test]
    async fn redirects_are_returned_not_followed() {
        let address = serve(FOUND).await;
        let response = http("127.0.0.1/32")
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(
            response.headers()["location"],
            "http://127.0.0.1:9/elsewhere"
        );
    }

    #[tokio::test]
    async fn failures_are_described_briefly() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let error = http("127.0.0.1/32")
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap_err();
        assert!(!is_blocked(&error));
        assert_eq!(describe(&error), "connection refused");

        // A listener that accepts and never answers.
        let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = silent.local_addr().unwrap();
        let client = client(guard("127.0.0.1/32"), Duration::from_millis(300)).unwrap();
        let error = client
            .get(format!("http://{address}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(describe(&error), "timed out");
        drop(silent);
    }
}
