-- 0003_applications: drafts of procedure forms (saved as people type), their attached
-- files, and the applications they become when submitted, with the per-year counter of
-- receipt numbers and the history of each application's status. Times are Unix seconds
-- (BIGINT); NULL means "not set" (0 in the C structs). Ids and binary columns differ by
-- dialect, the rest is common.
--
-- What is kept, whatever happens to an account: an application is a public record of the
-- city. Deleting an account sets applications.account_id to NULL (never cascades); the
-- submitted draft (which holds the attachments) cannot be deleted while its application
-- exists (RESTRICT); events are never deleted with anything.

-- common:
-- owner: "a:ACCOUNT_ID" or "s:SESSION_HASH". receipt: NULL while the draft is open, the
-- application's receipt number once submitted. raw: the form input as JSON text.
CREATE TABLE drafts (
	key TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	proc_id TEXT NOT NULL,
	proc_version INTEGER NOT NULL,
	raw TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	receipt TEXT
);
-- One open draft per owner and procedure; submitted ones do not count, so a person can
-- start the same procedure again after submitting it.
CREATE UNIQUE INDEX drafts_open ON drafts (owner, proc_id) WHERE receipt IS NULL;

-- The last receipt number given out in each year (Japan time). Bumped inside the
-- submitting transaction, so numbers are unique across processes and, since a rolled back
-- submission rolls the counter back too, without gaps.
CREATE TABLE receipt_counters (
	year INTEGER PRIMARY KEY,
	last BIGINT NOT NULL CHECK (last > 0)
);

-- sqlite:
-- AUTOINCREMENT: an attachment's id is in links to it; a deleted file's id is never given
-- to another file, so an old link cannot open something else.
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	draft_key TEXT NOT NULL REFERENCES drafts (key) ON DELETE CASCADE,
	field TEXT NOT NULL,
	filename TEXT NOT NULL,
	mime TEXT NOT NULL,
	size BIGINT NOT NULL CHECK (size > 0),
	sha256 TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	-- Last, so that listing the other columns never reads the file's pages.
	data BLOB NOT NULL,
	CHECK (size = length(data))
);
CREATE TABLE applications (
	receipt TEXT PRIMARY KEY,
	draft_key TEXT NOT NULL UNIQUE REFERENCES drafts (key) ON DELETE RESTRICT,
	account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
	proc_id TEXT NOT NULL,
	proc_version INTEGER NOT NULL,
	proc_title TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'reviewing', 'done',
	                                       'rejected', 'returned', 'withdrawn')),
	digest TEXT NOT NULL,
	content TEXT NOT NULL,
	display TEXT NOT NULL,
	signature BLOB,
	verification TEXT,
	submitted_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE TABLE application_events (
	id INTEGER PRIMARY KEY,
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'reviewing', 'done',
	                                       'rejected', 'returned', 'withdrawn')),
	note TEXT,
	at BIGINT NOT NULL
);

-- postgres:
CREATE TABLE attachments (
	id bigserial PRIMARY KEY,
	draft_key text NOT NULL REFERENCES drafts (key) ON DELETE CASCADE,
	field text NOT NULL,
	filename text NOT NULL,
	mime text NOT NULL,
	size bigint NOT NULL CHECK (size > 0),
	sha256 text NOT NULL,
	created_at bigint NOT NULL,
	data bytea NOT NULL,
	CHECK (size = length(data))
);
CREATE TABLE applications (
	receipt text PRIMARY KEY,
	draft_key text NOT NULL UNIQUE REFERENCES drafts (key) ON DELETE RESTRICT,
	account_id bigint REFERENCES accounts (id) ON DELETE SET NULL,
	proc_id text NOT NULL,
	proc_version integer NOT NULL,
	proc_title text NOT NULL,
	status text NOT NULL CHECK (status IN ('sent', 'accepted', 'reviewing', 'done',
	                                       'rejected', 'returned', 'withdrawn')),
	digest text NOT NULL,
	content text NOT NULL,
	display text NOT NULL,
	signature bytea,
	verification text,
	submitted_at bigint NOT NULL,
	updated_at bigint NOT NULL
);
CREATE TABLE application_events (
	id bigserial PRIMARY KEY,
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	status text NOT NULL CHECK (status IN ('sent', 'accepted', 'reviewing', 'done',
	                                       'rejected', 'returned', 'withdrawn')),
	note text,
	at bigint NOT NULL
);

-- common:
CREATE INDEX attachments_draft ON attachments (draft_key, id);
-- The my-page list: an account's applications, newest first.
CREATE INDEX applications_account ON applications (account_id, submitted_at);
CREATE INDEX application_events_receipt ON application_events (receipt, id);
