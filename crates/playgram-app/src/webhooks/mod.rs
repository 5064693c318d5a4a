//! Outbound webhooks: every catalogued event, delivered to the workspace's endpoints as a signed
//! Standard Webhooks request, retried on a schedule, logged per attempt, replayable; and request
//! bins to receive them while setting up.
//!
//! The path of one event:
//! 1. The event sequencer hands each batch of events to [`fanout::Fanout`] inside its transaction.
//!    For every enabled endpoint whose event types and payload filter match, it writes a message
//!    (`msg_…`, the `webhook-id`; the body `{"type","timestamp","data"}` fixed once) and a
//!    `webhooks.deliver` job, so an event is fanned out exactly once and nothing is lost.
//! 2. A worker dedicated to the `webhooks` queue ([`deliver::DeliverJob`]) signs and sends it
//!    through the SSRF-guarded client ([`ssrf`]): 15 s timeout, redirects not followed. Each
//!    endpoint has at most `max_in_flight` requests in flight per instance (4 while it fails); a
//!    job that finds its endpoint full steps aside until about its turn ([`gate`]; deferred, not
//!    counted as an attempt), so a hanging endpoint holds a few slots and everyone else's
//!    deliveries go on.
//! 3. Every attempt (request, response, timing, error) is written by [`log_writer`], which commits
//!    the attempts of many deliveries together (group commit); a delivery reports done only after
//!    its log row is committed.
//! 4. Failures are retried on `webhooks_retry_schedule` (immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
//!    10 h, 10 h by default, ±10 % jitter), later when `Retry-After` says so on 429 and 503. A 410
//!    disables the endpoint; so does failing without a single success for
//!    `webhooks_disable_after_hours` (5 days), and then the owners and admins get an email and the
//!    workspace a `webhook_endpoint.disabled` event.

pub mod api;
pub mod bins;
pub mod deliver;
pub mod endpoint;
pub mod events;
pub mod fanout;
pub mod filter;
pub mod gate;
pub mod log_writer;
pub mod messages;
pub mod notify;
pub mod prepared;
pub mod sender;
pub mod service;
pub mod signature;
pub mod ssrf;
pub mod store;
pub mod views;
