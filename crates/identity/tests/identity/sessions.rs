//! Sessions: idle and absolute timeouts, cheap reads, signing out, and listing.

use rathaus_base::testing::each_backend;
use rathaus_identity::{Role, SessionToken};

use crate::common::{enrolled, later, migrations, morning, sign_in, store};

const MINUTE: i64 = 60;

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;

        let active = later(morning(), 29 * MINUTE);
        let session = store.session(&anna.token, active).await.unwrap().unwrap();
        assert_eq!(session.last_seen_at, active);
        assert_eq!(session.expires_at, later(active, 30 * MINUTE));
        assert!(
            store
                .session(&anna.token, later(active, 29 * MINUTE))
                .await
                .unwrap()
                .is_some()
        );

        let idle = later(active, 29 * MINUTE + 30 * MINUTE);
        assert!(store.session(&anna.token, idle).await.unwrap().is_none());
        assert!(
            store
                .session(&anna.token, later(idle, -MINUTE))
                .await
                .unwrap()
                .is_none(),
            "an ended session stays ended"
        );
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_ten_hours_after_sign_in_however_active() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;

        let mut now = morning();
        while now < later(morning(), 10 * 60 * MINUTE - 20 * MINUTE) {
            now = later(now, 20 * MINUTE);
            assert!(
                store.session(&anna.token, now).await.unwrap().is_some(),
                "{now}"
            );
        }
        let session = store
            .session(&anna.token, later(morning(), 10 * 60 * MINUTE - 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.expires_at, later(morning(), 10 * 60 * MINUTE));
        assert!(
            store
                .session(&anna.token, later(morning(), 10 * 60 * MINUTE))
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn the_last_use_is_written_at_most_once_a_minute() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;

        let soon = store
            .session(&anna.token, later(morning(), 59))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(soon.last_seen_at, morning());
        let after_a_minute = store
            .session(&anna.token, later(morning(), 60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(after_a_minute.last_seen_at, later(morning(), 60));
    })
    .await;
}

#[tokio::test]
async fn signing_out_ends_one_session_and_ending_all_ends_every_one() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let now = later(morning(), 5 * MINUTE);
        let laptop = sign_in(&store, "anna@stadt.example", &anna.secret, now).await;
        let phone = sign_in(&store, "anna@stadt.example", &anna.secret, later(now, 30)).await;
        assert_eq!(
            store
                .sessions_of(anna.account.id, later(now, 30))
                .await
                .unwrap()
                .len(),
            3
        );

        store.end_session(&laptop).await.unwrap();
        assert!(
            store
                .session(&laptop, later(now, 31))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .session(&phone, later(now, 31))
                .await
                .unwrap()
                .is_some()
        );
        store
            .end_session(&SessionToken::new("unknown"))
            .await
            .unwrap();

        assert_eq!(store.end_all_sessions(anna.account.id).await.unwrap(), 2);
        assert!(
            store
                .session(&phone, later(now, 32))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .session(&anna.token, later(now, 32))
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn purging_removes_only_what_has_ended() {
    each_backend(&migrations(), |database| async move {
        let store = store(database);
        let anna = enrolled(&store, "anna@stadt.example", &[Role::Editor], morning()).await;
        let ben = enrolled(
            &store,
            "ben@stadt.example",
            &[Role::Editor],
            later(morning(), 40 * MINUTE),
        )
        .await;

        let now = later(morning(), 45 * MINUTE);
        assert_eq!(store.purge(now).await.unwrap(), 1, "Anna's idle session");
        assert!(store.session(&ben.token, now).await.unwrap().is_some());
        assert!(store.session(&anna.token, now).await.unwrap().is_none());
    })
    .await;
}

#[test]
fn a_token_does_not_show_itself_in_debug_output() {
    let token = SessionToken::new("very-secret-token");
    assert!(!format!("{token:?}").contains("very-secret"));
}
