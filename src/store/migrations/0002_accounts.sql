-- 0002_accounts: residents' accounts, their single-use tokens (address confirmation,
-- password reset, change of address), sessions, the failure log that throttling counts,
-- and the outbox of mails waiting to be sent. Times are Unix seconds (BIGINT); NULL means
-- "not set" (0 in the C structs). Ids differ by dialect, the rest is common.

-- sqlite:
-- AUTOINCREMENT: an account id is never given out again after a deletion, so that
-- anything still naming the old id (a throttle key, a log line) cannot point at someone
-- else.
CREATE TABLE accounts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,
	pw_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	verified_at BIGINT
);
CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	next_at BIGINT NOT NULL,
	sent_at BIGINT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);

-- postgres:
CREATE TABLE accounts (
	id bigserial PRIMARY KEY,
	email text NOT NULL,
	email_key text NOT NULL UNIQUE,
	pw_hash text NOT NULL,
	created_at bigint NOT NULL,
	verified_at bigint
);
CREATE TABLE outbox (
	id bigserial PRIMARY KEY,
	to_addr text NOT NULL,
	subject text NOT NULL,
	body text NOT NULL,
	created_at bigint NOT NULL,
	next_at bigint NOT NULL,
	sent_at bigint,
	attempts integer NOT NULL DEFAULT 0,
	last_error text NOT NULL DEFAULT ''
);

-- common:
-- token_hash: SHA-256 hex of the token sent by mail; data: e.g. the new address.
CREATE TABLE tokens (
	token_hash TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	data TEXT,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX tokens_account ON tokens (account_id, kind);

-- id_hash: SHA-256 hex of the cookie value. account_id NULL: not logged in.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	account_id BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
	csrf TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- One row per failure; counted over a sliding window by key.
CREATE TABLE throttle (
	key TEXT NOT NULL,
	at BIGINT NOT NULL
);
CREATE INDEX throttle_key_at ON throttle (key, at);

-- The mails a sender may take: only unsent ones are indexed, so the index stays small
-- however many mails were ever sent.
CREATE INDEX outbox_due ON outbox (next_at) WHERE sent_at IS NULL;
