//! What the GDPR asks: a copy of everything held about a person, erasure that keeps only
//! the pseudonymised records, and retention periods.

use rathaus_base::mail::{MailMessage, Outbox};
use rathaus_base::testing::each_backend;
use rathaus_identity::audit::kinds;
use rathaus_identity::vault::catalogue::{EMAIL, FAMILY_NAME, GIVEN_NAMES, PHONE};
use rathaus_identity::vault::purposes;
use rathaus_identity::{IdentityError, IdentityStore, Purpose, Role};
use serde_json::json;
use uuid::Uuid;

use crate::common::{CLIENT, citizen, days_later, enrolled, later, migrations, morning, store};

const READER: &str = "process.residence_registration";

fn prefill() -> Purpose {
    Purpose::new(purposes::APPLICATION_PREFILL, "Register a residence").unwrap()
}

#[tokio::test]
async fn the_export_holds_everything_set_and_no_secret() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let id = anna.account.id;
        store
            .set_attribute(id, PHONE, &json!("+49 89 233-0"), morning())
            .await
            .unwrap();
        store
            .record_from_provider(id, "bundid", &[(FAMILY_NAME, json!("Huber"))], morning())
            .await
            .unwrap();
        store
            .grant_consent(id, purposes::CONTACT, morning())
            .await
            .unwrap();
        store
            .read_for_purpose(
                id,
                READER,
                &prefill(),
                &[FAMILY_NAME],
                "prefilled into 2026-000123",
                morning(),
            )
            .await
            .unwrap();
        let _ = store
            .sign_in_with_password("anna@stadt.example", "wrong password!", CLIENT, morning())
            .await;

        let export = store.export_account(id).await.unwrap();
        assert_eq!(export.account.id, id);
        assert_eq!(export.account.email, "anna@stadt.example");
        assert_eq!(export.account.display_name, "Anna Huber");
        assert!(export.account.roles.contains(&Role::Editor));
        assert!(export.credentials.password_set);
        assert!(export.credentials.second_factor_enrolled);
        assert_eq!(export.credentials.recovery_codes_unused, 10);
        assert_eq!(export.sessions.len(), 1);
        assert!(export.invitations.is_empty());
        assert_eq!(
            export
                .failed_sign_ins
                .as_ref()
                .map(|failures| failures.failures),
            Some(1)
        );
        let names: Vec<&str> = export
            .profile
            .iter()
            .map(|attribute| attribute.name.as_str())
            .collect();
        assert_eq!(names, [PHONE, FAMILY_NAME]);
        assert_eq!(export.data_uses.len(), 1);
        assert_eq!(export.consents.len(), 1);
        let kinds: Vec<&str> = export
            .audit_events
            .iter()
            .map(|event| event.kind.as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                kinds::ACCOUNT_CREATED,
                kinds::SECOND_FACTOR_ENROLLED,
                kinds::SIGN_IN_SUCCEEDED,
                kinds::SIGN_IN_FAILED
            ]
        );

        let text = serde_json::to_string(&export).unwrap();
        assert!(!text.contains("argon2"), "no password hash");
        assert!(!text.contains(&anna.secret), "no authenticator secret");
        assert!(!text.contains(anna.token.as_str()), "no session token");
        assert!(!text.contains(&anna.codes.codes()[0]), "no recovery code");
        assert!(!text.contains("admin@stadt.example"));
        assert!(!text.contains(&admin.account.id.to_string()));

        let nobody = store.export_account(Uuid::now_v7()).await;
        assert!(matches!(nobody, Err(IdentityError::AccountNotFound)));
    })
    .await;
}

/// Gives a person two values, a consent and a read.
async fn fill_profile(store: &IdentityStore, person: Uuid) {
    store
        .set_attribute(person, GIVEN_NAMES, &json!("Anna"), morning())
        .await
        .unwrap();
    store
        .set_attribute(person, EMAIL, &json!("anna.private@example.org"), morning())
        .await
        .unwrap();
    store
        .grant_consent(person, purposes::CONTACT, morning())
        .await
        .unwrap();
    store
        .read_for_purpose(
            person,
            READER,
            &prefill(),
            &[GIVEN_NAMES],
            "prefilled into 2026-000123",
            morning(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_an_account_erases_the_person_and_keeps_the_pseudonymised_records() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let _admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let id = anna.account.id;
        for person in [id, erika] {
            fill_profile(&store, person).await;
        }

        let deleted_at = later(morning(), 3600);
        let report = store.delete_account(id, deleted_at).await.unwrap();
        assert_eq!(report.profile_values, 2);
        assert_eq!(report.consents, 1);
        assert_eq!(report.sessions, 1);
        assert_eq!(report.kept_data_uses, 1);
        assert_eq!(
            report.kept_audit_events, 4,
            "created, enrolled, signed in, deleted"
        );

        assert_eq!(store.account(id).await.unwrap(), None);
        assert!(
            store
                .session(&anna.token, deleted_at)
                .await
                .unwrap()
                .is_none()
        );
        let again = store
            .sign_in_with_password(
                "anna@stadt.example",
                crate::common::PASSWORD,
                CLIENT,
                deleted_at,
            )
            .await;
        assert!(matches!(again, Err(IdentityError::InvalidCredentials)));
        assert!(store.profile(id).await.unwrap().is_empty());
        assert!(store.consents(id).await.unwrap().is_empty());
        assert_eq!(
            store.data_uses(id).await.unwrap().len(),
            1,
            "kept for its period"
        );
        assert!(matches!(
            store.export_account(id).await,
            Err(IdentityError::AccountNotFound)
        ));
        assert!(matches!(
            store.delete_account(id, deleted_at).await,
            Err(IdentityError::AccountNotFound)
        ));

        let events = store.audit_events(100).await.unwrap();
        let about: Vec<_> = events
            .iter()
            .filter(|event| event.account_id == Some(id))
            .collect();
        assert_eq!(
            about.len(),
            4,
            "the sign-in after the deletion is one of an unknown address"
        );
        let deletion = about
            .iter()
            .find(|event| event.kind == kinds::ACCOUNT_DELETED)
            .unwrap();
        assert_eq!(deletion.at, deleted_at);
        let text = format!("{events:?}");
        for personal in [
            "anna@stadt.example",
            "Anna Huber",
            "anna.private@example.org",
        ] {
            assert!(
                !text.contains(personal),
                "{personal} is left in the audit log"
            );
        }

        // The other people are untouched.
        assert_eq!(store.profile(erika).await.unwrap().len(), 2);
        assert_eq!(store.consents(erika).await.unwrap().len(), 1);
        assert_eq!(store.data_uses(erika).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn mail_to_a_deleted_account_waits_no_longer_in_the_outbox() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let outbox = Outbox::new(database.clone());
        for to in [
            "erika@example.org",
            "Erika Muster <Erika@Example.org>",
            "erika_2@example.org",
            "max@example.org",
        ] {
            let message = MailMessage {
                to: to.to_owned(),
                subject: "Ihr Antrag".to_owned(),
                text: "Guten Tag".to_owned(),
                html: None,
            };
            outbox.enqueue(&message, morning()).await.unwrap();
        }
        let before = outbox.waiting().await.unwrap();

        store.delete_account(erika, morning()).await.unwrap();

        assert_eq!(
            before - outbox.waiting().await.unwrap(),
            2,
            "both messages to Erika's address went, the others wait"
        );
    })
    .await;
}

#[tokio::test]
async fn the_last_administrator_cannot_be_deleted() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let first = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let refused = store.delete_account(first.account.id, morning()).await;
        assert!(
            matches!(refused, Err(IdentityError::LastAdmin)),
            "{refused:?}"
        );
        assert!(store.account(first.account.id).await.unwrap().is_some());

        let second = enrolled(&store, "it@stadt.example", &[Role::Admin], morning()).await;
        store
            .delete_account(first.account.id, morning())
            .await
            .unwrap();
        assert!(store.account(second.account.id).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn retention_deletes_log_entries_past_their_period_and_keeps_younger_ones() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store.mark_account_verified(erika, morning()).await.unwrap();
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Admin], morning()).await;
        let read = |at| {
            let store = store.clone();
            async move {
                store
                    .read_for_purpose(erika, READER, &prefill(), &[GIVEN_NAMES], "prefilled", at)
                    .await
                    .unwrap();
            }
        };
        read(morning()).await;
        read(days_later(morning(), 400)).await;
        let _ = store
            .sign_in_with_password(
                "anna@stadt.example",
                "wrong password!",
                CLIENT,
                days_later(morning(), 200),
            )
            .await;

        let report = store
            .enforce_retention(days_later(morning(), 366))
            .await
            .unwrap();
        assert_eq!(
            report.audit_events, 3,
            "created, enrolled and signed in a year ago"
        );
        assert_eq!(report.data_uses, 0);
        let left = store.audit_events(100).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].kind, kinds::SIGN_IN_FAILED);

        let report = store
            .enforce_retention(days_later(morning(), 731))
            .await
            .unwrap();
        assert_eq!(report.data_uses, 1);
        let log = store.data_uses(erika).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].at, days_later(morning(), 400));

        let nothing = store
            .enforce_retention(days_later(morning(), 731))
            .await
            .unwrap();
        assert!(nothing.is_empty(), "{nothing:?}");
        assert!(store.account(anna.account.id).await.unwrap().is_some());
        assert!(
            store.account(erika).await.unwrap().is_some(),
            "a verified account stays"
        );
    })
    .await;
}

#[tokio::test]
async fn data_uses_of_a_deleted_account_are_deleted_with_their_period() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store
            .read_for_purpose(
                erika,
                READER,
                &prefill(),
                &[GIVEN_NAMES],
                "prefilled",
                morning(),
            )
            .await
            .unwrap();
        store.delete_account(erika, morning()).await.unwrap();

        store
            .enforce_retention(days_later(morning(), 729))
            .await
            .unwrap();
        assert_eq!(store.data_uses(erika).await.unwrap().len(), 1);
        store
            .enforce_retention(days_later(morning(), 731))
            .await
            .unwrap();
        assert!(store.data_uses(erika).await.unwrap().is_empty());
        assert!(
            store.audit_events(10).await.unwrap().is_empty(),
            "the deletion record expired"
        );
    })
    .await;
}

#[tokio::test]
async fn unverified_citizen_accounts_go_after_seven_days_and_others_stay() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let never = citizen(&database, "never@example.org", morning()).await;
        store
            .set_attribute(never, GIVEN_NAMES, &json!("Nie"), morning())
            .await
            .unwrap();
        let verified = citizen(&database, "verified@example.org", morning()).await;
        store
            .mark_account_verified(verified, later(morning(), 60))
            .await
            .unwrap();
        let signed_in = citizen(&database, "bundid@example.org", morning()).await;
        store
            .record_from_provider(
                signed_in,
                "bundid",
                &[(GIVEN_NAMES, json!("Erika"))],
                morning(),
            )
            .await
            .unwrap();
        let young = citizen(&database, "young@example.org", days_later(morning(), 2)).await;
        let staff = enrolled(&store, "anna@stadt.example", &[Role::Admin], morning()).await;

        let before = store
            .enforce_retention(days_later(morning(), 7))
            .await
            .unwrap();
        assert_eq!(before.unverified_accounts, 0, "seven days are not over yet");

        let report = store
            .enforce_retention(later(days_later(morning(), 7), 1))
            .await
            .unwrap();
        assert_eq!(report.unverified_accounts, 1);
        assert!(store.account(never).await.unwrap().is_none());
        assert!(store.profile(never).await.unwrap().is_empty());
        assert!(store.account(verified).await.unwrap().is_some());
        assert!(
            store.account(signed_in).await.unwrap().is_some(),
            "a sign-in through a provider verifies"
        );
        assert!(store.account(young).await.unwrap().is_some());
        assert!(store.account(staff.account.id).await.unwrap().is_some());

        let events = store.audit_events(100).await.unwrap();
        let deletion = events
            .iter()
            .find(|event| event.account_id == Some(never))
            .unwrap();
        assert_eq!(deletion.kind, kinds::ACCOUNT_DELETED);
        assert_eq!(deletion.detail, "not verified within 7 days");
    })
    .await;
}

#[tokio::test]
async fn withdrawn_consents_go_with_the_reads_they_could_prove() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store.mark_account_verified(erika, morning()).await.unwrap();
        store
            .grant_consent(erika, purposes::CONTACT, morning())
            .await
            .unwrap();
        store
            .withdraw_consent(erika, purposes::CONTACT, morning())
            .await
            .unwrap();
        store
            .grant_consent(erika, purposes::CASE_LOOKUP, morning())
            .await
            .unwrap();

        let report = store
            .enforce_retention(days_later(morning(), 731))
            .await
            .unwrap();
        assert_eq!(report.withdrawn_consents, 1);
        let left = store.consents(erika).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            left[0].purpose,
            purposes::CASE_LOOKUP,
            "a standing consent stays"
        );
    })
    .await;
}
