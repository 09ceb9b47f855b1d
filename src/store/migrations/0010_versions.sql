-- 0010_versions: the correction of a returned application (差し戻し). A resident corrects a
-- returned application in a new draft tied to its receipt (drafts.resubmit_of); submitting
-- that draft gives the same application a new version instead of a new receipt. Every
-- version's content, display lines, digest, signature, verification report and time of
-- submission are kept in application_versions (version 1 is copied there from the
-- application row at the first resubmission); the application row always holds the latest
-- version. Versions are never deleted, and keep the draft that holds their attachments
-- (RESTRICT, as the application row does for its own draft).

-- common:
ALTER TABLE drafts ADD COLUMN resubmit_of TEXT REFERENCES applications (receipt);

-- sqlite:
CREATE TABLE application_versions (
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	version INTEGER NOT NULL CHECK (version >= 1),
	draft_key TEXT NOT NULL REFERENCES drafts (key) ON DELETE RESTRICT,
	proc_version INTEGER NOT NULL,
	proc_title TEXT NOT NULL,
	digest TEXT NOT NULL,
	submitted_at BIGINT NOT NULL,
	content TEXT NOT NULL,
	display TEXT NOT NULL,
	signature BLOB,
	verification TEXT,
	PRIMARY KEY (receipt, version)
);

-- postgres:
CREATE TABLE application_versions (
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	version integer NOT NULL CHECK (version >= 1),
	draft_key text NOT NULL REFERENCES drafts (key) ON DELETE RESTRICT,
	proc_version integer NOT NULL,
	proc_title text NOT NULL,
	digest text NOT NULL,
	submitted_at bigint NOT NULL,
	content text NOT NULL,
	display text NOT NULL,
	signature bytea,
	verification text,
	PRIMARY KEY (receipt, version)
);

-- common:
-- The correction drafts of an application (the foreign key's look-up).
CREATE INDEX drafts_resubmit_of ON drafts (resubmit_of) WHERE resubmit_of IS NOT NULL;
