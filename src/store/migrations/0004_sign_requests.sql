-- 0004_sign_requests: sign requests (署名要求). The confirmation page of a procedure that
-- needs an e-signature makes one; the signing app fetches it by the id in its link and posts
-- the signature. Only the SHA-256 hex of the id is stored (id_hash), so a copy of the
-- database gives nobody a usable link. A request is bound to one draft and to the digest of
-- the draft's canonical content at the time, is used once (status leaves 'pending' together
-- with used_at being set, never back) and lives minutes (expires_at). Times are Unix
-- seconds (BIGINT); NULL means "not set" (0 in the C structs).
--
-- The requests go with their draft (ON DELETE CASCADE): deleting an open draft, or an
-- account with its open drafts, deletes them. A submitted draft cannot be deleted (its
-- application RESTRICTs it), so its requests stay with it; the application keeps its own
-- copy of the signature and the verification report.
--
-- The small columns come first and the large ones (content, display, signature,
-- verification) last, so that the look-ups by draft and the checks of status and expiry
-- never read the pages of a large content.

-- sqlite:
CREATE TABLE sign_requests (
	id_hash TEXT PRIMARY KEY,
	draft_key TEXT NOT NULL REFERENCES drafts (key) ON DELETE CASCADE,
	digest TEXT NOT NULL,
	proc_title TEXT NOT NULL,
	created_at BIGINT NOT NULL CHECK (created_at > 0),
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'refused')),
	content TEXT NOT NULL,
	display TEXT NOT NULL,
	signature BLOB,
	verification TEXT,
	CHECK (expires_at > created_at),
	-- Used exactly when no longer pending; a signed request has its signature.
	CHECK ((status = 'pending') = (used_at IS NULL)),
	CHECK (status <> 'signed' OR signature IS NOT NULL)
);

-- postgres:
CREATE TABLE sign_requests (
	id_hash text PRIMARY KEY,
	draft_key text NOT NULL REFERENCES drafts (key) ON DELETE CASCADE,
	digest text NOT NULL,
	proc_title text NOT NULL,
	created_at bigint NOT NULL CHECK (created_at > 0),
	expires_at bigint NOT NULL,
	used_at bigint,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'signed', 'refused')),
	content text NOT NULL,
	display text NOT NULL,
	signature bytea,
	verification text,
	CHECK (expires_at > created_at),
	CHECK ((status = 'pending') = (used_at IS NULL)),
	CHECK (status <> 'signed' OR signature IS NOT NULL)
);

-- common:
-- A draft's signed requests (the signature that counts for its content now), and the
-- foreign key's look-up when a draft is deleted.
CREATE INDEX sign_requests_draft ON sign_requests (draft_key, status);
-- Housekeeping: requests never used, by expiry; used ones are not indexed, so the index
-- stays as small as the number of requests open at a time.
CREATE INDEX sign_requests_unused ON sign_requests (expires_at) WHERE used_at IS NULL;
