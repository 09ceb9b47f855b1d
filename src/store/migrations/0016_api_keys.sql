-- 0016_api_keys: the API keys of the city's back-office systems (基幹連携, docs/api.md). A key
-- is "mdg_<id>_<secret>": the id is the row's, the secret 32 random bytes in base64url, of
-- which only the SHA-256 (lower-case hex) is stored. Each key reads the applications of the
-- procedures listed for it, and may change their status when its scope is 'read_status'.
-- A revoked key stays (its audit rows name it); last_used_at is the time of its last call.
-- api_key_events names the key that made a status event.
-- sqlite:
CREATE TABLE api_keys (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	secret_hash TEXT NOT NULL UNIQUE,
	scope TEXT NOT NULL CHECK (scope IN ('read', 'read_status')),
	created_by INTEGER REFERENCES staff (id) ON DELETE SET NULL,
	created_at INTEGER NOT NULL CHECK (created_at > 0),
	revoked_at INTEGER,
	last_used_at INTEGER
);
CREATE TABLE api_key_procedures (
	key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
	proc_id TEXT NOT NULL,
	PRIMARY KEY (key_id, proc_id)
);
CREATE TABLE api_key_events (
	event_id INTEGER PRIMARY KEY REFERENCES application_events (id) ON DELETE RESTRICT,
	key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE RESTRICT
);
-- postgres:
CREATE TABLE api_keys (
	id bigserial PRIMARY KEY,
	name text NOT NULL,
	secret_hash text NOT NULL UNIQUE,
	scope text NOT NULL CHECK (scope IN ('read', 'read_status')),
	created_by bigint REFERENCES staff (id) ON DELETE SET NULL,
	created_at bigint NOT NULL CHECK (created_at > 0),
	revoked_at bigint,
	last_used_at bigint
);
CREATE TABLE api_key_procedures (
	key_id bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
	proc_id text NOT NULL,
	PRIMARY KEY (key_id, proc_id)
);
CREATE TABLE api_key_events (
	event_id bigint PRIMARY KEY REFERENCES application_events (id) ON DELETE RESTRICT,
	key_id bigint NOT NULL REFERENCES api_keys (id) ON DELETE RESTRICT
);
