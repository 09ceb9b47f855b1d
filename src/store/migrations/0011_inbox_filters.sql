-- 0011_inbox_filters: what the staff inbox filters by and the evidence panel appends.
-- Per application, written by the submit transaction (src/core/submit.c) at arrival:
-- search_key, the applicant's name and furigana folded for search (NFKC, no spaces, the
-- two joined by a newline, which a folded value never holds); differs, 1 when the signing
-- certificate's name, birth date or address differs from the form's, 0 when none does.
-- Both stay NULL for applications that arrived before this migration (未判定) and for what
-- has nothing to compare (no signature, no marked fields). assignee: the staff member who
-- handles it (担当), NULL for nobody. reverifications: each later verification of the
-- stored signature (再検証), appended; the report at arrival (applications.verification)
-- is never overwritten. No foreign key on staff_id: like the audit log, the record of who
-- re-verified outlives the account.

-- common:
ALTER TABLE applications ADD COLUMN search_key TEXT;
ALTER TABLE applications ADD COLUMN differs INTEGER CHECK (differs IN (0, 1));
ALTER TABLE applications ADD COLUMN assignee BIGINT REFERENCES staff (id) ON DELETE SET NULL;
CREATE INDEX applications_assignee ON applications (assignee, submitted_at, receipt);

-- sqlite:
CREATE TABLE reverifications (
	id INTEGER PRIMARY KEY,
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	staff_id BIGINT NOT NULL,
	at BIGINT NOT NULL CHECK (at > 0),
	result TEXT NOT NULL,
	report TEXT NOT NULL
);

-- postgres:
CREATE TABLE reverifications (
	id bigserial PRIMARY KEY,
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	staff_id bigint NOT NULL,
	at bigint NOT NULL CHECK (at > 0),
	result text NOT NULL,
	report text NOT NULL
);

-- common:
CREATE INDEX reverifications_receipt ON reverifications (receipt, id);
