-- Images and documents (media) that content items refer to by key. The original file and
-- every rendition live in the database, so that every node can serve them.
CREATE TABLE media_items (
    id {uuid} PRIMARY KEY,
    media_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'document')),
    media_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    -- SHA-256 of the file as it was uploaded, to recognise an unchanged file on import.
    source_sha256 TEXT NOT NULL,
    -- Changes whenever a file served for this item changes; part of its web addresses.
    version TEXT NOT NULL,
    -- Kind-specific facts: size, alternative text, caption and focal point of an image;
    -- title and language of a document.
    details {json} NOT NULL,
    -- For images the uploaded picture re-encoded without metadata; for documents the file.
    original {blob} NOT NULL,
    original_etag TEXT NOT NULL,
    created_at {timestamp} NOT NULL,
    created_by TEXT NOT NULL,
    updated_at {timestamp} NOT NULL,
    updated_by TEXT NOT NULL
);

-- Scaled and cropped versions of an image, made once on upload.
CREATE TABLE media_renditions (
    media_id {uuid} NOT NULL REFERENCES media_items (id) ON DELETE CASCADE,
    variant TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    etag TEXT NOT NULL,
    bytes {blob} NOT NULL,
    PRIMARY KEY (media_id, variant)
);
