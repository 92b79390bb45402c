//! Staff accounts, invitations, and what administrators change.

use rathaus_base::testing::each_backend;
use rathaus_identity::{Grants, IdentityError, OfficeRole, PasswordRule, Role, SignInStep};
use uuid::Uuid;

use crate::common::{CLIENT, PASSWORD, enrolled, grants, later, migrations, morning, roles, store};

#[tokio::test]
async fn a_staff_account_is_made_once_per_address_whatever_its_case() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = store
            .create_staff(
                " Anna.Huber@Stadt.Example ",
                "Anna Huber",
                PASSWORD,
                &roles(&[Role::Admin]),
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(admin.email, "Anna.Huber@Stadt.Example");
        assert!(admin.can_manage_staff() && admin.can_publish() && admin.can_edit());
        assert!(!admin.second_factor_enrolled);
        assert_eq!(store.account(admin.id).await.unwrap(), Some(admin.clone()));

        let again = store
            .create_staff(
                "anna.huber@stadt.example",
                "Anna",
                PASSWORD,
                &roles(&[Role::Editor]),
                morning(),
            )
            .await;
        assert!(matches!(again, Err(IdentityError::EmailTaken)), "{again:?}");
        assert_eq!(store.staff().await.unwrap(), vec![admin]);
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_the_rule_it_breaks() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let editor = roles(&[Role::Editor]);
        let create = |email: &'static str, name: &'static str, password: &'static str| {
            let store = store.clone();
            let editor = editor.clone();
            async move {
                store
                    .create_staff(email, name, password, &editor, morning())
                    .await
            }
        };

        let short = create("max@stadt.example", "Max", "zu kurz").await;
        assert!(matches!(
            short,
            Err(IdentityError::WeakPassword(PasswordRule::TooShort {
                min: 12
            }))
        ));
        let as_email = create("maximilian.m@stadt.example", "Max", "maximilian.m").await;
        assert!(matches!(
            as_email,
            Err(IdentityError::WeakPassword(PasswordRule::SameAsEmail))
        ));
        let no_address = create("max at stadt", "Max", PASSWORD).await;
        assert!(matches!(no_address, Err(IdentityError::InvalidEmail)));
        let no_name = create("max@stadt.example", "  ", PASSWORD).await;
        assert!(matches!(no_name, Err(IdentityError::InvalidDisplayName)));
        let no_roles = store
            .create_staff("max@stadt.example", "Max", PASSWORD, &roles(&[]), morning())
            .await;
        assert!(matches!(no_roles, Err(IdentityError::NoRoles)));

        assert!(store.staff().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_invitation_is_accepted_once_and_then_signs_in_through_enrolment() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let granted = roles(&[Role::Editor, Role::Publisher]);

        let invitation = store
            .invite_staff(
                "Ben@Stadt.Example",
                "Ben Maier",
                &Grants::everywhere(granted.clone()),
                admin.account.id,
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(invitation.expires_at, later(morning(), 72 * 3600));
        let info = store
            .invitation(&invitation.token, morning())
            .await
            .unwrap();
        assert_eq!(info.display_name, "Ben Maier");
        assert_eq!(info.grants, Grants::everywhere(granted.clone()));

        let ben = store
            .accept_invitation(&invitation.token, PASSWORD, later(morning(), 60))
            .await
            .unwrap();
        assert_eq!(ben.roles, granted);
        assert!(ben.can_publish() && !ben.can_manage_staff());
        let twice = store
            .accept_invitation(&invitation.token, PASSWORD, later(morning(), 61))
            .await;
        assert!(matches!(twice, Err(IdentityError::InvitationInvalid)));
        let shown = store
            .invitation(&invitation.token, later(morning(), 62))
            .await;
        assert!(matches!(shown, Err(IdentityError::InvitationInvalid)));

        let step = store
            .sign_in_with_password("ben@stadt.example", PASSWORD, CLIENT, later(morning(), 90))
            .await
            .unwrap();
        assert!(matches!(step, SignInStep::EnrolmentRequired { .. }));
    })
    .await;
}

#[tokio::test]
async fn an_expired_or_unknown_invitation_is_refused_the_same_way() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let inviter = Uuid::now_v7();
        let invitation = store
            .invite_staff(
                "ben@stadt.example",
                "Ben Maier",
                &grants(&[Role::Editor]),
                inviter,
                morning(),
            )
            .await
            .unwrap();

        let expired = invitation.expires_at;
        let late = store
            .accept_invitation(&invitation.token, PASSWORD, expired)
            .await;
        assert!(matches!(late, Err(IdentityError::InvitationInvalid)));
        let unknown = store.invitation("made-up-token", morning()).await;
        assert!(matches!(unknown, Err(IdentityError::InvitationInvalid)));
        let weak = store
            .accept_invitation(&invitation.token, "kurz", morning())
            .await;
        assert!(matches!(weak, Err(IdentityError::WeakPassword(_))));
        assert!(store.staff().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn inviting_an_address_that_has_an_account_is_refused() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let again = store
            .invite_staff(
                "ADMIN@stadt.example",
                "Admin",
                &grants(&[Role::Editor]),
                admin.account.id,
                morning(),
            )
            .await;
        assert!(matches!(again, Err(IdentityError::EmailTaken)));
    })
    .await;
}

#[tokio::test]
async fn the_last_administrator_cannot_be_demoted_or_disabled() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let id = admin.account.id;

        let demoted = store
            .set_roles(id, &grants(&[Role::Editor]), id, morning())
            .await;
        assert!(matches!(demoted, Err(IdentityError::LastAdmin)));
        let disabled = store.set_disabled(id, true, id, morning()).await;
        assert!(matches!(disabled, Err(IdentityError::LastAdmin)));

        let second = store
            .create_staff(
                "zweite@stadt.example",
                "Zweite",
                PASSWORD,
                &roles(&[Role::Admin]),
                morning(),
            )
            .await
            .unwrap();
        let changed = store
            .set_roles(id, &grants(&[Role::Editor]), second.id, morning())
            .await
            .unwrap();
        assert_eq!(changed.roles, roles(&[Role::Editor]));
        assert!(!changed.can_publish());

        let events = store.audit_events(1).await.unwrap();
        assert_eq!(events[0].kind, "account.roles_changed");
        assert_eq!(events[0].account_id, Some(id));
        assert_eq!(events[0].actor_id, Some(second.id));
        assert_eq!(events[0].detail, "from admin to editor");
    })
    .await;
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_cannot_sign_in() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let editor = enrolled(&store, "ben@stadt.example", &[Role::Editor], morning()).await;
        let now = later(morning(), 120);
        assert!(store.session(&editor.token, now).await.unwrap().is_some());

        let disabled = store
            .set_disabled(editor.account.id, true, admin.account.id, now)
            .await
            .unwrap();
        assert!(disabled.disabled);
        assert!(store.session(&editor.token, now).await.unwrap().is_none());
        assert!(
            store
                .sessions_of(editor.account.id, now)
                .await
                .unwrap()
                .is_empty()
        );
        let again = store
            .sign_in_with_password("ben@stadt.example", PASSWORD, CLIENT, now)
            .await;
        assert!(matches!(again, Err(IdentityError::InvalidCredentials)));

        store
            .set_disabled(editor.account.id, false, admin.account.id, now)
            .await
            .unwrap();
        let step = store
            .sign_in_with_password("ben@stadt.example", PASSWORD, CLIENT, later(now, 1))
            .await;
        assert!(matches!(step, Ok(SignInStep::SecondFactorRequired { .. })));
    })
    .await;
}

#[tokio::test]
async fn a_reset_second_factor_is_set_up_again_at_the_next_sign_in() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let editor = enrolled(&store, "ben@stadt.example", &[Role::Editor], morning()).await;

        let reset = store
            .reset_second_factor(editor.account.id, admin.account.id, later(morning(), 60))
            .await
            .unwrap();
        assert!(!reset.second_factor_enrolled);
        assert!(
            store
                .session(&editor.token, later(morning(), 60))
                .await
                .unwrap()
                .is_none()
        );

        let step = store
            .sign_in_with_password("ben@stadt.example", PASSWORD, CLIENT, later(morning(), 90))
            .await
            .unwrap();
        assert!(matches!(step, SignInStep::EnrolmentRequired { .. }));
        let old_code = store
            .verify_second_factor(
                step.pending(),
                &editor.codes.codes()[0],
                CLIENT,
                later(morning(), 91),
            )
            .await;
        assert!(matches!(
            old_code,
            Err(IdentityError::SecondFactorNotEnrolled)
        ));
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_tells_what_happened_without_secrets() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let invitation = store
            .invite_staff(
                "ben@stadt.example",
                "Ben",
                &grants(&[Role::Editor]),
                admin.account.id,
                morning(),
            )
            .await
            .unwrap();
        let _ = store
            .sign_in_with_password("admin@stadt.example", "wrong password!", CLIENT, morning())
            .await;

        let events = store.audit_events(100).await.unwrap();
        let kinds: Vec<&str> = events
            .iter()
            .rev()
            .map(|event| event.kind.as_str())
            .collect();
        assert_eq!(
            kinds,
            [
                "account.created",
                "second_factor.enrolled",
                "sign_in.succeeded",
                "invitation.created",
                "sign_in.failed",
            ]
        );
        for event in &events {
            for secret in [
                PASSWORD,
                "wrong password!",
                CLIENT,
                invitation.token.as_str(),
                admin.token.as_str(),
                admin.secret.as_str(),
            ] {
                assert!(!event.detail.contains(secret), "{event:?}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn case_work_roles_hold_in_one_office_or_everywhere() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let admin = enrolled(&store, "admin@stadt.example", &[Role::Admin], morning()).await;
        let in_office = |role: Role, office: &str| OfficeRole {
            office: office.to_owned(),
            role,
        };
        let mut granted = Grants::default();
        granted
            .office_roles
            .insert(in_office(Role::Caseworker, "buergerbuero-mitte"));
        granted
            .office_roles
            .insert(in_office(Role::OfficeLead, "standesamt"));

        let invitation = store
            .invite_staff(
                "clara@stadt.example",
                "Clara",
                &granted,
                admin.account.id,
                morning(),
            )
            .await
            .unwrap();
        let info = store
            .invitation(&invitation.token, morning())
            .await
            .unwrap();
        assert_eq!(info.grants, granted);
        let clara = store
            .accept_invitation(&invitation.token, PASSWORD, morning())
            .await
            .unwrap();
        assert!(clara.roles.is_empty());
        assert!(clara.handles_cases_in("buergerbuero-mitte"));
        assert!(clara.handles_cases_in("standesamt"));
        assert!(clara.leads("standesamt") && !clara.leads("buergerbuero-mitte"));
        assert!(!clara.handles_cases_in("kfz-zulassung"));
        assert!(!clara.can_edit(), "case work is no editing");

        let mut everywhere = grants(&[Role::Caseworker, Role::Editor]);
        everywhere
            .office_roles
            .insert(in_office(Role::OfficeLead, "standesamt"));
        let changed = store
            .set_roles(clara.id, &everywhere, admin.account.id, morning())
            .await
            .unwrap();
        assert!(changed.handles_cases_in("kfz-zulassung"));
        assert!(changed.can_edit());
        let listed = store.staff().await.unwrap();
        let clara = listed
            .iter()
            .find(|account| account.id == clara.id)
            .unwrap();
        assert_eq!(clara.office_roles, everywhere.office_roles);
        assert!(
            !admin.account.handles_cases(),
            "administrators do not read cases by role"
        );
    })
    .await;
}

#[test]
fn roles_in_offices_read_back_as_written_and_nothing_else() {
    let text = "editor,caseworker@buergerbuero-mitte,office_lead@standesamt";
    let grants = Grants::parse_text(text).unwrap();
    assert_eq!(grants.to_text(), text);
    assert!(
        Grants::parse_text("editor@standesamt").is_none(),
        "editors hold no office roles"
    );
    assert!(Grants::parse_text("caseworker@Standes Amt").is_none());
    assert!(Grants::parse_text("janitor").is_none());
}
