-- The editorial workflow: revisions gain the states in-review, scheduled and discarded, and
-- the record of their review; items gain a review date and an expiry; preview links let
-- someone without an account see a draft for a limited time.
--
-- The revisions table is rebuilt to widen its state check, in SQL both backends run.
-- Nothing has a foreign key to it, so it can be dropped and renamed.
CREATE TABLE content_revisions_next (
    id {uuid} PRIMARY KEY,
    item_id {uuid} NOT NULL REFERENCES content_items (id),
    number BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN (
        'draft', 'in-review', 'scheduled', 'published', 'superseded', 'archived', 'discarded'
    )),
    author TEXT NOT NULL,
    note TEXT,
    created_at {timestamp} NOT NULL,
    document {json} NOT NULL,
    -- When a scheduled revision is to be published.
    publish_at {timestamp},
    -- The last review: who, when, and the comment when a revision was sent back.
    reviewed_by TEXT,
    reviewed_at {timestamp},
    review_comment TEXT,
    UNIQUE (item_id, number)
);
INSERT INTO content_revisions_next (id, item_id, number, state, author, note, created_at, document)
    SELECT id, item_id, number, state, author, note, created_at, document FROM content_revisions;
DROP TABLE content_revisions;
ALTER TABLE content_revisions_next RENAME TO content_revisions;
CREATE INDEX content_revisions_due ON content_revisions (state, publish_at);

-- The date by which an editor should check that an item is still right.
ALTER TABLE content_items ADD COLUMN review_due TEXT;
-- When a published item is taken off the portal by itself.
ALTER TABLE content_items ADD COLUMN expire_at {timestamp};

CREATE TABLE content_preview_links (
    -- SHA-256 of the secret in the link; the secret itself is never stored.
    token_hash TEXT PRIMARY KEY,
    revision_id {uuid} NOT NULL,
    created_by TEXT NOT NULL,
    created_at {timestamp} NOT NULL,
    expires_at {timestamp} NOT NULL
);
