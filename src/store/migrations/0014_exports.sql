-- 0014_exports: the staff's CSV exports "since my last export": for each staff member and
-- procedure, the arrival time up to which that member's last such export went (the next one
-- starts there). Gone with the staff member.
-- sqlite:
CREATE TABLE staff_exports (
	staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	proc_id TEXT NOT NULL,
	until_at INTEGER NOT NULL CHECK (until_at > 0),
	PRIMARY KEY (staff_id, proc_id)
);
-- postgres:
CREATE TABLE staff_exports (
	staff_id BIGINT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	proc_id TEXT NOT NULL,
	until_at BIGINT NOT NULL CHECK (until_at > 0),
	PRIMARY KEY (staff_id, proc_id)
);
