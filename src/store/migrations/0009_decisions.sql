-- 0009_decisions: what the staff console keeps beside an application's decisions (the
-- decisions themselves are status changes with their events, migration 0003): the
-- internal notes of the staff (内部メモ, never shown to the applicant), with their author and
-- time, and the mails a decision queued for the applicant (which outbox row, when), so that
-- the staff's timeline says a mail went out only when one did. Times are Unix seconds. Ids
-- differ by dialect, the rest is common.

-- sqlite:
CREATE TABLE application_notes (
	id INTEGER PRIMARY KEY,
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
	body TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE TABLE application_mails (
	id INTEGER PRIMARY KEY,
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	outbox_id BIGINT NOT NULL,
	at BIGINT NOT NULL
);

-- postgres:
CREATE TABLE application_notes (
	id bigserial PRIMARY KEY,
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
	body text NOT NULL,
	at bigint NOT NULL
);
CREATE TABLE application_mails (
	id bigserial PRIMARY KEY,
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	outbox_id bigint NOT NULL,
	at bigint NOT NULL
);

-- common:
CREATE INDEX application_notes_receipt ON application_notes (receipt, id);
CREATE INDEX application_mails_receipt ON application_mails (receipt, id);
