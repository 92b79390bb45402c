-- Barrier reports gain the record of their answer: when, by whom and a note for colleagues.
ALTER TABLE accessibility_feedback ADD COLUMN answered_at {timestamp};
ALTER TABLE accessibility_feedback ADD COLUMN answered_by TEXT;
ALTER TABLE accessibility_feedback ADD COLUMN answer_note TEXT;
