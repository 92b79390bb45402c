//! Citizen accounts: signing up through a link, signing in with and without an
//! authenticator, resetting the password, changing the address, and the person's sessions.

use rathaus_base::testing::each_backend;
use rathaus_identity::{
    AddressMail, CitizenSignIn, EmailLink, IdentityError, IdentityStore, PasswordRule, SessionToken,
};
use uuid::Uuid;

use crate::common::{CLIENT, PASSWORD, app_code, later, migrations, morning, store};

const EMAIL: &str = "Maria.Muster@example.org";

/// The link of a sign-up that found the address free.
fn confirm_link(mail: AddressMail) -> EmailLink {
    match mail {
        AddressMail::Confirm(link) => link,
        other => panic!("a free address gets the sign-up link, got {other:?}"),
    }
}

/// Signs up and uses the link: the new account's id and session.
async fn signed_up(store: &IdentityStore, email: &str) -> (Uuid, SessionToken) {
    let mail = store
        .sign_up(email, "Maria Muster", PASSWORD, CLIENT, morning())
        .await
        .unwrap();
    let link = confirm_link(mail);
    let (account, session) = store
        .complete_sign_up(&link.token, morning())
        .await
        .unwrap();
    (account.id, session)
}

#[tokio::test]
async fn a_sign_up_makes_the_account_only_when_the_link_is_used() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let now = morning();

        let link = confirm_link(
            store
                .sign_up(EMAIL, "Maria Muster", PASSWORD, CLIENT, now)
                .await
                .unwrap(),
        );
        assert_eq!(link.email, EMAIL);
        assert_eq!(link.expires_at, later(now, 24 * 3600));
        let refused = store.sign_in_citizen(EMAIL, PASSWORD, CLIENT, now).await;
        assert!(
            matches!(refused, Err(IdentityError::InvalidCredentials)),
            "no account before the link is used"
        );

        let info = store.sign_up_link(&link.token, now).await.unwrap();
        assert_eq!(info.display_name, "Maria Muster");
        let (account, session) = store.complete_sign_up(&link.token, now).await.unwrap();
        assert_eq!(account.email, EMAIL);
        let signed_in = store.session(&session, now).await.unwrap().unwrap();
        assert_eq!(signed_in.account.id, account.id);
        assert_eq!(signed_in.trust_level, "low");

        let again = store.complete_sign_up(&link.token, now).await;
        assert!(
            matches!(again, Err(IdentityError::LinkInvalid)),
            "once only"
        );
        let signed_in = store
            .sign_in_citizen("maria.muster@EXAMPLE.org", PASSWORD, CLIENT, now)
            .await
            .unwrap();
        assert!(matches!(signed_in, CitizenSignIn::Complete(_)));
    })
    .await;
}

#[tokio::test]
async fn signing_up_with_a_known_address_tells_its_owner_and_nobody_else() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        signed_up(&store, EMAIL).await;

        let mail = store
            .sign_up(
                EMAIL,
                "Someone Else",
                "ein ganz anderes Kennwort",
                CLIENT,
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(
            mail,
            AddressMail::AlreadyRegistered {
                email: EMAIL.to_owned()
            }
        );
        let signed_in = store
            .sign_in_citizen(EMAIL, "ein ganz anderes Kennwort", CLIENT, morning())
            .await;
        assert!(
            matches!(signed_in, Err(IdentityError::InvalidCredentials)),
            "the second sign-up changed nothing"
        );

        // A staff account with the same address is another person's role, not a citizen
        // account.
        let staff = store
            .sign_in_with_password(EMAIL, PASSWORD, CLIENT, morning())
            .await;
        assert!(matches!(staff, Err(IdentityError::InvalidCredentials)));
    })
    .await;
}

#[tokio::test]
async fn mistakes_in_a_sign_up_are_named_and_common_passwords_refused() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let now = morning();
        let attempt = |email: &'static str, name: &'static str, password: &'static str| {
            let store = store.clone();
            async move { store.sign_up(email, name, password, CLIENT, now).await }
        };

        assert!(matches!(
            attempt("maria.example.org", "Maria", PASSWORD).await,
            Err(IdentityError::InvalidEmail)
        ));
        assert!(matches!(
            attempt(EMAIL, "  ", PASSWORD).await,
            Err(IdentityError::InvalidDisplayName)
        ));
        assert!(matches!(
            attempt(EMAIL, "Maria", "kurz").await,
            Err(IdentityError::WeakPassword(PasswordRule::TooShort { .. }))
        ));
        assert!(matches!(
            attempt(EMAIL, "Maria", "Sonnenschein2026!").await,
            Err(IdentityError::WeakPassword(PasswordRule::Common))
        ));
    })
    .await;
}

#[tokio::test]
async fn no_more_than_three_messages_an_hour_go_to_one_address() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let now = morning();
        for minute in 0..3 {
            let client = format!("client-{minute}");
            let mail = store
                .sign_up(EMAIL, "Maria", PASSWORD, &client, later(now, minute * 60))
                .await
                .unwrap();
            assert!(matches!(mail, AddressMail::Confirm(_)));
        }
        let fourth = store
            .sign_up(EMAIL, "Maria", PASSWORD, "client-4", later(now, 240))
            .await
            .unwrap();
        assert_eq!(fourth, AddressMail::Withheld);

        let next_hour = store
            .sign_up(EMAIL, "Maria", PASSWORD, "client-5", later(now, 3 * 3600))
            .await
            .unwrap();
        assert!(matches!(next_hour, AddressMail::Confirm(_)));
    })
    .await;
}

#[tokio::test]
async fn a_password_reset_works_once_and_ends_every_session() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (_, session) = signed_up(&store, EMAIL).await;
        let now = later(morning(), 60);

        let unknown = store
            .request_password_reset("niemand@example.org", CLIENT, now)
            .await
            .unwrap();
        assert!(unknown.is_none(), "nothing is sent to an unknown address");
        let link = store
            .request_password_reset(EMAIL, CLIENT, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(link.expires_at, later(now, 3600));
        assert_eq!(
            store.password_reset_link(&link.token, now).await.unwrap(),
            EMAIL
        );

        let weak = store.reset_password(&link.token, "password", now).await;
        assert!(matches!(weak, Err(IdentityError::WeakPassword(_))));
        let new_password = "Ein neues Kennwort für Maria";
        store
            .reset_password(&link.token, new_password, now)
            .await
            .unwrap();
        assert!(store.session(&session, now).await.unwrap().is_none());
        let again = store.reset_password(&link.token, PASSWORD, now).await;
        assert!(matches!(again, Err(IdentityError::LinkInvalid)));

        let old = store.sign_in_citizen(EMAIL, PASSWORD, CLIENT, now).await;
        assert!(matches!(old, Err(IdentityError::InvalidCredentials)));
        let new = store
            .sign_in_citizen(EMAIL, new_password, CLIENT, now)
            .await
            .unwrap();
        assert!(matches!(new, CitizenSignIn::Complete(_)));
    })
    .await;
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        signed_up(&store, EMAIL).await;
        let link = store
            .request_password_reset(EMAIL, CLIENT, morning())
            .await
            .unwrap()
            .unwrap();
        let late = later(morning(), 3601);
        let refused = store
            .reset_password(&link.token, "Ein neues Kennwort für Maria", late)
            .await;
        assert!(matches!(refused, Err(IdentityError::LinkInvalid)));
        assert!(matches!(
            store
                .reset_password("erfunden", "Ein neues Kennwort", morning())
                .await,
            Err(IdentityError::LinkInvalid)
        ));
    })
    .await;
}

#[tokio::test]
async fn an_address_changes_only_through_the_link_sent_to_the_new_one() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (account_id, _) = signed_up(&store, EMAIL).await;
        let (other_id, _) = signed_up(&store, "jonas@example.org").await;
        let now = later(morning(), 60);

        let wrong = store
            .request_email_change(account_id, "maria@example.net", "falsches Kennwort", now)
            .await;
        assert!(matches!(wrong, Err(IdentityError::InvalidCredentials)));
        let same = store
            .request_email_change(account_id, "maria.muster@example.org", PASSWORD, now)
            .await;
        assert!(matches!(same, Err(IdentityError::EmailUnchanged)));
        let taken = store
            .request_email_change(account_id, "jonas@example.org", PASSWORD, now)
            .await
            .unwrap();
        assert!(matches!(taken, AddressMail::AlreadyRegistered { .. }));

        let link = confirm_link(
            store
                .request_email_change(account_id, "maria@example.net", PASSWORD, now)
                .await
                .unwrap(),
        );
        assert_eq!(link.email, "maria@example.net");
        assert_eq!(
            store.account(account_id).await.unwrap().unwrap().email,
            EMAIL
        );

        let (account, old) = store.confirm_email_change(&link.token, now).await.unwrap();
        assert_eq!(account.email, "maria@example.net");
        assert_eq!(old, EMAIL);
        assert_eq!(
            store.account(other_id).await.unwrap().unwrap().email,
            "jonas@example.org",
            "nobody else's address changed"
        );
        let signed_in = store
            .sign_in_citizen("maria@example.net", PASSWORD, CLIENT, now)
            .await
            .unwrap();
        assert!(matches!(signed_in, CitizenSignIn::Complete(_)));
    })
    .await;
}

#[tokio::test]
async fn a_person_ends_their_own_sessions_and_nobody_elses() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (maria, first) = signed_up(&store, EMAIL).await;
        let (jonas, jonas_session) = signed_up(&store, "jonas@example.org").await;
        let now = later(morning(), 60);
        let CitizenSignIn::Complete(second) = store
            .sign_in_citizen(EMAIL, PASSWORD, CLIENT, now)
            .await
            .unwrap()
        else {
            panic!("no authenticator, so no second step");
        };
        store
            .note_device(&second, "Firefox auf Linux")
            .await
            .unwrap();

        let sessions = store.sessions_of(maria, now).await.unwrap();
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0].device, "Firefox auf Linux");
        let jonas_id = store.sessions_of(jonas, now).await.unwrap()[0].id;

        let ended = store.end_session_of(maria, jonas_id, now).await.unwrap();
        assert!(!ended, "another person's session id changes nothing");
        assert!(store.session(&jonas_session, now).await.unwrap().is_some());

        let first_id = store.session(&first, now).await.unwrap().unwrap().id;
        assert!(
            store
                .end_session_of(maria, sessions[0].id, now)
                .await
                .unwrap()
        );
        assert!(store.session(&second, now).await.unwrap().is_none());
        assert!(store.session(&first, now).await.unwrap().is_some());

        store
            .sign_in_citizen(EMAIL, PASSWORD, CLIENT, now)
            .await
            .unwrap();
        assert_eq!(
            store
                .end_other_sessions(maria, first_id, now)
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.sessions_of(maria, now).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_citizen_adds_an_authenticator_and_is_asked_for_it_from_then_on() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (maria, session) = signed_up(&store, EMAIL).await;
        let now = morning();

        let enrolment = store.begin_totp_for_session(&session, now).await.unwrap();
        let wrong = store
            .confirm_totp_for_session(&session, "000000", now)
            .await;
        assert!(matches!(wrong, Err(IdentityError::InvalidCode)));
        let offered = store.offered_totp(&session, now).await.unwrap().unwrap();
        assert_eq!(offered.secret_base32, enrolment.secret_base32);
        let code = app_code(&enrolment.secret_base32, now);
        let codes = store
            .confirm_totp_for_session(&session, &code, now)
            .await
            .unwrap();
        assert_eq!(codes.codes().len(), 10);

        let later_on = later(now, 120);
        let step = store
            .sign_in_citizen(EMAIL, PASSWORD, CLIENT, later_on)
            .await
            .unwrap();
        let CitizenSignIn::SecondFactorRequired { pending } = step else {
            panic!("an authenticator is asked for, got {step:?}");
        };
        assert!(
            store.session(&pending, later_on).await.unwrap().is_none(),
            "a pending sign-in is no session"
        );
        let code = app_code(&enrolment.secret_base32, later_on);
        let full = store
            .verify_second_factor(&pending, &code, CLIENT, later_on)
            .await
            .unwrap();
        assert!(store.session(&full, later_on).await.unwrap().is_some());

        let refused = store
            .remove_second_factor(maria, "falsches Kennwort", later_on)
            .await;
        assert!(matches!(refused, Err(IdentityError::InvalidCredentials)));
        store
            .remove_second_factor(maria, PASSWORD, later_on)
            .await
            .unwrap();
        let step = store
            .sign_in_citizen(EMAIL, PASSWORD, CLIENT, later_on)
            .await
            .unwrap();
        assert!(matches!(step, CitizenSignIn::Complete(_)));
    })
    .await;
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (maria, first) = signed_up(&store, EMAIL).await;
        let now = morning();
        let CitizenSignIn::Complete(second) = store
            .sign_in_citizen(EMAIL, PASSWORD, CLIENT, now)
            .await
            .unwrap()
        else {
            panic!("no authenticator, so no second step");
        };
        let keep = store.session(&first, now).await.unwrap().unwrap().id;

        let wrong = store
            .change_password(maria, "falsch", "Ein neues Kennwort für Maria", keep, now)
            .await;
        assert!(matches!(wrong, Err(IdentityError::InvalidCredentials)));
        store
            .change_password(maria, PASSWORD, "Ein neues Kennwort für Maria", keep, now)
            .await
            .unwrap();
        assert!(store.session(&first, now).await.unwrap().is_some());
        assert!(store.session(&second, now).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_citizen_deletes_their_account_only_with_the_current_password() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let (maria, session) = signed_up(&store, EMAIL).await;
        let (jonas, _) = signed_up(&store, "jonas@example.org").await;
        let now = later(morning(), 60);

        let refused = store
            .delete_own_account(maria, now, "falsches Kennwort", now)
            .await;
        assert!(matches!(refused, Err(IdentityError::InvalidCredentials)));
        assert!(store.account(maria).await.unwrap().is_some());

        // Guessing is throttled like signing in.
        let mut throttled = false;
        for attempt in 0..20 {
            let outcome = store
                .delete_own_account(maria, now, "noch falscher", later(now, attempt))
                .await;
            if matches!(outcome, Err(IdentityError::Throttled { .. })) {
                throttled = true;
                break;
            }
        }
        assert!(throttled, "wrong passwords are throttled");

        let much_later = later(now, 86_400);
        let deletion = store
            .delete_own_account(maria, now, PASSWORD, much_later)
            .await
            .unwrap();
        assert_eq!(deletion.sessions, 1);
        assert!(store.account(maria).await.unwrap().is_none());
        assert!(store.session(&session, much_later).await.unwrap().is_none());
        assert!(store.account(jonas).await.unwrap().is_some());
    })
    .await;
}

#[tokio::test]
async fn a_staff_account_is_not_deleted_by_its_owner() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = crate::common::enrolled(
            &store,
            "anna@stadt.example",
            &[rathaus_identity::Role::Editor],
            morning(),
        )
        .await;
        let refused = store
            .delete_own_account(anna.account.id, morning(), PASSWORD, morning())
            .await;
        assert!(matches!(refused, Err(IdentityError::NotACitizen)));
        assert!(store.account(anna.account.id).await.unwrap().is_some());
    })
    .await;
}
