//! The outbox on both database backends, delivering over real SMTP to a test server.

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

use chrono::{DateTime, TimeZone, Utc};
use rathaus_base::config::MailConfig;
use rathaus_base::mail::{self, MailMessage, Mailer, Outbox};
use rathaus_base::testing::{SmtpReceiver, each_backend, unused_address};

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap()
}

fn mailer_for(smtp_url: String) -> Mailer {
    Mailer::from_config(&MailConfig {
        smtp_url,
        from: "Stadt Musterstadt <noreply@musterstadt.example>".to_owned(),
        send_timeout_seconds: 5,
    })
    .unwrap()
}

fn message(to: &str, subject: &str) -> MailMessage {
    MailMessage {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: "Grüß Gott,\r\n.a line that starts with a dot\r\nIhre Stadtverwaltung".to_owned(),
        html: None,
    }
}

#[tokio::test]
async fn a_queued_message_is_delivered_over_smtp_once() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let receiver = SmtpReceiver::start().await;
        let mailer = mailer_for(receiver.url());
        let outbox = Outbox::new(database);

        outbox
            .enqueue(&message("anna@example.org", "Invitation"), noon())
            .await
            .unwrap();
        assert_eq!(outbox.waiting().await.unwrap(), 1);

        assert_eq!(outbox.deliver_due(&mailer, noon()).await.unwrap(), 1);
        assert_eq!(outbox.waiting().await.unwrap(), 0);
        let later = noon() + chrono::Duration::hours(2);
        assert_eq!(outbox.deliver_due(&mailer, later).await.unwrap(), 0);

        let arrived = receiver.received();
        assert_eq!(arrived.len(), 1);
        assert_eq!(arrived[0].from, "noreply@musterstadt.example");
        assert_eq!(arrived[0].to, vec!["anna@example.org".to_owned()]);
        assert!(arrived[0].data.contains("Subject: Invitation"));
        assert!(arrived[0].data.contains("Message-ID: <"));
    })
    .await;
}

#[tokio::test]
async fn a_message_queued_in_a_rolled_back_transaction_is_never_sent() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let receiver = SmtpReceiver::start().await;
        let mailer = mailer_for(receiver.url());
        let outbox = Outbox::new(database.clone());

        let mut transaction = database.begin().await.unwrap();
        Outbox::enqueue_in(&mut transaction, &message("a@example.org", "Kept"), noon())
            .await
            .unwrap();
        transaction.commit().await.unwrap();
        let mut transaction = database.begin().await.unwrap();
        Outbox::enqueue_in(
            &mut transaction,
            &message("b@example.org", "Dropped"),
            noon(),
        )
        .await
        .unwrap();
        drop(transaction);

        assert_eq!(outbox.deliver_due(&mailer, noon()).await.unwrap(), 1);
        let arrived = receiver.received();
        assert_eq!(arrived.len(), 1);
        assert!(arrived[0].data.contains("Subject: Kept"));
    })
    .await;
}

#[tokio::test]
async fn a_message_waits_while_the_server_is_down_and_is_sent_when_it_is_back() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let address = unused_address().await;
        let mailer = mailer_for(format!("smtp://{address}"));
        let outbox = Outbox::new(database);
        outbox
            .enqueue(&message("anna@example.org", "Retry"), noon())
            .await
            .unwrap();

        assert_eq!(outbox.deliver_due(&mailer, noon()).await.unwrap(), 0);
        assert_eq!(outbox.waiting().await.unwrap(), 1);

        let receiver = SmtpReceiver::start_on(address).await;
        let too_early = noon() + mail::retry_delay(1) - chrono::Duration::seconds(1);
        assert_eq!(outbox.deliver_due(&mailer, too_early).await.unwrap(), 0);
        assert!(receiver.received().is_empty(), "the retry waits its delay");

        let due = noon() + mail::retry_delay(1);
        assert_eq!(outbox.deliver_due(&mailer, due).await.unwrap(), 1);
        assert_eq!(receiver.received().len(), 1);
        assert_eq!(outbox.waiting().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_message_is_given_up_after_the_last_attempt() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let mailer = mailer_for(format!("smtp://{}", unused_address().await));
        let outbox = Outbox::new(database);
        outbox
            .enqueue(&message("anna@example.org", "Never"), noon())
            .await
            .unwrap();

        let mut now = noon();
        for attempt in 1..=mail::MAX_ATTEMPTS {
            assert_eq!(outbox.deliver_due(&mailer, now).await.unwrap(), 0);
            now += mail::retry_delay(attempt);
        }

        assert_eq!(outbox.waiting().await.unwrap(), 0);
        assert_eq!(outbox.failed().await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn nodes_delivering_at_the_same_time_send_each_message_once() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let receiver = SmtpReceiver::start().await;
        let mailer = mailer_for(receiver.url());
        let outbox = Outbox::new(database.clone());
        for number in 0..12 {
            outbox
                .enqueue(
                    &message("team@example.org", &format!("Nr {number}")),
                    noon(),
                )
                .await
                .unwrap();
        }

        let other_node = Outbox::new(database);
        let (first, second) = tokio::join!(
            outbox.deliver_due(&mailer, noon()),
            other_node.deliver_due(&mailer, noon()),
        );
        assert_eq!(first.unwrap() + second.unwrap(), 12);

        let mut subjects: Vec<String> = receiver
            .received()
            .iter()
            .map(|mail| {
                let line = mail.data.lines().find(|line| line.starts_with("Subject: "));
                line.expect("a subject").to_owned()
            })
            .collect();
        subjects.sort();
        subjects.dedup();
        assert_eq!(receiver.received().len(), 12);
        assert_eq!(subjects.len(), 12, "every message arrived exactly once");
    })
    .await;
}

#[tokio::test]
async fn with_mail_switched_off_messages_stay_in_the_outbox() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let mailer = Mailer::from_config(&MailConfig::default()).unwrap();
        let outbox = Outbox::new(database);
        outbox
            .enqueue(&message("anna@example.org", "Later"), noon())
            .await
            .unwrap();

        assert_eq!(outbox.deliver_due(&mailer, noon()).await.unwrap(), 0);
        assert_eq!(outbox.waiting().await.unwrap(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_recipient_that_is_no_address_is_refused_when_queued() {
    each_backend(mail::MIGRATIONS, |database| async move {
        let outbox = Outbox::new(database);
        let error = outbox
            .enqueue(&message("not an address", "x"), noon())
            .await
            .unwrap_err();
        assert!(
            matches!(error, mail::MailError::InvalidAddress(_)),
            "{error}"
        );
        assert_eq!(outbox.waiting().await.unwrap(), 0);
    })
    .await;
}
