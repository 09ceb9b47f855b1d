-- 0006_staff: the city's staff, apart from residents: their accounts (e-mail folded as
-- residents' are, argon2id hash, TOTP secret, administrator or not), their roles per
-- procedure, their sessions, the last TOTP step each has used (so that a code works once),
-- their single-use recovery codes and enrolment tokens (both stored as SHA-256 hex only).
-- Times are Unix seconds; NULL means "not set". Ids differ by dialect, the rest is common.

-- sqlite:
-- AUTOINCREMENT: a staff id is never given out again (an audit row naming it stays true).
CREATE TABLE staff (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	pw_hash TEXT NOT NULL DEFAULT '',
	totp_secret TEXT NOT NULL DEFAULT '',
	is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	created_at BIGINT NOT NULL,
	enrolled_at BIGINT
);

-- postgres:
CREATE TABLE staff (
	id bigserial PRIMARY KEY,
	email text NOT NULL,
	email_key text NOT NULL UNIQUE,
	name text NOT NULL,
	pw_hash text NOT NULL DEFAULT '',
	totp_secret text NOT NULL DEFAULT '',
	is_admin integer NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
	created_at bigint NOT NULL,
	enrolled_at bigint
);

-- common:
-- role: viewer (閲覧) or reviewer (審査); an administrator sees no applications without one.
CREATE TABLE staff_procedure_roles (
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	proc_id TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('viewer', 'reviewer')),
	PRIMARY KEY (staff_id, proc_id)
);
CREATE INDEX staff_procedure_roles_proc ON staff_procedure_roles (proc_id);

-- id_hash: SHA-256 hex of the staff cookie's value.
CREATE TABLE staff_sessions (
	id_hash TEXT PRIMARY KEY,
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- The highest TOTP time step (Unix time / 30) accepted for the staff member: a code of that
-- step or an earlier one is refused, so each step's code works once.
CREATE TABLE staff_totp_used (
	staff_id BIGINT PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
	last_step BIGINT NOT NULL
);

CREATE TABLE staff_recovery_codes (
	code_hash TEXT PRIMARY KEY,
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	created_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX staff_recovery_codes_staff ON staff_recovery_codes (staff_id);

CREATE TABLE staff_enrol_tokens (
	token_hash TEXT PRIMARY KEY,
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX staff_enrol_tokens_staff ON staff_enrol_tokens (staff_id);
