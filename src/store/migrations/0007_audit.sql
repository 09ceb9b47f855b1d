-- 0007_audit: the audit log (監査ログ) of the staff side: every staff login and failed login,
-- every view of an application or attachment, every decision, note, export, re-verification
-- and staff change, with who (actor), what (action), which application (receipt, NULL when
-- none), when (at, Unix seconds) and from which client address (peer). Append-only: rows are
-- never updated or deleted (the triggers refuse it), and each row carries
-- hash = SHA-256(prev_hash || canonical row), prev_hash being the previous row's hash (64
-- zeros for the first), so that `madoguchi audit verify` finds a row edited, deleted or
-- moved by whoever bypasses the triggers. docs/audit.md states the canonical row; the rules
-- are in src/core/audit.c. ids are given by the store as the head's id + 1, in the
-- transaction that reads the head, so they run 1, 2, 3 ... without gaps; a gap is a
-- deletion. No foreign key on receipt: a look at an application that does not exist is
-- logged too, and nothing of the log depends on other tables.

-- sqlite:
CREATE TABLE audit_log (
	id INTEGER PRIMARY KEY CHECK (id > 0),
	at BIGINT NOT NULL CHECK (at > 0),
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	receipt TEXT,
	detail TEXT NOT NULL,
	peer TEXT NOT NULL,
	prev_hash TEXT NOT NULL UNIQUE,
	hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- postgres:
CREATE TABLE audit_log (
	id bigint PRIMARY KEY CHECK (id > 0),
	at bigint NOT NULL CHECK (at > 0),
	actor text NOT NULL,
	action text NOT NULL,
	receipt text,
	detail text NOT NULL,
	peer text NOT NULL,
	prev_hash text NOT NULL UNIQUE,
	hash text NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- common:
-- The console's filters: one staff member's rows, one application's rows, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_receipt ON audit_log (receipt, id) WHERE receipt IS NOT NULL;
