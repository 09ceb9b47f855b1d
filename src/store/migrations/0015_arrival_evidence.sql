-- 0015_arrival_evidence: the evidence of a signature kept from its arrival, for the evidence
-- package (core/evidence_zip.c) and the staff's panel.
--
-- ocsp_response: the DER OCSPResponse that decided the revocation check when the signature
-- arrived (src/sig/ocsp.c), exactly as the responder sent it; NULL when no OCSP response
-- decided (a CRL did: its number, times and SHA-256 are in the verification report; the CRL
-- itself is large and published by the CA, so it is not copied per application). It goes
-- from the sign request to the application, and to its version when the application is
-- corrected, beside the signature it belongs to.
--
-- signature_timestamps: the RFC 3161 time-stamp tokens over the signature value of an
-- application's version (CAdES-T), and the queue of their requests: a row is written in the
-- submission's transaction when tsa_url is set (due at once, stamped_at NULL) and asked of
-- the time-stamp authority by the background round (src/sig/stamp.c), which pushes next_at
-- ahead while it works (the lease) and, when the authority does not answer, by a doubling
-- delay (attempts, last_error). token is the DER TimeStampResp as granted, after its status,
-- message imprint and nonce were checked; gen_time its TSTInfo's genTime. digest names the
-- version (the content's SHA-256, as in applications.digest); imprint is the SHA-256 hex of
-- the signature value that was stamped.

-- sqlite:
ALTER TABLE sign_requests ADD COLUMN ocsp_response BLOB;
ALTER TABLE applications ADD COLUMN ocsp_response BLOB;
ALTER TABLE application_versions ADD COLUMN ocsp_response BLOB;
CREATE TABLE signature_timestamps (
	id INTEGER PRIMARY KEY,
	receipt TEXT NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	digest TEXT NOT NULL,
	created_at BIGINT NOT NULL CHECK (created_at > 0),
	next_at BIGINT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	stamped_at BIGINT,
	gen_time BIGINT,
	imprint TEXT,
	token BLOB,
	UNIQUE (receipt, digest),
	CHECK ((stamped_at IS NULL) = (token IS NULL))
);

-- postgres:
ALTER TABLE sign_requests ADD COLUMN ocsp_response bytea;
ALTER TABLE applications ADD COLUMN ocsp_response bytea;
ALTER TABLE application_versions ADD COLUMN ocsp_response bytea;
CREATE TABLE signature_timestamps (
	id bigserial PRIMARY KEY,
	receipt text NOT NULL REFERENCES applications (receipt) ON DELETE RESTRICT,
	digest text NOT NULL,
	created_at bigint NOT NULL CHECK (created_at > 0),
	next_at bigint NOT NULL,
	attempts integer NOT NULL DEFAULT 0,
	last_error text,
	stamped_at bigint,
	gen_time bigint,
	imprint text,
	token bytea,
	UNIQUE (receipt, digest),
	CHECK ((stamped_at IS NULL) = (token IS NULL))
);

-- common:
-- The round's look-up of due requests; stamped ones are not indexed.
CREATE INDEX signature_timestamps_due ON signature_timestamps (next_at) WHERE stamped_at IS NULL;
