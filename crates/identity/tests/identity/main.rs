//! The identity platform on both database backends: staff accounts and invitations,
//! signing in with password and second factor or with a passkey, throttling, sessions, the
//! profile vault with its data-use log and consents, and export, erasure and retention of
//! personal data.

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

mod accounts;
mod citizens;
mod common;
mod passkeys;
mod personal_data;
mod sessions;
mod sign_in;
mod soft_authenticator;
mod vault;
