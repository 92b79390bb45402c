//! Passkeys: adding one while signed in, signing in with it alone, and the rules around the
//! ceremonies and the account's credentials. The answers come from a software authenticator
//! ([`crate::soft_authenticator`]) that signs as a device would.

use rathaus_base::testing::each_backend;
use rathaus_identity::{AccountKind, IdentityError, IdentityStore, PasskeyInfo, SessionToken};
use uuid::Uuid;

use crate::common::{CLIENT, PASSWORD, later, migrations, morning, store};
use crate::soft_authenticator::{ORIGIN, PRESENT_ONLY, SoftPasskey};

/// Signs up a citizen with a password: the account's id and session.
async fn citizen(store: &IdentityStore, email: &str) -> (Uuid, SessionToken) {
    let mail = store
        .sign_up(email, "Maria Muster", PASSWORD, CLIENT, morning())
        .await
        .unwrap();
    let rathaus_identity::AddressMail::Confirm(link) = mail else {
        panic!("a free address gets the sign-up link, got {mail:?}");
    };
    let (account, session) = store
        .complete_sign_up(&link.token, morning())
        .await
        .unwrap();
    (account.id, session)
}

/// Adds a passkey made from `seed` to the account.
async fn add_passkey(
    store: &IdentityStore,
    account_id: Uuid,
    seed: u8,
) -> (SoftPasskey, PasskeyInfo) {
    let ceremony = store
        .begin_passkey_registration(account_id, CLIENT, morning())
        .await
        .unwrap();
    let (device, answer) = SoftPasskey::register(&ceremony.options, ORIGIN, seed);
    let info = store
        .finish_passkey_registration(account_id, &ceremony.token, &answer, "Laptop", morning())
        .await
        .unwrap();
    (device, info)
}

/// Signs in with the device's passkey at `now`.
async fn sign_in(
    store: &IdentityStore,
    device: &mut SoftPasskey,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<SessionToken, IdentityError> {
    let ceremony = store.begin_passkey_sign_in(CLIENT, now).await.unwrap();
    let answer = device.sign(&ceremony.options, ORIGIN);
    store
        .finish_passkey_sign_in(&ceremony.token, &answer, CLIENT, now)
        .await
}

#[tokio::test]
async fn a_passkey_added_while_signed_in_signs_in_alone_and_skips_the_app_code() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let (account_id, _) = citizen(&store, "maria@example.org").await;
        // An authenticator app asks for a code after the password, never after a passkey.
        database
            .execute(
                "UPDATE identity_accounts SET totp_secret = 'JBSWY3DPEHPK3PXP' WHERE id = $1",
                &[account_id.into()],
            )
            .await
            .unwrap();

        let ceremony = store
            .begin_passkey_registration(account_id, CLIENT, morning())
            .await
            .unwrap();
        let public_key = &ceremony.options["publicKey"];
        assert_eq!(public_key["rp"]["id"], "localhost");
        assert_eq!(
            public_key["authenticatorSelection"]["residentKey"], "required",
            "signing in without an address needs a discoverable credential"
        );
        assert_eq!(
            public_key["authenticatorSelection"]["userVerification"],
            "required"
        );
        let (mut device, answer) = SoftPasskey::register(&ceremony.options, ORIGIN, 7);
        let added = store
            .finish_passkey_registration(
                account_id,
                &ceremony.token,
                &answer,
                " Laptop ",
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(added.name, "Laptop");

        let now = later(morning(), 60);
        let token = sign_in(&store, &mut device, now).await.unwrap();
        let session = store.session(&token, now).await.unwrap().unwrap();
        assert_eq!(session.account.id, account_id);
        assert_eq!(session.account.kind, AccountKind::Citizen);
        assert!(session.second_factor_passed);

        let listed = store.passkeys_of(account_id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].last_used_at, Some(now));
        let events = store.audit_events(10).await.unwrap();
        assert!(events.iter().any(|event| event.kind == "sign_in.succeeded"
            && event.detail == "passkey"
            && event.account_id == Some(account_id)));
        assert!(events.iter().any(|event| event.kind == "passkey.added"));

        // The signature counter was stored: the next sign-in, counting on, works too.
        sign_in(&store, &mut device, later(now, 60)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_ceremony_works_once_and_only_within_five_minutes() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (account_id, _) = citizen(&store, "maria@example.org").await;
        let (mut device, _) = add_passkey(&store, account_id, 7).await;

        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let answer = device.sign(&ceremony.options, ORIGIN);
        store
            .finish_passkey_sign_in(&ceremony.token, &answer, CLIENT, morning())
            .await
            .unwrap();
        let replayed = store
            .finish_passkey_sign_in(&ceremony.token, &answer, CLIENT, morning())
            .await;
        assert!(
            matches!(replayed, Err(IdentityError::PasskeyCeremonyInvalid)),
            "a used ceremony is gone, got {replayed:?}"
        );

        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let answer = device.sign(&ceremony.options, ORIGIN);
        let late = store
            .finish_passkey_sign_in(&ceremony.token, &answer, CLIENT, later(morning(), 301))
            .await;
        assert!(matches!(late, Err(IdentityError::PasskeyCeremonyInvalid)));

        // A registration begun by one account cannot be finished by another.
        let (other_id, _) = citizen(&store, "other@example.org").await;
        let ceremony = store
            .begin_passkey_registration(account_id, CLIENT, morning())
            .await
            .unwrap();
        let (_, answer) = SoftPasskey::register(&ceremony.options, ORIGIN, 9);
        let taken = store
            .finish_passkey_registration(other_id, &ceremony.token, &answer, "Phone", morning())
            .await;
        assert!(matches!(taken, Err(IdentityError::PasskeyCeremonyInvalid)));
    })
    .await;
}

#[tokio::test]
async fn a_client_that_leaves_many_ceremonies_unfinished_waits_until_the_oldest_expires() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        for second in 0..20 {
            store
                .begin_passkey_sign_in(CLIENT, later(morning(), second))
                .await
                .unwrap();
        }

        let refused = store
            .begin_passkey_sign_in(CLIENT, later(morning(), 30))
            .await;
        let Err(IdentityError::Throttled { retry_after }) = refused else {
            panic!("the 21st open ceremony must be refused, got {refused:?}");
        };
        assert_eq!(
            retry_after.as_secs(),
            270,
            "the wait lasts until the first ceremony (begun at 0 s, open 300 s) expires"
        );

        store
            .begin_passkey_sign_in("198.51.100.7", later(morning(), 30))
            .await
            .expect("another client is not affected");
        store
            .begin_passkey_sign_in(CLIENT, later(morning(), 300))
            .await
            .expect("once the oldest ceremony expired, the client may begin again");
    })
    .await;
}

#[tokio::test]
async fn the_purge_deletes_expired_ceremonies() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        store
            .begin_passkey_sign_in(CLIENT, later(morning(), 200))
            .await
            .unwrap();

        store.purge(later(morning(), 301)).await.unwrap();

        let rows = rows(&database).await;
        assert_eq!(rows.ceremonies, 1, "only the ceremony still running stays");
    })
    .await;
}

/// How many passkeys and ceremonies the tables hold.
#[derive(sqlx::FromRow)]
struct Rows {
    passkeys: i64,
    ceremonies: i64,
}

async fn rows(database: &rathaus_base::Database) -> Rows {
    database
        .fetch_one(
            "SELECT (SELECT COUNT(*) FROM identity_passkeys) AS passkeys, \
             (SELECT COUNT(*) FROM identity_passkey_ceremonies) AS ceremonies",
            &[],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_passkey_of_one_account_neither_signs_in_as_nor_is_changed_by_another() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (anna, _) = citizen(&store, "anna@example.org").await;
        let (bert, _) = citizen(&store, "bert@example.org").await;
        let (device, annas_passkey) = add_passkey(&store, anna, 7).await;

        // Anna's device claims to be Bert's.
        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let forged = device.sign_as(&ceremony.options, ORIGIN, bert.as_bytes(), 0x05);
        let refused = store
            .finish_passkey_sign_in(&ceremony.token, &forged, CLIENT, morning())
            .await;
        assert!(matches!(refused, Err(IdentityError::PasskeyNotAccepted)));

        let renamed = store.rename_passkey(bert, annas_passkey.id, "Mine").await;
        assert!(matches!(renamed, Err(IdentityError::PasskeyNotFound)));
        let removed = store
            .remove_passkey(bert, annas_passkey.id, morning())
            .await;
        assert!(matches!(removed, Err(IdentityError::PasskeyNotFound)));
        assert_eq!(store.passkeys_of(anna).await.unwrap()[0].name, "Laptop");
        assert!(store.passkeys_of(bert).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_passkey_is_refused_from_another_origin_without_verification_or_once_removed() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (account_id, _) = citizen(&store, "maria@example.org").await;
        let (mut device, info) = add_passkey(&store, account_id, 7).await;

        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let phished = device.sign(&ceremony.options, "http://localhost.evil.example");
        let refused = store
            .finish_passkey_sign_in(&ceremony.token, &phished, CLIENT, morning())
            .await;
        assert!(matches!(refused, Err(IdentityError::PasskeyNotAccepted)));

        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let unverified = device.sign_as(
            &ceremony.options,
            ORIGIN,
            account_id.as_bytes(),
            PRESENT_ONLY,
        );
        let refused = store
            .finish_passkey_sign_in(&ceremony.token, &unverified, CLIENT, morning())
            .await;
        assert!(matches!(refused, Err(IdentityError::PasskeyNotAccepted)));

        store
            .remove_passkey(account_id, info.id, morning())
            .await
            .unwrap();
        let gone = sign_in(&store, &mut device, morning()).await;
        assert!(matches!(gone, Err(IdentityError::PasskeyNotAccepted)));
        let events = store.audit_events(20).await.unwrap();
        assert!(events.iter().any(|event| event.kind == "passkey.removed"));
        assert!(
            events
                .iter()
                .any(|event| event.kind == "sign_in.failed" && event.detail.starts_with("passkey"))
        );
    })
    .await;
}

#[tokio::test]
async fn failed_passkey_answers_count_for_the_client_like_wrong_passwords() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let free = store.config().throttle.free_failures;
        let mut outcome = Ok(SessionToken::new(""));
        for _ in 0..=free {
            let ceremony = store
                .begin_passkey_sign_in(CLIENT, morning())
                .await
                .unwrap();
            outcome = store
                .finish_passkey_sign_in(
                    &ceremony.token,
                    "{\"not\": \"webauthn\"}",
                    CLIENT,
                    morning(),
                )
                .await;
        }
        assert!(matches!(outcome, Err(IdentityError::PasskeyNotAccepted)));

        let ceremony = store
            .begin_passkey_sign_in(CLIENT, morning())
            .await
            .unwrap();
        let throttled = store
            .finish_passkey_sign_in(&ceremony.token, "{}", CLIENT, morning())
            .await;
        assert!(
            matches!(throttled, Err(IdentityError::Throttled { .. })),
            "got {throttled:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_account_without_a_password_deletes_itself_after_a_recent_sign_in() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (account_id, session) = citizen(&store, "maria@example.org").await;
        let session_id = store
            .session(&session, morning())
            .await
            .unwrap()
            .unwrap()
            .id;
        let (mut device, _) = add_passkey(&store, account_id, 7).await;
        store
            .remove_password(account_id, PASSWORD, session_id, morning())
            .await
            .unwrap();

        // A session from an hour ago does not confirm; a sign-in with the passkey does.
        let an_hour_later = later(morning(), 3_600);
        let stale = store
            .delete_own_account(account_id, morning(), "", an_hour_later)
            .await;
        assert!(
            matches!(stale, Err(IdentityError::SignInNotRecent)),
            "{stale:?}"
        );
        assert!(store.account(account_id).await.unwrap().is_some());

        let fresh = sign_in(&store, &mut device, an_hour_later).await.unwrap();
        let signed_in_at = store
            .session(&fresh, an_hour_later)
            .await
            .unwrap()
            .unwrap()
            .created_at;
        store
            .delete_own_account(account_id, signed_in_at, "", later(an_hour_later, 120))
            .await
            .unwrap();
        assert!(store.account(account_id).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn the_password_goes_only_with_a_passkey_and_the_last_credential_stays() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let email = "maria@example.org";
        let (account_id, session) = citizen(&store, email).await;
        let session_id = store
            .session(&session, morning())
            .await
            .unwrap()
            .unwrap()
            .id;

        let without_passkey = store
            .remove_password(account_id, PASSWORD, session_id, morning())
            .await;
        assert!(matches!(
            without_passkey,
            Err(IdentityError::LastCredential)
        ));
        assert!(store.has_password(account_id).await.unwrap());

        let (mut device, info) = add_passkey(&store, account_id, 7).await;
        let wrong = store
            .remove_password(account_id, "not the password", session_id, morning())
            .await;
        assert!(matches!(wrong, Err(IdentityError::InvalidCredentials)));
        store
            .remove_password(account_id, PASSWORD, session_id, morning())
            .await
            .unwrap();
        assert!(!store.has_password(account_id).await.unwrap());
        assert!(store.session(&session, morning()).await.unwrap().is_some());
        let by_password = store
            .sign_in_citizen(email, PASSWORD, CLIENT, morning())
            .await;
        assert!(matches!(
            by_password,
            Err(IdentityError::InvalidCredentials)
        ));
        sign_in(&store, &mut device, morning()).await.unwrap();

        let last = store.remove_passkey(account_id, info.id, morning()).await;
        assert!(matches!(last, Err(IdentityError::LastCredential)));
        assert_eq!(store.passkeys_of(account_id).await.unwrap().len(), 1);

        // A second passkey makes the first removable.
        add_passkey(&store, account_id, 8).await;
        store
            .remove_passkey(account_id, info.id, morning())
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn names_are_checked_and_a_device_is_registered_once() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (account_id, _) = citizen(&store, "maria@example.org").await;
        let (_, info) = add_passkey(&store, account_id, 7).await;

        for bad in ["", "   ", &"x".repeat(101), "Tab\there"] {
            let refused = store.rename_passkey(account_id, info.id, bad).await;
            assert!(
                matches!(refused, Err(IdentityError::InvalidPasskeyName)),
                "{bad:?} is refused"
            );
        }
        store
            .rename_passkey(account_id, info.id, "Telefon")
            .await
            .unwrap();
        assert_eq!(
            store.passkeys_of(account_id).await.unwrap()[0].name,
            "Telefon"
        );

        let ceremony = store
            .begin_passkey_registration(account_id, CLIENT, morning())
            .await
            .unwrap();
        let excluded = ceremony.options["publicKey"]["excludeCredentials"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(excluded, 1, "the browser is told which passkey exists");
        let (_, again) = SoftPasskey::register(&ceremony.options, ORIGIN, 7);
        let twice = store
            .finish_passkey_registration(account_id, &ceremony.token, &again, "Again", morning())
            .await;
        assert!(
            matches!(twice, Err(IdentityError::PasskeyAlreadyRegistered)),
            "got {twice:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn staff_accounts_have_no_passkeys_and_an_address_host_none_at_all() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let staff = crate::common::enrolled(
            &store,
            "anna@musterstadt.example",
            &[rathaus_identity::Role::Editor],
            morning(),
        )
        .await;
        let refused = store
            .begin_passkey_registration(staff.account.id, CLIENT, morning())
            .await;
        assert!(matches!(
            refused,
            Err(IdentityError::PasskeysForCitizensOnly)
        ));

        let config = rathaus_identity::IdentityConfig {
            public_url: "http://127.0.0.1:8080".to_owned(),
            ..rathaus_identity::IdentityConfig::for_tests()
        };
        let by_address = IdentityStore::new(database, config);
        let unavailable = by_address.begin_passkey_sign_in(CLIENT, morning()).await;
        assert!(matches!(
            unavailable,
            Err(IdentityError::PasskeysUnavailable)
        ));
    })
    .await;
}

#[tokio::test]
async fn the_export_lists_passkeys_without_keys_and_deletion_removes_them() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let (account_id, _) = citizen(&store, "maria@example.org").await;
        let (_, info) = add_passkey(&store, account_id, 7).await;

        let export = store.export_account(account_id).await.unwrap();
        assert_eq!(export.credentials.passkeys, vec![info]);
        let written = serde_json::to_string(&export).unwrap();
        assert!(!written.contains("cred_id") && !written.contains("\"key\""));

        store.delete_account(account_id, morning()).await.unwrap();
        assert_eq!(rows(&database).await.passkeys, 0);
    })
    .await;
}
