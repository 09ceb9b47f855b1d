-- 0012_staff_admin: the staff console's re-entry of the TOTP code (step-up) and the mail
-- alerts of new arrivals. The SQL is the same in both dialects.

-- When the TOTP code (or a recovery code) was last entered in a staff session: at login,
-- then at each /staff/reauth. Gone with its session.
CREATE TABLE staff_step_ups (
	id_hash TEXT PRIMARY KEY REFERENCES staff_sessions (id_hash) ON DELETE CASCADE,
	totp_at BIGINT NOT NULL
);

-- A staff member's alert for one procedure: 'each' (a mail per arrival) or 'hourly' (one
-- digest an hour of the arrivals after last_digest_at). No row: no mail (the default).
-- Mailed only while the member has a role on the procedure.
CREATE TABLE staff_alerts (
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	proc_id TEXT NOT NULL,
	mode TEXT NOT NULL CHECK (mode IN ('each', 'hourly')),
	last_digest_at BIGINT NOT NULL,
	PRIMARY KEY (staff_id, proc_id)
);
CREATE INDEX staff_alerts_proc ON staff_alerts (proc_id, mode);
