-- Content items and their revisions. An item is one service, office, life situation, news
-- item, page or district; each change to it is a new revision holding the whole document.
CREATE TABLE content_items (
    id {uuid} PRIMARY KEY,
    kind TEXT NOT NULL
        CHECK (kind IN ('service', 'office', 'life-situation', 'news', 'page', 'district')),
    item_key TEXT NOT NULL,
    -- The revision readers see; null while nothing is published. Kept without a foreign key
    -- because revisions refer to their item.
    published_revision_id {uuid},
    created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL,
    UNIQUE (kind, item_key)
);

CREATE TABLE content_revisions (
    id {uuid} PRIMARY KEY,
    item_id {uuid} NOT NULL REFERENCES content_items (id),
    number BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'in-review', 'published', 'superseded', 'archived')),
    author TEXT NOT NULL,
    note TEXT,
    created_at {timestamp} NOT NULL,
    document {json} NOT NULL,
    UNIQUE (item_id, number)
);

-- One row counting published changes; every node polls it to know when to reload.
CREATE TABLE content_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_state (id, version) VALUES (1, 0);

-- Reports of accessibility barriers from the feedback form of the accessibility statement.
-- contact_name and contact_email are personal data (category: contact).
CREATE TABLE accessibility_feedback (
    id {uuid} PRIMARY KEY,
    received_at {timestamp} NOT NULL,
    page TEXT NOT NULL,
    message TEXT NOT NULL,
    contact_name TEXT,
    contact_email TEXT,
    state TEXT NOT NULL CHECK (state IN ('new', 'answered'))
);
CREATE INDEX accessibility_feedback_received ON accessibility_feedback (received_at);
