-- 0005_anon_uploads: the attachment bytes that people without login sent, per client address
-- and time, so that one address's uploads in an hour can be bounded (anon_upload_peer_bytes_hour)
-- whatever became of the files since (a file removed from a draft still counts: the bound is
-- on what was written, not on what is kept). Housekeeping deletes rows older than a day.

-- common:
CREATE TABLE anon_uploads (
	peer TEXT NOT NULL,
	at BIGINT NOT NULL,
	bytes BIGINT NOT NULL CHECK (bytes > 0)
);
CREATE INDEX anon_uploads_peer ON anon_uploads (peer, at);
