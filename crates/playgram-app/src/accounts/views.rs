//! Dashboard pages for this domain.
