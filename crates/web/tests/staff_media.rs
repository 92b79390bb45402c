//! The media pages of the staff portal over HTTP, on both database backends: uploading
//! images and PDF documents, the messages a refused upload shows beside its field, changing
//! an image's texts and focal point, deleting, and who may reach which page.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed set-up step must stop the test"
)]

mod support;

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use rathaus_base::Database;
use rathaus_base::testing::each_backend;
use rathaus_content::model::Item;
use rathaus_content::{ContentStore, MediaStore};
use rathaus_identity::Role;
use support::{Answer, Browser, app_at, attribute, city_with_staff, encode, from_elsewhere};

const BOUNDARY: &str = "rathaus-test-boundary-5f2c9e";

const STAGE_ALT: &str = "Die Bühne auf dem Marktplatz beim Stadtfest, davor Menschen, die tanzen.";

fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

/// The demo city's content with an editor.
async fn city(database: &Database) {
    let staff = [("erika@musterstadt.example", "Erika Editor", Role::Editor)];
    city_with_staff(database, monday_morning(), &staff).await;
}

/// A photo of noise: it does not compress, so its file is larger than the body limit of
/// every other form.
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed: u32 = 0x2545_f491;
    let photo = image::RgbImage::from_fn(width, height, |_, _| {
        let mut channel = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed.to_le_bytes()[0]
        };
        image::Rgb([channel(), channel(), channel()])
    });
    let mut bytes = Cursor::new(Vec::new());
    photo.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

fn small_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A file in an upload: its name, its media type as the browser announces it, its bytes.
type File<'a> = (&'a str, &'a str, &'a [u8]);

/// A form body as browsers send a form with a file.
fn multipart(fields: &[(&str, &str)], file: Option<File<'_>>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n\
                 {value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, media_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {media_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn upload_request(fields: &[(&str, &str)], file: Option<File<'_>>) -> Request<Body> {
    Request::post("/staff/media")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(fields, file)))
        .unwrap()
}

/// What the media tests do with a browser beyond forms: send uploads.
trait Uploads {
    async fn upload(&mut self, fields: &[(&str, &str)], file: Option<File<'_>>) -> Answer;
    async fn upload_token(&mut self) -> String;
    async fn upload_stage_photo(&mut self, key: &str) -> Answer;
}

impl Uploads for Browser {
    async fn upload(&mut self, fields: &[(&str, &str)], file: Option<File<'_>>) -> Answer {
        self.send(upload_request(fields, file)).await
    }

    /// The form token of the upload form.
    async fn upload_token(&mut self) -> String {
        let form = self.get("/staff/media/new").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.body);
        form.field("token")
    }

    /// Uploads the stage photo under `key`.
    async fn upload_stage_photo(&mut self, key: &str) -> Answer {
        let token = self.upload_token().await;
        let photo = noisy_png(640, 480);
        self.upload(
            &[
                ("token", &token),
                ("kind", "image"),
                ("key", key),
                ("alt_de", STAGE_ALT),
                (
                    "alt_en",
                    "The stage on the market square at the city festival.",
                ),
                ("caption_de", "Foto: Stadt Musterstadt"),
                ("focal_x", "30"),
                ("focal_y", "40"),
            ],
            Some(("buehne.png", "image/png", &photo)),
        )
        .await
    }
}

async fn signed_in_editor(database: &Database) -> Browser {
    let now = monday_morning();
    let mut erika = Browser::new(app_at(database, now).await);
    erika.sign_in("erika@musterstadt.example", now, None).await;
    erika
}

#[tokio::test]
async fn an_editor_uploads_an_image_that_is_listed_served_and_described() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;

        let form = erika.get("/staff/media/new?kind=image").await;
        assert!(form.body.contains("enctype=\"multipart/form-data\""));
        assert_eq!(form.field("focal_x"), "50", "the centre unless chosen");
        assert!(noisy_png(640, 480).len() > 64 * 1024);
        let uploaded = erika.upload_stage_photo("stadtfest-buehne").await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        assert_eq!(
            uploaded.location(),
            "/staff/media/stadtfest-buehne?done=uploaded"
        );

        // The list shows the square thumbnail with the German alternative text.
        let list = erika.get("/staff/media").await;
        assert_eq!(list.status, StatusCode::OK);
        let thumbnail = list
            .image("/media/stadtfest-buehne/1x1-w320?v=")
            .expect("the list shows a thumbnail");
        assert_eq!(attribute(&thumbnail, "alt").as_deref(), Some(STAGE_ALT));
        assert!(list.body.contains("Erika Editor"));
        let documents = erika.get("/staff/media?kind=document").await;
        assert!(!documents.body.contains("stadtfest-buehne"));

        // The thumbnail is served as a square of 320 pixels.
        let src = attribute(&thumbnail, "src").unwrap();
        let file = erika.get(&src).await;
        assert_eq!(file.status, StatusCode::OK);
        let decoded = image::load_from_memory(&file.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 320));

        // The details page shows the renditions and the stored focal point.
        let details = erika.get(uploaded.location()).await;
        assert_eq!(details.status, StatusCode::OK);
        assert!(details.body.contains("Die Datei ist gespeichert."));
        assert!(details.body.contains("/media/stadtfest-buehne/w640?v="));
        assert!(details.body.contains("16x9-w640"));
        assert_eq!(details.field("focal_x"), "30");
        assert_eq!(details.field("focal_y"), "40");

        // The editor moves the focal point, rewrites the text and drops the caption.
        let saved = erika
            .post(
                "/staff/media/stadtfest-buehne",
                &[
                    ("token", &details.field("token")),
                    (
                        "alt_de",
                        "Die Bühne auf dem Marktplatz am Abend des Stadtfests.",
                    ),
                    ("alt_en", ""),
                    ("caption_de", ""),
                    ("focal_x", "75"),
                    ("focal_y", "25,5"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let info = MediaStore::new(database.clone())
            .info("stadtfest-buehne")
            .await
            .unwrap()
            .unwrap();
        let image = info.image().unwrap();
        assert_eq!(
            image.alt.de,
            "Die Bühne auf dem Marktplatz am Abend des Stadtfests."
        );
        assert_eq!(image.alt.en, None);
        assert_eq!(image.caption, None);
        assert!((image.focal_point.0 - 0.75).abs() < 1e-6);
        assert!((image.focal_point.1 - 0.255).abs() < 1e-6);
        assert_eq!(info.created_by, "Erika Editor");
    })
    .await;
}

#[tokio::test]
async fn a_refused_upload_shows_the_form_again_with_the_message_at_the_field() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let media = MediaStore::new(database.clone());
        let token = erika.upload_token().await;
        let photo = noisy_png(400, 300);
        let png = Some(("foto.png", "image/png", photo.as_slice()));

        // Without alternative text.
        let refused = erika
            .upload(
                &[
                    ("token", &token),
                    ("kind", "image"),
                    ("key", "ohne-text"),
                    ("alt_de", ""),
                    ("caption_de", "Foto: Stadt"),
                    ("focal_x", "50"),
                    ("focal_y", "50"),
                ],
                png,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = refused
            .error_at("media-alt-de")
            .expect("a message at the field");
        assert!(message.contains("Alternativtext"), "{message}");
        assert!(
            refused.body.contains("href=\"#media-alt-de\""),
            "in the summary"
        );
        assert!(refused.body.contains("<title>Fehler: Bild hochladen"));
        assert_eq!(refused.field("key"), "ohne-text", "what was entered stays");
        assert!(refused.body.contains("Foto: Stadt</textarea>"));
        assert!(refused.body.contains("Datei noch einmal aus"));
        assert!(media.info("ohne-text").await.unwrap().is_none());

        // A text file sent as an image.
        let refused = erika
            .upload(
                &[
                    ("token", &token),
                    ("kind", "image"),
                    ("key", "notiz"),
                    ("alt_de", "Ein Bild."),
                    ("focal_x", "50"),
                    ("focal_y", "50"),
                ],
                Some(("notiz.png", "image/png", b"Nur ein Text, kein Bild.")),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = refused
            .error_at("media-file")
            .expect("a message at the file");
        assert!(
            message.contains("kein Bild im Format JPEG, PNG oder WebP"),
            "{message}"
        );
        assert!(media.info("notiz").await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn a_wrong_document_or_focal_point_is_named_at_its_field() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let token = erika.upload_token().await;
        let photo = noisy_png(400, 300);
        let png = Some(("foto.png", "image/png", photo.as_slice()));

        // An image sent as a document, and no file at all.
        let refused = erika
            .upload(
                &[
                    ("token", &token),
                    ("kind", "document"),
                    ("key", "merkblatt"),
                    ("title_de", "Merkblatt"),
                    ("language", "de"),
                ],
                png,
            )
            .await;
        assert_eq!(
            refused.error_at("media-file").as_deref(),
            Some("Die Datei ist ein PNG-Bild, kein PDF-Dokument. Bitte als PDF speichern.")
        );
        let refused = erika
            .upload(
                &[
                    ("token", &token),
                    ("kind", "document"),
                    ("key", "merkblatt"),
                    ("title_de", ""),
                    ("language", "de"),
                ],
                Some(("", "application/octet-stream", b"")),
            )
            .await;
        assert_eq!(
            refused.error_at("media-file").as_deref(),
            Some("Bitte eine Datei auswählen.")
        );
        assert!(refused.error_at("media-title-de").is_some());

        // A focal point outside the image.
        let refused = erika
            .upload(
                &[
                    ("token", &token),
                    ("kind", "image"),
                    ("key", "schief"),
                    ("alt_de", STAGE_ALT),
                    ("focal_x", "120"),
                    ("focal_y", "50"),
                ],
                png,
            )
            .await;
        assert!(refused.error_at("media-focal-x").is_some());
        assert!(refused.error_at("media-focal-y").is_none());
    })
    .await;
}

#[tokio::test]
async fn a_stored_file_is_replaced_only_when_the_person_asks_for_it() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let media = MediaStore::new(database.clone());
        let token = erika.upload_token().await;
        let photo = noisy_png(400, 300);
        let png = Some(("foto.png", "image/png", photo.as_slice()));

        let first = erika.upload_stage_photo("stadtfest-buehne").await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let before = media.info("stadtfest-buehne").await.unwrap().unwrap();
        let fields = [
            ("token", token.as_str()),
            ("kind", "image"),
            ("key", "stadtfest-buehne"),
            ("alt_de", "Ein anderes Foto der Bühne."),
            ("focal_x", "50"),
            ("focal_y", "50"),
        ];
        let refused = erika.upload(&fields, png).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let message = refused.error_at("media-key").unwrap();
        assert!(message.contains("Vorhandene Datei ersetzen"), "{message}");
        let unchanged = media.info("stadtfest-buehne").await.unwrap().unwrap();
        assert_eq!(unchanged.version, before.version);

        let mut replacing = fields.to_vec();
        replacing.push(("replace", "on"));
        let replaced = erika.upload(&replacing, png).await;
        assert_eq!(replaced.status, StatusCode::SEE_OTHER, "{}", replaced.body);
        let after = media.info("stadtfest-buehne").await.unwrap().unwrap();
        assert_eq!(after.image().unwrap().width, 400);
        assert_ne!(after.version, before.version);
    })
    .await;
}

#[tokio::test]
async fn a_pdf_document_is_uploaded_retitled_served_and_deleted() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let form = erika.get("/staff/media/new?kind=document").await;
        assert!(form.body.contains("<option value=\"tr\">Türkisch</option>"));
        let pdf = small_pdf();

        let uploaded = erika
            .upload(
                &[
                    ("token", &form.field("token")),
                    ("kind", "document"),
                    ("key", "merkblatt-hundesteuer"),
                    ("title_de", "Merkblatt Hundesteuer"),
                    ("title_en", "Leaflet on the dog tax"),
                    ("language", "tr"),
                ],
                Some(("merkblatt.pdf", "application/pdf", &pdf)),
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);

        let documents = erika.get("/staff/media?kind=document").await;
        assert!(documents.body.contains("Merkblatt Hundesteuer"));
        let images = erika.get("/staff/media?kind=image").await;
        assert!(!images.body.contains("merkblatt-hundesteuer"));

        let details = erika.get("/staff/media/merkblatt-hundesteuer").await;
        assert!(details.body.contains("Türkisch"));
        let start = details
            .body
            .find("/media/merkblatt-hundesteuer/document?v=")
            .unwrap();
        let end = details.body[start..].find('"').unwrap() + start;
        let file = erika.get(&details.body[start..end]).await;
        assert_eq!(file.status, StatusCode::OK);
        assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
        assert_eq!(file.bytes, pdf);

        // A new title and language keep the file.
        let saved = erika
            .post(
                "/staff/media/merkblatt-hundesteuer",
                &[
                    ("token", &details.field("token")),
                    ("title_de", "Merkblatt zur Hundesteuer"),
                    ("title_en", ""),
                    ("language", "de"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let media = MediaStore::new(database.clone());
        let info = media.info("merkblatt-hundesteuer").await.unwrap().unwrap();
        let document = info.document().unwrap();
        assert_eq!(document.title.de, "Merkblatt zur Hundesteuer");
        assert_eq!(document.title.en, None);
        assert_eq!(document.language, "de");
        let original = media.original("merkblatt-hundesteuer").await.unwrap();
        assert_eq!(original.unwrap().bytes, pdf);

        // Nothing shows it, so it can be deleted.
        let deleted = erika
            .post(
                "/staff/media/merkblatt-hundesteuer/delete",
                &[("token", &details.field("token"))],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
        let list = erika.get(deleted.location()).await;
        assert!(list.body.contains("„merkblatt-hundesteuer“ ist gelöscht."));
        assert_eq!(
            erika.get("/staff/media/merkblatt-hundesteuer").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            erika
                .get("/media/merkblatt-hundesteuer/document")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn an_image_a_published_news_item_shows_cannot_be_deleted() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let uploaded = erika.upload_stage_photo("stadtfest-buehne").await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);

        let store = ContentStore::new(database.clone());
        let (_, items) = store.published().await.unwrap();
        let mut news = items
            .into_iter()
            .find(|item| item.key() == "winterdienst")
            .unwrap();
        if let Item::News(item) = &mut news {
            item.image = Some("stadtfest-buehne".to_owned());
        }
        store
            .import(&[news], "test", monday_morning())
            .await
            .unwrap();

        let details = erika.get("/staff/media/stadtfest-buehne").await;
        assert!(
            details
                .body
                .contains("href=\"/staff/content/news/winterdienst\"")
        );
        let refused = erika
            .post(
                "/staff/media/stadtfest-buehne/delete",
                &[("token", &details.field("token"))],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.body.contains("Nicht gelöscht"), "{}", refused.body);
        assert!(refused.body.contains("Meldung „winterdienst“"));
        assert!(
            MediaStore::new(database.clone())
                .info("stadtfest-buehne")
                .await
                .unwrap()
                .is_some()
        );
        let list = erika.get("/staff/media").await;
        assert!(
            list.body
                .contains("href=\"/staff/content/news/winterdienst\"")
        );
    })
    .await;
}

#[tokio::test]
async fn media_pages_need_signing_in_and_forms_from_this_site() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let uploaded = erika.upload_stage_photo("stadtfest-buehne").await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        let media = MediaStore::new(database.clone());
        let photo = noisy_png(320, 240);
        let png = Some(("foto.png", "image/png", photo.as_slice()));

        let mut anonymous = Browser::new(app_at(&database, monday_morning()).await);
        for page in [
            "/staff/media",
            "/staff/media?kind=image",
            "/staff/media/new",
            "/staff/media/new?kind=document&key=stadtfest-buehne",
            "/staff/media/stadtfest-buehne",
            "/staff/media/no-such-file",
        ] {
            let answer = anonymous.get(page).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
            assert!(
                answer.location().starts_with("/staff/sign-in?next="),
                "{page}"
            );
        }
        for write in [
            "/staff/media/stadtfest-buehne",
            "/staff/media/stadtfest-buehne/delete",
        ] {
            let answer = anonymous.post(write, &[("token", "x")]).await;
            assert_eq!(answer.status, StatusCode::SEE_OTHER, "{write}");
            assert!(answer.location().starts_with("/staff/sign-in"), "{write}");
        }
        let fields = [
            ("token", "x"),
            ("kind", "image"),
            ("key", "von-aussen"),
            ("alt_de", STAGE_ALT),
            ("focal_x", "50"),
            ("focal_y", "50"),
        ];
        let answer = anonymous.upload(&fields, png).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert!(answer.location().starts_with("/staff/sign-in"));

        // Signed in, a form sent from another site or with a forged token changes nothing.
        let token = erika.upload_token().await;
        let mut genuine = fields.to_vec();
        genuine[0] = ("token", &token);
        let cross_site = erika
            .send(from_elsewhere(upload_request(&genuine, png)))
            .await;
        assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
        let forged = erika.upload(&fields, png).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let without_token = erika.upload(&fields[1..], png).await;
        assert_eq!(without_token.status, StatusCode::FORBIDDEN);
        assert!(media.info("von-aussen").await.unwrap().is_none());

        let delete = Request::post("/staff/media/stadtfest-buehne/delete")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={}", encode(&token))))
            .unwrap();
        let refused = erika.send(from_elsewhere(delete)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(media.info("stadtfest-buehne").await.unwrap().is_some());

        // The genuine form works.
        let accepted = erika.upload(&genuine, png).await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    })
    .await;
}

#[tokio::test]
async fn only_the_upload_takes_large_bodies() {
    each_backend(&rathaus_web::all_migrations(), |database| async move {
        city(&database).await;
        let mut erika = signed_in_editor(&database).await;
        let uploaded = erika.upload_stage_photo("stadtfest-buehne").await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
        let token = erika.upload_token().await;

        // The details form stays at the limit of ordinary forms.
        let long = "x".repeat(100 * 1024);
        let refused = erika
            .post(
                "/staff/media/stadtfest-buehne",
                &[
                    ("token", &token),
                    ("alt_de", &long),
                    ("focal_x", "50"),
                    ("focal_y", "50"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);

        // An upload over the limit of the upload shows the form with the reason. Browsers
        // announce the length, so nothing of the form is read.
        let huge = vec![0_u8; 26 * 1024 * 1024];
        let refused = erika
            .upload(
                &[("token", &token), ("kind", "image"), ("key", "riesig")],
                Some(("riesig.png", "image/png", &huge)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
        let message = refused.error_at("media-file").unwrap();
        assert!(message.contains("höchstens 20 MB"), "{message}");
        assert!(
            MediaStore::new(database.clone())
                .info("riesig")
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}
