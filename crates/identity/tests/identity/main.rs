//! The identity platform on both database backends: staff accounts and invitations,
//! signing in with password and second factor, throttling, and sessions.

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

mod accounts;
mod citizens;
mod common;
mod sessions;
mod sign_in;
