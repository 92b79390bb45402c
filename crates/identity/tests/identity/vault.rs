//! The profile vault: values with their sources, which one reads return, the data-use log
//! that every read writes, consents, and that one person's rows never reach another.

use rathaus_base::testing::each_backend;
use rathaus_identity::vault::catalogue::{
    BANK_ACCOUNT, DATE_OF_BIRTH, EMAIL, FAMILY_NAME, GIVEN_NAMES, MAIN_RESIDENCE,
};
use rathaus_identity::vault::purposes;
use rathaus_identity::{AttributeProblem, IdentityError, Purpose, Source};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{citizen, later, migrations, morning, store};

const READER: &str = "process.residence_registration";
const REFERENCE: &str = "prefilled into application 2026-000123";

fn bundid() -> Source {
    Source::Provider {
        provider: "bundid".to_owned(),
    }
}

fn prefill() -> Purpose {
    Purpose::new(purposes::APPLICATION_PREFILL, "Register a residence").unwrap()
}

fn contact() -> Purpose {
    Purpose::new(purposes::CONTACT, "Messages about applications").unwrap()
}

fn residence() -> Value {
    json!({
        "street": "Marienplatz",
        "house_number": "8",
        "postal_code": "80331",
        "city": "München",
        "country": "DE"
    })
}

#[tokio::test]
async fn a_self_declared_value_never_replaces_a_verified_one_and_reads_prefer_the_verified() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;

        store
            .set_attribute(erika, FAMILY_NAME, &json!("Mustermann"), morning())
            .await
            .unwrap();
        let from_provider = [(FAMILY_NAME, json!("Gabler-Mustermann"))];
        store
            .record_from_provider(erika, "bundid", &from_provider, later(morning(), 60))
            .await
            .unwrap();
        store
            .set_attribute(
                erika,
                FAMILY_NAME,
                &json!(" Musterfrau "),
                later(morning(), 120),
            )
            .await
            .unwrap();

        let profile = store.profile(erika).await.unwrap();
        assert_eq!(profile.len(), 1);
        let family_name = &profile[0];
        assert_eq!(family_name.name, FAMILY_NAME);
        assert_eq!(family_name.values.len(), 2, "both sources are kept");
        let current = family_name.current().unwrap();
        assert_eq!(current.value, json!("Gabler-Mustermann"));
        assert_eq!(current.source, bundid());
        assert!(current.verified);
        let own = &family_name.values[1];
        assert_eq!(own.value, json!("Musterfrau"), "stored trimmed");
        assert_eq!(own.source, Source::SelfDeclared);
        assert!(!own.verified);
        assert_eq!(own.recorded_at, later(morning(), 120));

        let read = store
            .read_for_purpose(
                erika,
                READER,
                &prefill(),
                &[FAMILY_NAME],
                REFERENCE,
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].value, json!("Gabler-Mustermann"));
        assert_eq!(read[0].source, bundid());
    })
    .await;
}

#[tokio::test]
async fn the_persons_choice_decides_which_value_reads_return_until_taken_back() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let verified = [(MAIN_RESIDENCE, residence())];
        store
            .record_from_provider(erika, "bundid", &verified, morning())
            .await
            .unwrap();
        let mut moved = residence();
        moved["street"] = json!("Leopoldstraße");
        let own = store
            .set_attribute(erika, MAIN_RESIDENCE, &moved, later(morning(), 60))
            .await
            .unwrap();
        let read = || async {
            store
                .read_for_purpose(
                    erika,
                    READER,
                    &prefill(),
                    &[MAIN_RESIDENCE],
                    REFERENCE,
                    morning(),
                )
                .await
                .unwrap()
                .remove(0)
        };
        assert_eq!(read().await.source, bundid());

        store
            .prefer_value(erika, MAIN_RESIDENCE, Some(own.id))
            .await
            .unwrap();
        let chosen = read().await;
        assert_eq!(chosen.id, own.id);
        assert!(chosen.preferred);

        // A newer provider value does not undo the choice.
        let mut newer = residence();
        newer["house_number"] = json!("9");
        store
            .record_from_provider(
                erika,
                "bundid",
                &[(MAIN_RESIDENCE, newer)],
                later(morning(), 120),
            )
            .await
            .unwrap();
        assert_eq!(read().await.id, own.id);
        assert_eq!(store.profile(erika).await.unwrap()[0].values.len(), 2);

        store
            .prefer_value(erika, MAIN_RESIDENCE, None)
            .await
            .unwrap();
        let back = read().await;
        assert_eq!(back.source, bundid());
        assert_eq!(back.value["house_number"], json!("9"));

        let unknown = store
            .prefer_value(erika, MAIN_RESIDENCE, Some(Uuid::now_v7()))
            .await;
        assert!(
            matches!(unknown, Err(IdentityError::ValueNotFound)),
            "{unknown:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn values_are_stored_in_normal_form_and_invalid_ones_name_attribute_and_problem() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;

        let account = json!({"iban": "de89 3704 0044 0532 0130 00", "holder": "Erika Mustermann"});
        let stored = store
            .set_attribute(erika, BANK_ACCOUNT, &account, morning())
            .await
            .unwrap();
        assert_eq!(stored.value["iban"], json!("DE89370400440532013000"));

        let typo = json!({"iban": "DE89 3704 0044 0532 0130 01", "holder": "Erika Mustermann"});
        let refused = store
            .set_attribute(erika, BANK_ACCOUNT, &typo, morning())
            .await;
        let Err(IdentityError::InvalidAttributes(errors)) = refused else {
            panic!("a wrong IBAN is refused, got {refused:?}");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].attribute, BANK_ACCOUNT);
        assert_eq!(errors[0].field.as_deref(), Some("iban"));
        assert_eq!(errors[0].problem, AttributeProblem::IbanChecksum);

        let unknown = store
            .set_attribute(erika, "person.shoe_size", &json!(42), morning())
            .await;
        assert!(
            matches!(&unknown, Err(IdentityError::InvalidAttributes(errors))
                if errors[0].problem == AttributeProblem::UnknownAttribute),
            "{unknown:?}"
        );
        let open = store
            .set_attribute(
                erika,
                "vehicle.number_plates",
                &json!(["M-EM 1234"]),
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(open.value, json!(["M-EM 1234"]));

        let profile = store.profile(erika).await.unwrap();
        let stored_iban = &profile
            .iter()
            .find(|attribute| attribute.name == BANK_ACCOUNT)
            .unwrap()
            .values[0]
            .value["iban"];
        assert_eq!(
            stored_iban,
            &json!("DE89370400440532013000"),
            "the refused one changed nothing"
        );

        let nobody = store
            .set_attribute(Uuid::now_v7(), FAMILY_NAME, &json!("Mustermann"), morning())
            .await;
        assert!(
            matches!(nobody, Err(IdentityError::AccountNotFound)),
            "{nobody:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_batch_is_stored_all_or_nothing_with_every_refusal_listed() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;

        let batch = [
            (GIVEN_NAMES, json!("Erika")),
            (DATE_OF_BIRTH, json!("1964-08-12")),
            (EMAIL, json!("not an address")),
            (FAMILY_NAME, json!("Mustermann 2")),
        ];
        let refused = store
            .record_from_provider(erika, "bundid", &batch, morning())
            .await;
        let Err(IdentityError::InvalidAttributes(errors)) = refused else {
            panic!("the batch is refused, got {refused:?}");
        };
        let named: Vec<&str> = errors
            .iter()
            .map(|error| error.attribute.as_str())
            .collect();
        assert_eq!(named, [EMAIL, FAMILY_NAME]);
        assert!(store.profile(erika).await.unwrap().is_empty());

        let bad_source = store
            .record_from_provider(erika, " ", &batch[..2], morning())
            .await;
        assert!(matches!(bad_source, Err(IdentityError::InvalidSource)));

        store
            .record_from_provider(erika, "bundid", &batch[..2], morning())
            .await
            .unwrap();
        let profile = store.profile(erika).await.unwrap();
        let stored: Vec<&str> = profile
            .iter()
            .map(|attribute| attribute.name.as_str())
            .collect();
        assert_eq!(
            stored,
            [DATE_OF_BIRTH, GIVEN_NAMES],
            "in order of their names"
        );
    })
    .await;
}

#[tokio::test]
async fn an_application_replaces_what_an_earlier_application_gave() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store
            .set_attribute(erika, MAIN_RESIDENCE, &residence(), morning())
            .await
            .unwrap();

        let mut first = residence();
        first["street"] = json!("Sendlinger Straße");
        store
            .record_from_application(
                erika,
                "2026-000100",
                &[(MAIN_RESIDENCE, first)],
                false,
                later(morning(), 60),
            )
            .await
            .unwrap();
        let mut second = residence();
        second["street"] = json!("Leopoldstraße");
        store
            .record_from_application(
                erika,
                "2026-000123",
                &[(MAIN_RESIDENCE, second)],
                true,
                later(morning(), 120),
            )
            .await
            .unwrap();

        let values = store.profile(erika).await.unwrap().remove(0).values;
        assert_eq!(
            values.len(),
            2,
            "the person's own value and the latest application's"
        );
        assert_eq!(
            values[0].source,
            Source::Application {
                reference: "2026-000123".to_owned()
            }
        );
        assert!(values[0].verified, "the office checked it");
        assert_eq!(values[0].value["street"], json!("Leopoldstraße"));
        assert_eq!(values[1].source, Source::SelfDeclared);
    })
    .await;
}

#[tokio::test]
async fn clearing_removes_only_the_own_value_and_deleting_removes_the_one_named() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store
            .set_attribute(erika, FAMILY_NAME, &json!("Mustermann"), morning())
            .await
            .unwrap();
        store
            .record_from_provider(
                erika,
                "bundid",
                &[(FAMILY_NAME, json!("Mustermann"))],
                morning(),
            )
            .await
            .unwrap();

        assert!(store.clear_attribute(erika, FAMILY_NAME).await.unwrap());
        assert!(!store.clear_attribute(erika, FAMILY_NAME).await.unwrap());
        let left = store.profile(erika).await.unwrap().remove(0).values;
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].source, bundid());

        assert!(store.delete_value(erika, left[0].id).await.unwrap());
        assert!(store.profile(erika).await.unwrap().is_empty());
        assert!(!store.delete_value(erika, left[0].id).await.unwrap());
    })
    .await;
}

#[tokio::test]
async fn every_read_writes_one_log_entry_naming_what_it_handed_out() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let values = [
            (GIVEN_NAMES, json!("Erika")),
            (FAMILY_NAME, json!("Mustermann")),
        ];
        store
            .record_from_provider(erika, "bundid", &values, morning())
            .await
            .unwrap();

        let at = later(morning(), 300);
        let read = store
            .read_for_purpose(
                erika,
                READER,
                &prefill(),
                &[GIVEN_NAMES, FAMILY_NAME, DATE_OF_BIRTH],
                REFERENCE,
                at,
            )
            .await
            .unwrap();
        assert_eq!(read.len(), 2, "attributes without a value are left out");

        let log = store.data_uses(erika).await.unwrap();
        assert_eq!(log.len(), 1);
        let entry = &log[0];
        assert_eq!(entry.at, at);
        assert_eq!(entry.reader, READER);
        assert_eq!(entry.purpose, purposes::APPLICATION_PREFILL);
        assert_eq!(entry.purpose_label, "Register a residence");
        assert_eq!(entry.reference, REFERENCE);
        assert_eq!(entry.attributes, [FAMILY_NAME, GIVEN_NAMES]);
        assert_eq!(entry.consent_granted_at, None);

        store
            .read_for_purpose(
                erika,
                READER,
                &prefill(),
                &[DATE_OF_BIRTH],
                "prefilled into 2026-000124",
                later(at, 60),
            )
            .await
            .unwrap();
        let log = store.data_uses(erika).await.unwrap();
        assert_eq!(log.len(), 2, "a read that found nothing is still a read");
        assert!(log[0].attributes.is_empty(), "newest first");
    })
    .await;
}

#[tokio::test]
async fn a_failed_read_writes_no_log_entry() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store
            .set_attribute(erika, FAMILY_NAME, &json!("Mustermann"), morning())
            .await
            .unwrap();
        let at = later(morning(), 300);

        let failures = [
            store
                .read_for_purpose(erika, READER, &prefill(), &["person"], REFERENCE, at)
                .await,
            store
                .read_for_purpose(erika, READER, &prefill(), &[], REFERENCE, at)
                .await,
            store
                .read_for_purpose(erika, "", &prefill(), &[FAMILY_NAME], REFERENCE, at)
                .await,
            store
                .read_for_purpose(erika, READER, &prefill(), &[FAMILY_NAME], "\u{0}", at)
                .await,
            store
                .read_for_purpose(erika, READER, &contact(), &[EMAIL], REFERENCE, at)
                .await,
            store
                .read_for_purpose(
                    Uuid::now_v7(),
                    READER,
                    &prefill(),
                    &[FAMILY_NAME],
                    REFERENCE,
                    at,
                )
                .await,
        ];
        assert!(matches!(
            failures[0],
            Err(IdentityError::InvalidAttributes(_))
        ));
        assert!(matches!(
            failures[1],
            Err(IdentityError::NoAttributesRequested)
        ));
        assert!(matches!(failures[2], Err(IdentityError::InvalidReader)));
        assert!(matches!(failures[3], Err(IdentityError::InvalidReference)));
        assert!(matches!(
            failures[4],
            Err(IdentityError::ConsentRequired { .. })
        ));
        assert!(matches!(failures[5], Err(IdentityError::AccountNotFound)));
        assert!(
            store.data_uses(erika).await.unwrap().is_empty(),
            "no entry for a failure"
        );
    })
    .await;
}

#[tokio::test]
async fn a_withdrawn_consent_refuses_further_reads() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        store
            .set_attribute(erika, EMAIL, &json!("erika@example.org"), morning())
            .await
            .unwrap();
        let read = |at| {
            let store = store.clone();
            async move {
                store
                    .read_for_purpose(erika, "case.notifications", &contact(), &[EMAIL], "status message for 2026-000123", at)
                    .await
            }
        };

        let refused = read(morning()).await;
        assert!(
            matches!(&refused, Err(IdentityError::ConsentRequired { purpose }) if purpose == purposes::CONTACT),
            "{refused:?}"
        );

        let granted_at = later(morning(), 60);
        let consent = store
            .grant_consent(erika, purposes::CONTACT, granted_at)
            .await
            .unwrap();
        assert!(consent.is_active());
        let again = store
            .grant_consent(erika, purposes::CONTACT, later(morning(), 90))
            .await
            .unwrap();
        assert_eq!(again, consent, "consenting twice changes nothing");

        assert_eq!(read(later(morning(), 120)).await.unwrap().len(), 1);
        assert_eq!(
            store.data_uses(erika).await.unwrap()[0].consent_granted_at,
            Some(granted_at),
            "the entry records the consent it relied on"
        );

        assert!(store.withdraw_consent(erika, purposes::CONTACT, later(morning(), 180)).await.unwrap());
        assert!(!store.withdraw_consent(erika, purposes::CONTACT, later(morning(), 200)).await.unwrap());
        let after = read(later(morning(), 240)).await;
        assert!(matches!(after, Err(IdentityError::ConsentRequired { .. })), "{after:?}");
        assert_eq!(store.data_uses(erika).await.unwrap().len(), 1);

        let consents = store.consents(erika).await.unwrap();
        assert_eq!(consents.len(), 1);
        assert_eq!(consents[0].withdrawn_at, Some(later(morning(), 180)));

        let renewed = store
            .grant_consent(erika, purposes::CONTACT, later(morning(), 300))
            .await
            .unwrap();
        assert_ne!(renewed.id, consent.id, "a new consent, the old one stays withdrawn");
        assert_eq!(store.consents(erika).await.unwrap().len(), 2);
        assert!(read(later(morning(), 360)).await.is_ok());

        let invalid = store.grant_consent(erika, "Contact", morning()).await;
        assert!(matches!(invalid, Err(IdentityError::InvalidPurpose)));
        let nobody = store.grant_consent(Uuid::now_v7(), purposes::CONTACT, morning()).await;
        assert!(matches!(nobody, Err(IdentityError::AccountNotFound)));
    })
    .await;
}

#[tokio::test]
async fn a_profile_holds_a_bounded_number_of_attributes() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let values: Vec<(String, Value)> = (0..100)
            .map(|index| (format!("process.answer_{index}"), json!(index)))
            .collect();
        let batch: Vec<(&str, Value)> = values
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        store
            .record_from_application(erika, "2026-000123", &batch, false, morning())
            .await
            .unwrap();

        let one_more = store
            .set_attribute(erika, FAMILY_NAME, &json!("Mustermann"), morning())
            .await;
        assert!(
            matches!(one_more, Err(IdentityError::ProfileFull { max: 100 })),
            "{one_more:?}"
        );
        store
            .set_attribute(erika, "process.answer_7", &json!("changed"), morning())
            .await
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn another_persons_rows_never_appear_and_cannot_be_touched() {
    each_backend(&migrations(), |database| async move {
        let store = store(database.clone());
        let erika = citizen(&database, "erika@example.org", morning()).await;
        let max = citizen(&database, "max@example.org", morning()).await;
        for (person, name) in [(erika, "Erika"), (max, "Maximilian")] {
            store
                .set_attribute(person, GIVEN_NAMES, &json!(name), morning())
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
                    REFERENCE,
                    morning(),
                )
                .await
                .unwrap();
        }
        let maxs_value = store.profile(max).await.unwrap()[0].values[0].id;

        let profile = store.profile(erika).await.unwrap();
        assert_eq!(profile.len(), 1);
        assert_eq!(profile[0].values.len(), 1);
        assert_eq!(profile[0].values[0].value, json!("Erika"));
        assert_eq!(store.data_uses(erika).await.unwrap().len(), 1);
        assert_eq!(store.consents(erika).await.unwrap().len(), 1);

        let export = serde_json::to_string(&store.export_account(erika).await.unwrap()).unwrap();
        for trace in [
            max.to_string(),
            "Maximilian".to_owned(),
            "max@example.org".to_owned(),
            maxs_value.to_string(),
        ] {
            assert!(!export.contains(&trace), "{trace} is in Erika's export");
        }

        // Naming Max's value through Erika's account reaches nothing.
        assert!(!store.delete_value(erika, maxs_value).await.unwrap());
        let chosen = store
            .prefer_value(erika, GIVEN_NAMES, Some(maxs_value))
            .await;
        assert!(matches!(chosen, Err(IdentityError::ValueNotFound)));
        assert!(
            store
                .withdraw_consent(erika, purposes::CONTACT, morning())
                .await
                .unwrap()
        );
        let read = store
            .read_for_purpose(
                max,
                READER,
                &prefill(),
                &[GIVEN_NAMES],
                REFERENCE,
                morning(),
            )
            .await
            .unwrap();
        assert_eq!(read[0].value, json!("Maximilian"));
        assert!(!read[0].preferred);
        assert!(store.consents(max).await.unwrap()[0].is_active());
        assert_eq!(store.data_uses(max).await.unwrap().len(), 2);
    })
    .await;
}
