//! The media store on both database backends: what images and documents it accepts, what it
//! makes of them, and when it refuses to delete them.

#![expect(
    clippy::unwrap_used,
    reason = "a failed set-up step must stop the test"
)]

use chrono::{DateTime, TimeZone, Utc};
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use rathaus_base::testing::each_backend;
use rathaus_content::media::{
    CENTRE, Crop, MediaError, MediaKind, MediaStore, NewDocument, NewImage, NewMedia,
};
use rathaus_content::model::{Item, Kind, Localized};
use rathaus_content::store::MIGRATIONS;
use rathaus_content::{ContentStore, import};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap()
}

fn german(text: &str) -> Localized {
    Localized {
        de: text.to_owned(),
        en: None,
        ls: None,
    }
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

/// A photo-like JPEG: a smooth gradient.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let pixels = RgbImage::from_fn(width, height, |x, y| {
        let shade = |value: u32, size: u32| u8::try_from(value * 255 / size).unwrap();
        Rgb([shade(x, width), shade(y, height), 160])
    });
    encode(&DynamicImage::ImageRgb8(pixels), ImageFormat::Jpeg)
}

fn image(key: &str, bytes: Vec<u8>) -> NewImage {
    NewImage {
        key: key.to_owned(),
        bytes,
        alt: german("Ein Farbverlauf von Blau nach Rot"),
        caption: None,
        focal_point: CENTRE,
    }
}

/// A PNG whose header announces `width` × `height` pixels, with no pixel data behind it.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        let mut checked = kind.to_vec();
        checked.extend_from_slice(data);
        chunk.extend_from_slice(&crc32(&checked).to_be_bytes());
        chunk
    }
    let mut header = width.to_be_bytes().to_vec();
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A JPEG with an EXIF block naming a camera, a GPS position and "rotated 90° clockwise".
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let mut tiff = b"MM\0\x2A\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&3u16.to_be_bytes());
    // Make: ASCII, 18 bytes at offset 50.
    tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 18, 0, 0, 0, 50]);
    // Orientation: SHORT 6, rotate 90° clockwise to display.
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    // GPS IFD pointer: offset 68.
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 68]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"Musterkamera-4711\0");
    // GPS IFD: latitude reference "N".
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);

    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);

    let plain = photo(width, height);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&segment);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn an_image_gets_renditions_at_fixed_widths_and_crops() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database.clone());
        let info = media
            .upload_image(image("verlauf", photo(2000, 1000)), "editor", now())
            .await
            .unwrap();
        let details = info.image().unwrap();
        assert_eq!((details.width, details.height), (2000, 1000));
        assert_eq!(info.media_type, "image/jpeg");

        let names: Vec<&str> = details
            .renditions
            .iter()
            .map(|r| r.variant.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "w320",
                "w640",
                "w1024",
                "w1600",
                "16x9-w320",
                "16x9-w640",
                "16x9-w1024",
                "16x9-w1600",
                "1x1-w320",
                "1x1-w640"
            ]
        );
        for listed in &details.renditions {
            let stored = media
                .rendition("verlauf", &listed.variant)
                .await
                .unwrap()
                .unwrap();
            let decoded = image::load_from_memory(&stored.bytes).unwrap();
            assert_eq!(decoded.dimensions(), (listed.width, listed.height));
            let expected_height = match listed.crop {
                Crop::None => listed.width / 2,
                Crop::Wide => listed.width * 9 / 16,
                Crop::Square => listed.width,
            };
            assert!(
                listed.height.abs_diff(expected_height) <= 1,
                "{}: {}×{}",
                listed.variant,
                listed.width,
                listed.height
            );
            assert_eq!(stored.media_type, "image/jpeg");
        }
        assert!(media.rendition("verlauf", "w9999").await.unwrap().is_none());
        assert_eq!(
            ContentStore::new(database).version().await.unwrap(),
            1,
            "pages showing media change with them"
        );
    })
    .await;
}

#[tokio::test]
async fn an_upload_replaces_what_a_key_holds_only_when_asked_to() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database.clone());
        let first = media
            .upload(
                NewMedia::Image(image("rathaus", photo(800, 600))),
                false,
                "anna",
                now(),
            )
            .await
            .unwrap();

        let refused = media
            .upload(
                NewMedia::Image(image("rathaus", photo(1200, 900))),
                false,
                "bert",
                now(),
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(MediaError::KeyTaken {
                    existing: MediaKind::Image,
                    ..
                })
            ),
            "{refused:?}"
        );
        let kept = media.info("rathaus").await.unwrap().unwrap();
        assert_eq!(kept.version, first.version, "the first upload stays");

        let replaced = media
            .upload(
                NewMedia::Image(image("rathaus", photo(1200, 900))),
                true,
                "bert",
                now(),
            )
            .await
            .unwrap();
        assert_eq!(replaced.image().unwrap().width, 1200);
    })
    .await;
}

#[tokio::test]
async fn small_images_are_never_scaled_up() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let info = media
            .upload_image(image("klein", photo(500, 300)), "editor", now())
            .await
            .unwrap();
        let renditions = &info.image().unwrap().renditions;
        assert!(renditions.iter().all(|r| r.width <= 500 && r.height <= 300));
        let plain: Vec<u32> = renditions
            .iter()
            .filter(|r| r.crop == Crop::None)
            .map(|r| r.width)
            .collect();
        assert_eq!(
            plain,
            [320, 500],
            "the largest is the image at its own size"
        );
    })
    .await;
}

#[tokio::test]
async fn png_and_webp_are_accepted_and_transparency_is_kept_as_png() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let logo = RgbaImage::from_fn(400, 400, |x, _| {
            Rgba([20, 60, 140, u8::try_from(x % 256).unwrap()])
        });
        let transparent = encode(&DynamicImage::ImageRgba8(logo), ImageFormat::Png);
        let info = media
            .upload_image(image("logo", transparent), "editor", now())
            .await
            .unwrap();
        assert_eq!(info.media_type, "image/png");
        assert!(
            info.image()
                .unwrap()
                .renditions
                .iter()
                .all(|r| r.media_type == "image/png")
        );

        // An alpha channel nobody uses does not make a photo a PNG.
        let opaque = RgbaImage::from_pixel(400, 300, Rgba([200, 100, 50, 255]));
        let opaque = encode(&DynamicImage::ImageRgba8(opaque), ImageFormat::Png);
        let info = media
            .upload_image(image("deckend", opaque), "editor", now())
            .await
            .unwrap();
        assert_eq!(info.media_type, "image/jpeg");

        let webp = RgbImage::from_pixel(400, 300, Rgb([10, 120, 60]));
        let webp = encode(&DynamicImage::ImageRgb8(webp), ImageFormat::WebP);
        let info = media
            .upload_image(image("webp", webp), "editor", now())
            .await
            .unwrap();
        assert_eq!(info.media_type, "image/jpeg");
    })
    .await;
}

#[tokio::test]
async fn other_files_and_oversized_images_are_refused_with_the_reason() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let upload = |bytes: Vec<u8>| media.upload_image(image("abgelehnt", bytes), "e", now());

        let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
        let error = upload(gif).await.unwrap_err();
        assert!(
            error.to_string().contains("GIF") && error.to_string().contains("JPEG, PNG or WebP"),
            "{error}"
        );

        let mut huge = vec![0xFF, 0xD8, 0xFF];
        huge.resize(20 * 1024 * 1024 + 1, 0);
        let error = upload(huge).await.unwrap_err();
        assert!(matches!(error, MediaError::TooLarge { .. }), "{error}");
        assert!(error.to_string().contains("at most 20 MB"), "{error}");

        // A tiny file that would unpack into 50 million pixels.
        let error = upload(png_header_only(10_000, 5_000)).await.unwrap_err();
        assert!(
            matches!(
                error,
                MediaError::TooManyPixels {
                    width: 10_000,
                    height: 5_000
                }
            ),
            "{error}"
        );
        let error = upload(png_header_only(30_000, 10)).await.unwrap_err();
        assert!(matches!(error, MediaError::Limits(_)), "{error}");

        let mut truncated = photo(300, 200);
        truncated.truncate(200);
        let error = upload(truncated).await.unwrap_err();
        assert!(matches!(error, MediaError::Unreadable(_)), "{error}");

        assert!(media.list(None).await.unwrap().is_empty(), "nothing stored");
    })
    .await;
}

#[tokio::test]
async fn metadata_is_stripped_and_the_orientation_applied() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let upload = jpeg_with_exif(300, 200);
        assert!(contains(&upload, b"Musterkamera-4711"));

        let info = media
            .upload_image(image("mit-exif", upload), "editor", now())
            .await
            .unwrap();
        let details = info.image().unwrap();
        assert_eq!(
            (details.width, details.height),
            (200, 300),
            "turned upright"
        );

        let original = media.original("mit-exif").await.unwrap().unwrap();
        let mut files = vec![original.bytes];
        for rendition in &details.renditions {
            let stored = media.rendition("mit-exif", &rendition.variant).await;
            files.push(stored.unwrap().unwrap().bytes);
        }
        for file in files {
            assert!(!contains(&file, b"Exif"));
            assert!(!contains(&file, b"Musterkamera"));
        }
    })
    .await;
}

#[tokio::test]
async fn crops_keep_the_focal_point_in_view() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        // A grey landscape with a red spot near its right edge.
        let spot = (1440, 450);
        let pixels = RgbImage::from_fn(1600, 900, |x, y| {
            let (dx, dy) = (x.abs_diff(spot.0), y.abs_diff(spot.1));
            if dx * dx + dy * dy < 40 * 40 {
                Rgb([220, 20, 20])
            } else {
                Rgb([200, 200, 200])
            }
        });
        let bytes = encode(&DynamicImage::ImageRgb8(pixels), ImageFormat::Jpeg);
        let mut new = image("rote-markierung", bytes);
        new.focal_point = (0.9, 0.5);
        let before = media.upload_image(new, "editor", now()).await.unwrap();

        let red_pixels = |bytes: &[u8]| {
            let decoded = image::load_from_memory(bytes).unwrap().to_rgb8();
            decoded
                .enumerate_pixels()
                .filter(|(_, _, p)| p[0] > 150 && p[1] < 90 && p[2] < 90)
                .map(|(x, y, _)| (x, y))
                .collect::<Vec<_>>()
        };
        let square = media
            .rendition("rote-markierung", "1x1-w640")
            .await
            .unwrap()
            .unwrap();
        let red = red_pixels(&square.bytes);
        assert!(!red.is_empty(), "the spot is in the square crop");
        // The crop is the right-hand 900 × 900 pixels scaled to 640: the spot sits at
        // (1440 − 700) × 640 / 900 ≈ 526, 320.
        let count = u32::try_from(red.len()).unwrap();
        let x = red.iter().map(|(x, _)| x).sum::<u32>() / count;
        let y = red.iter().map(|(_, y)| y).sum::<u32>() / count;
        assert!(x.abs_diff(526) < 6 && y.abs_diff(320) < 6, "{x}, {y}");

        // Moved to the centre, the square crop loses the spot, and the address changes.
        let after = media
            .update_image_details(
                "rote-markierung",
                german("Eine rote Markierung"),
                None,
                CENTRE,
                "editor",
                now(),
            )
            .await
            .unwrap();
        let square = media
            .rendition("rote-markierung", "1x1-w640")
            .await
            .unwrap()
            .unwrap();
        assert!(red_pixels(&square.bytes).is_empty());
        assert_ne!(before.version, after.version);

        // A new text alone changes no file, so addresses stay valid.
        let texts_only = media
            .update_image_details(
                "rote-markierung",
                german("Ein roter Punkt rechts"),
                Some(german("Testbild")),
                CENTRE,
                "editor",
                now(),
            )
            .await
            .unwrap();
        assert_eq!(texts_only.version, after.version);
        assert_eq!(texts_only.image().unwrap().alt.de, "Ein roter Punkt rechts");
    })
    .await;
}

#[tokio::test]
async fn alternative_text_and_focal_point_are_checked() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let field_of = |result: Result<_, MediaError>| match result {
            Err(MediaError::Invalid { field, .. }) => field,
            other => panic!("expected a field to be refused, got {other:?}"),
        };

        let mut missing_alt = image("ohne-text", photo(100, 100));
        missing_alt.alt = german("  ");
        let result = media.upload_image(missing_alt, "e", now()).await;
        assert_eq!(field_of(result), "alt.de");

        let mut file_name = image("dateiname", photo(100, 100));
        file_name.alt = german("IMG_2034.JPG");
        let result = media.upload_image(file_name, "e", now()).await;
        assert_eq!(field_of(result), "alt.de");

        let mut empty_english = image("leer", photo(100, 100));
        empty_english.alt.en = Some(String::new());
        let result = media.upload_image(empty_english, "e", now()).await;
        assert_eq!(field_of(result), "alt.en");

        let mut outside = image("aussen", photo(100, 100));
        outside.focal_point = (1.5, 0.5);
        let result = media.upload_image(outside, "e", now()).await;
        assert_eq!(field_of(result), "focal_point");

        let result = media
            .upload_image(image("Kein Schlüssel", photo(100, 100)), "e", now())
            .await;
        assert_eq!(field_of(result), "key");
    })
    .await;
}

fn leaflet(key: &str) -> NewDocument {
    NewDocument {
        key: key.to_owned(),
        bytes: b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec(),
        title: german("Merkblatt"),
        language: "de".to_owned(),
    }
}

#[tokio::test]
async fn documents_are_pdf_files_with_a_title_and_a_language() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database);
        let info = media
            .upload_document(leaflet("merkblatt"), "editor", now())
            .await
            .unwrap();
        assert_eq!(info.kind(), MediaKind::Document);
        assert_eq!(info.media_type, "application/pdf");
        assert_eq!(info.document().unwrap().language, "de");
        let original = media.original("merkblatt").await.unwrap().unwrap();
        assert_eq!(
            original.bytes,
            leaflet("merkblatt").bytes,
            "stored as uploaded"
        );

        let mut word = leaflet("word");
        word.bytes = b"PK\x03\x04rest of a docx".to_vec();
        let error = media.upload_document(word, "e", now()).await.unwrap_err();
        assert!(error.to_string().contains("not a PDF"), "{error}");

        let mut untitled = leaflet("ohne-titel");
        untitled.title = german("");
        let error = media
            .upload_document(untitled, "e", now())
            .await
            .unwrap_err();
        assert!(error.to_string().starts_with("field `title.de`"), "{error}");

        let mut language = leaflet("sprache");
        language.language = "Deutsch".to_owned();
        let error = media
            .upload_document(language, "e", now())
            .await
            .unwrap_err();
        assert!(error.to_string().starts_with("field `language`"), "{error}");

        // An image cannot take a document's key.
        let error = media
            .upload_image(image("merkblatt", photo(100, 100)), "e", now())
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                MediaError::KindMismatch {
                    existing: MediaKind::Document,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(media.list(Some(MediaKind::Image)).await.unwrap().len(), 0);
        assert_eq!(
            media.list(Some(MediaKind::Document)).await.unwrap().len(),
            1
        );
    })
    .await;
}

fn news_with_image(image: Option<&str>) -> Item {
    let mut document = serde_json::json!({
        "key": "rathaus-saniert",
        "published_at": "2026-11-01T09:00:00+01:00",
        "de": { "title": "Rathaus saniert", "summary": "Kurz.", "body": "Lang." }
    });
    if let Some(image) = image {
        document["image"] = image.into();
    }
    import::parse_document(Kind::News, document).unwrap()
}

#[tokio::test]
async fn media_shown_by_published_content_cannot_be_deleted() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database.clone());
        let content = ContentStore::new(database);
        media
            .upload_image(image("fassade", photo(800, 600)), "editor", now())
            .await
            .unwrap();
        content
            .import(&[news_with_image(Some("fassade"))], "editor", now())
            .await
            .unwrap();

        let error = media.delete("fassade").await.unwrap_err();
        assert!(
            error.to_string().contains("news `rathaus-saniert`"),
            "{error}"
        );
        assert!(media.info("fassade").await.unwrap().is_some());

        content
            .import(&[news_with_image(None)], "editor", now())
            .await
            .unwrap();
        media.delete("fassade").await.unwrap();
        assert!(media.info("fassade").await.unwrap().is_none());
        assert!(media.rendition("fassade", "w320").await.unwrap().is_none());
        assert!(matches!(
            media.delete("fassade").await,
            Err(MediaError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn media_named_by_an_open_revision_cannot_be_deleted() {
    each_backend(MIGRATIONS, |database| async move {
        let media = MediaStore::new(database.clone());
        let content = ContentStore::new(database);
        media
            .upload_image(image("fassade", photo(800, 600)), "editor", now())
            .await
            .unwrap();
        content
            .import(&[news_with_image(None)], "editor", now())
            .await
            .unwrap();
        let newest = content
            .revisions(Kind::News, "rathaus-saniert")
            .await
            .unwrap()[0]
            .number;
        let draft = content
            .save_draft(
                &news_with_image(Some("fassade")),
                Some(newest),
                "editor",
                None,
                now(),
            )
            .await
            .unwrap();

        let error = media.delete("fassade").await.unwrap_err();
        assert!(
            error.to_string().contains("news `rathaus-saniert`"),
            "a draft that would show the image keeps it: {error}"
        );
        assert_eq!(
            media.used_by("fassade").await.unwrap().len(),
            1,
            "the item is named once"
        );

        content
            .discard(Kind::News, "rathaus-saniert", draft)
            .await
            .unwrap();
        media.delete("fassade").await.unwrap();
    })
    .await;
}

#[test]
fn references_to_missing_media_or_the_wrong_kind_are_import_problems() {
    let folder = tempfile::tempdir().unwrap();
    let news = folder.path().join("news");
    std::fs::create_dir_all(&news).unwrap();
    let text = "key = \"bild\"\npublished_at = 2026-11-01T09:00:00+01:00\n\
                image = \"merkblatt\"\n[de]\ntitle = \"T\"\nsummary = \"S\"\nbody = \"B\"\n";
    std::fs::write(news.join("bild.toml"), text).unwrap();

    let mut stored = import::Stored::default();
    let problems = match import::read_folder_with_media(folder.path(), &stored) {
        Err(rathaus_content::ContentError::Import(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    assert_eq!(
        problems[0].to_string(),
        "news/bild.toml, item `bild`, field `image`: there is no image with the key `merkblatt`"
    );

    stored
        .media
        .insert("merkblatt".to_owned(), MediaKind::Document);
    let problems = match import::read_folder_with_media(folder.path(), &stored) {
        Err(rathaus_content::ContentError::Import(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    assert!(
        problems[0]
            .to_string()
            .ends_with("`merkblatt` is a document, not an image"),
        "{problems:?}"
    );
}

#[test]
fn a_media_description_must_name_a_readable_file_of_the_right_type() {
    let folder = tempfile::tempdir().unwrap();
    let media = folder.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    std::fs::write(
        media.join("plan.toml"),
        "key = \"plan\"\nkind = \"image\"\nfile = \"plan.gif\"\n[alt]\nde = \"Ein Plan\"\n",
    )
    .unwrap();
    std::fs::write(media.join("plan.gif"), b"GIF89a....").unwrap();
    std::fs::write(
        media.join("weg.toml"),
        "key = \"weg\"\nkind = \"document\"\nfile = \"../weg.pdf\"\nlanguage = \"de\"\n\
         [title]\nde = \"Weg\"\n",
    )
    .unwrap();
    std::fs::write(media.join("vergessen.jpg"), photo(10, 10)).unwrap();

    let problems = match import::read_folder_with_media(folder.path(), &import::Stored::default()) {
        Err(rathaus_content::ContentError::Import(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(
        text.contains("media/plan.toml, item `plan`, field `file`: the file is a GIF image"),
        "{text}"
    );
    assert!(
        text.contains("media/weg.toml, item `weg`, field `file`: `../weg.pdf` is not a file name"),
        "{text}"
    );
    assert!(
        text.contains("media/vergessen.jpg: no file in media/ names this file"),
        "{text}"
    );
}
