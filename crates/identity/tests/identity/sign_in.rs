//! Signing in: password, authenticator enrolment and codes, recovery codes, throttling, and
//! the limit on concurrent password hashing.

use std::time::Duration;

use rathaus_base::Database;
use rathaus_base::testing::each_backend;
use rathaus_identity::{
    IdentityConfig, IdentityError, IdentityStore, PasswordPolicy, Role, SignInStep,
};

use crate::common::{
    CLIENT, PASSWORD, app_code, enrolled, later, migrations, morning, roles, sign_in, store,
};

#[tokio::test]
async fn the_first_sign_in_sets_up_the_app_and_rotates_the_token() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let now = morning();
        store
            .create_staff(
                "anna@stadt.example",
                "Anna",
                PASSWORD,
                &roles(&[Role::Editor]),
                now,
            )
            .await
            .unwrap();

        let step = store
            .sign_in_with_password("ANNA@stadt.example", PASSWORD, CLIENT, now)
            .await
            .unwrap();
        let SignInStep::EnrolmentRequired { pending } = step else {
            panic!("expected enrolment, got {step:?}");
        };
        assert!(
            store.session(&pending, now).await.unwrap().is_none(),
            "a pending sign-in is no session"
        );
        let early = store.confirm_totp_enrolment(&pending, "123456", now).await;
        assert!(matches!(early, Err(IdentityError::EnrolmentNotStarted)));

        let enrolment = store.begin_totp_enrolment(&pending, now).await.unwrap();
        assert!(
            enrolment
                .otpauth_uri
                .starts_with("otpauth://totp/Rathaus:anna%40stadt.example?")
        );
        assert!(enrolment.otpauth_uri.contains(&enrolment.secret_base32));
        let wrong = store.confirm_totp_enrolment(&pending, "000000", now).await;
        assert!(
            matches!(wrong, Err(IdentityError::InvalidCode)),
            "{wrong:?}"
        );

        let code = app_code(&enrolment.secret_base32, now);
        let (token, codes) = store
            .confirm_totp_enrolment(&pending, &code, now)
            .await
            .unwrap();
        assert_ne!(token, pending);
        assert_eq!(codes.codes().len(), 10);
        for code in codes.codes() {
            assert_eq!(code.len(), 14, "{code}");
            assert!(code.chars().all(|letter| letter == '-'
                || letter.is_ascii_lowercase()
                || letter.is_ascii_digit()));
        }

        let session = store.session(&token, now).await.unwrap().unwrap();
        assert_eq!(session.account.email, "anna@stadt.example");
        assert!(session.account.second_factor_enrolled);
        assert!(session.second_factor_passed);
        assert_eq!(session.trust_level, "low");
        let reused = store
            .verify_second_factor(&pending, &code, CLIENT, now)
            .await;
        assert!(matches!(reused, Err(IdentityError::PendingSignInInvalid)));
        assert!(store.session(&pending, now).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_later_sign_in_asks_for_a_code_and_gives_a_new_session() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;

        let now = later(morning(), 600);
        let token = sign_in(&store, "anna@stadt.example", &anna.secret, now).await;
        assert_ne!(token, anna.token);
        let session = store.session(&token, now).await.unwrap().unwrap();
        assert_eq!(session.account.id, anna.account.id);
        assert_eq!(
            store.sessions_of(anna.account.id, now).await.unwrap().len(),
            2
        );
    })
    .await;
}

#[tokio::test]
async fn an_authenticator_code_is_accepted_only_once() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let pending = |seconds| {
            let store = store.clone();
            async move {
                let step = store
                    .sign_in_with_password(
                        "anna@stadt.example",
                        PASSWORD,
                        CLIENT,
                        later(morning(), seconds),
                    )
                    .await
                    .unwrap();
                step.pending().clone()
            }
        };

        // The code that confirmed the enrolment cannot sign in again.
        let first = pending(5).await;
        let code = app_code(&anna.secret, morning());
        let replay = store
            .verify_second_factor(&first, &code, CLIENT, later(morning(), 5))
            .await;
        assert!(
            matches!(replay, Err(IdentityError::CodeAlreadyUsed)),
            "{replay:?}"
        );

        // The next step's code works once, and then neither it nor an older one does.
        let now = later(morning(), 30);
        store
            .verify_second_factor(&first, &app_code(&anna.secret, now), CLIENT, now)
            .await
            .unwrap();
        let second = pending(31).await;
        let again = store
            .verify_second_factor(
                &second,
                &app_code(&anna.secret, now),
                CLIENT,
                later(morning(), 31),
            )
            .await;
        assert!(matches!(again, Err(IdentityError::CodeAlreadyUsed)));
        let wrong = store
            .verify_second_factor(&second, "999999", CLIENT, later(morning(), 31))
            .await;
        assert!(matches!(
            wrong,
            Err(IdentityError::InvalidCode | IdentityError::CodeAlreadyUsed)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let code = anna.codes.codes()[3].clone();

        let now = later(morning(), 600);
        let step = store
            .sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, now)
            .await
            .unwrap();
        let typed = code.to_uppercase().replace('-', " ");
        let token = store
            .verify_second_factor(step.pending(), &typed, CLIENT, now)
            .await
            .unwrap();
        assert!(store.session(&token, now).await.unwrap().is_some());

        let step = store
            .sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, now)
            .await
            .unwrap();
        let again = store
            .verify_second_factor(step.pending(), &code, CLIENT, now)
            .await;
        assert!(matches!(again, Err(IdentityError::InvalidCode)));
        let other = &anna.codes.codes()[4];
        assert!(
            store
                .verify_second_factor(step.pending(), other, CLIENT, now)
                .await
                .is_ok()
        );

        let events = store.audit_events(10).await.unwrap();
        assert!(
            events
                .iter()
                .any(|event| event.kind == "second_factor.recovery_code_used"
                    && event.detail == "8 recovery codes left")
        );
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_give_the_same_error() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;

        let wrong = store
            .sign_in_with_password("anna@stadt.example", "not the password", CLIENT, morning())
            .await;
        let unknown = store
            .sign_in_with_password("nobody@stadt.example", PASSWORD, CLIENT, morning())
            .await;
        let too_long = store
            .sign_in_with_password("anna@stadt.example", &"x".repeat(500), CLIENT, morning())
            .await;
        for result in [wrong, unknown, too_long] {
            assert!(
                matches!(result, Err(IdentityError::InvalidCredentials)),
                "{result:?}"
            );
        }
        let failures = store.audit_events(10).await.unwrap();
        assert_eq!(
            failures
                .iter()
                .filter(|event| event.kind == "sign_in.failed")
                .count(),
            3
        );
    })
    .await;
}

#[tokio::test]
async fn failed_passwords_make_an_account_wait_longer_and_longer() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let attempt = |password: &'static str, client: &'static str, seconds: i64| {
            let store = store.clone();
            async move {
                store
                    .sign_in_with_password("anna@stadt.example", password, client, later(morning(), seconds))
                    .await
            }
        };

        for number in 0..5 {
            let result = attempt("wrong password 1", "client-a", 10 + number).await;
            assert!(matches!(result, Err(IdentityError::InvalidCredentials)));
        }
        // The sixth failure imposes a wait of one second, the seventh two.
        assert!(matches!(attempt("wrong password 1", "client-b", 20).await, Err(IdentityError::InvalidCredentials)));
        let blocked = attempt(PASSWORD, "client-c", 20).await;
        assert!(matches!(blocked, Err(IdentityError::Throttled { retry_after }) if retry_after == Duration::from_secs(1)), "{blocked:?}");
        assert!(matches!(attempt("wrong password 1", "client-d", 21).await, Err(IdentityError::InvalidCredentials)));
        let blocked = attempt(PASSWORD, "client-e", 22).await;
        assert!(matches!(blocked, Err(IdentityError::Throttled { retry_after }) if retry_after == Duration::from_secs(1)), "{blocked:?}");

        // After the wait the right password works and clears the count.
        let step = attempt(PASSWORD, "client-f", 23).await.unwrap();
        store
            .verify_second_factor(step.pending(), &app_code(&anna.secret, later(morning(), 60)), "client-f", later(morning(), 60))
            .await
            .unwrap();
        assert!(matches!(attempt("wrong password 1", "client-g", 61).await, Err(IdentityError::InvalidCredentials)));
        assert!(attempt(PASSWORD, "client-g", 62).await.is_ok());

        let events = store.audit_events(100).await.unwrap();
        assert!(events.iter().any(|event| event.kind == "sign_in.throttled"));
    })
    .await;
}

#[tokio::test]
async fn one_client_guessing_many_addresses_is_slowed_down_too() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        for number in 0..6 {
            let email = format!("guess{number}@stadt.example");
            let result = store
                .sign_in_with_password(&email, PASSWORD, CLIENT, morning())
                .await;
            assert!(matches!(result, Err(IdentityError::InvalidCredentials)));
        }
        let blocked = store
            .sign_in_with_password("guess9@stadt.example", PASSWORD, CLIENT, morning())
            .await;
        assert!(
            matches!(blocked, Err(IdentityError::Throttled { .. })),
            "{blocked:?}"
        );
        let other_client = store
            .sign_in_with_password(
                "guess9@stadt.example",
                PASSWORD,
                "client-elsewhere",
                morning(),
            )
            .await;
        assert!(matches!(
            other_client,
            Err(IdentityError::InvalidCredentials)
        ));
    })
    .await;
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let now = later(morning(), 300);
        let step = store
            .sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, now)
            .await
            .unwrap();

        for _ in 0..6 {
            let wrong = store
                .verify_second_factor(step.pending(), "000000", CLIENT, now)
                .await;
            assert!(matches!(
                wrong,
                Err(IdentityError::InvalidCode | IdentityError::CodeAlreadyUsed)
            ));
        }
        let right = app_code(&anna.secret, now);
        let blocked = store
            .verify_second_factor(step.pending(), &right, CLIENT, now)
            .await;
        assert!(
            matches!(blocked, Err(IdentityError::Throttled { .. })),
            "{blocked:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_pending_sign_in_ends_after_ten_minutes() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let step = store
            .sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, later(morning(), 60))
            .await
            .unwrap();

        let late = later(morning(), 60 + 600);
        let code = app_code(&anna.secret, late);
        let result = store
            .verify_second_factor(step.pending(), &code, CLIENT, late)
            .await;
        assert!(matches!(result, Err(IdentityError::PendingSignInInvalid)));
    })
    .await;
}

#[tokio::test]
async fn a_hash_with_old_parameters_is_renewed_at_sign_in() {
    each_backend(&migrations(), |database| async move {
        #[derive(sqlx::FromRow)]
        struct Stored {
            password_hash: String,
        }
        let stored = |database: Database| async move {
            let row: Stored = database
                .fetch_one("SELECT password_hash FROM identity_accounts", &[])
                .await
                .unwrap();
            row.password_hash
        };

        let old = store(database.clone());
        old.create_staff(
            "anna@stadt.example",
            "Anna",
            PASSWORD,
            &roles(&[Role::Editor]),
            morning(),
        )
        .await
        .unwrap();
        assert!(stored(database.clone()).await.contains("m=8,"));

        let mut config = IdentityConfig::for_tests();
        config.password = PasswordPolicy {
            memory_kib: 32,
            ..config.password
        };
        let new = IdentityStore::new(database.clone(), config);
        new.sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, morning())
            .await
            .unwrap();
        assert!(stored(database.clone()).await.contains("m=32,"));
        assert!(
            new.sign_in_with_password("anna@stadt.example", PASSWORD, CLIENT, morning())
                .await
                .is_ok()
        );
    })
    .await;
}

#[tokio::test]
async fn sign_ins_beyond_the_hashing_slots_are_told_to_come_back() {
    each_backend(&migrations(), |database| async move {
        let config = IdentityConfig {
            password: PasswordPolicy {
                memory_kib: 8 * 1024,
                iterations: 4,
                ..PasswordPolicy::default()
            },
            max_concurrent_hashes: 1,
            hash_wait: Duration::ZERO,
            ..IdentityConfig::for_tests()
        };
        let store = IdentityStore::new(database, config);

        let attempts: Vec<_> = (0..6)
            .map(|number| {
                let store = store.clone();
                tokio::spawn(async move {
                    let email = format!("someone{number}@stadt.example");
                    let client = format!("client-{number}");
                    store
                        .sign_in_with_password(&email, PASSWORD, &client, morning())
                        .await
                })
            })
            .collect();
        let mut results = Vec::new();
        for attempt in attempts {
            results.push(attempt.await.unwrap());
        }

        let busy = results
            .iter()
            .filter(|result| matches!(result, Err(IdentityError::Busy { retry_after }) if !retry_after.is_zero()))
            .count();
        let answered = results
            .iter()
            .filter(|result| matches!(result, Err(IdentityError::InvalidCredentials)))
            .count();
        assert!(busy >= 1, "{results:?}");
        assert!(answered >= 1, "{results:?}");
        assert_eq!(busy + answered, 6);
    })
    .await;
}
