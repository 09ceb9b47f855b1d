-- 0008_inbox: the staff inbox lists the applications of a set of procedures newest first by
-- (submitted_at, receipt), in pages by that key; one index range per procedure serves it.

-- sqlite:
CREATE INDEX applications_inbox ON applications (proc_id, submitted_at, receipt);

-- postgres:
CREATE INDEX applications_inbox ON applications (proc_id, submitted_at DESC, receipt DESC);
