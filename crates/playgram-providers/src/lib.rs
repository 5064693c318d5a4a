//! Playgram's external APIs, one module per provider: their wire formats parsed into typed values,
//! their signatures, and their HTTP clients (each with a base URL from config, so tests point them
//! at the fakes in `playgram-testkit`). Nothing here touches the database.

pub mod meta;
