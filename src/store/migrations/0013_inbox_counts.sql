-- 0013_inbox_counts: the inbox's counts per status, kept as the applications change. Counting
-- the applications of the inbox's procedures at every view read every one of them (86 ms per
-- view with 100,000 applications here); a row per procedure and status, kept by triggers in
-- the transaction that inserts or changes an application, makes it a read of a few rows.
-- common:
CREATE TABLE application_counts (
	proc_id TEXT NOT NULL,
	status TEXT NOT NULL,
	n BIGINT NOT NULL CHECK (n >= 0),
	PRIMARY KEY (proc_id, status)
);
INSERT INTO application_counts (proc_id, status, n)
	SELECT proc_id, status, count(*) FROM applications GROUP BY proc_id, status;
-- sqlite:
CREATE TRIGGER application_counts_insert AFTER INSERT ON applications
BEGIN
	INSERT INTO application_counts (proc_id, status, n) VALUES (NEW.proc_id, NEW.status, 1)
		ON CONFLICT (proc_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER application_counts_update AFTER UPDATE OF proc_id, status ON applications
	WHEN OLD.proc_id <> NEW.proc_id OR OLD.status <> NEW.status
BEGIN
	UPDATE application_counts SET n = n - 1 WHERE proc_id = OLD.proc_id AND status = OLD.status;
	INSERT INTO application_counts (proc_id, status, n) VALUES (NEW.proc_id, NEW.status, 1)
		ON CONFLICT (proc_id, status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER application_counts_delete AFTER DELETE ON applications
BEGIN
	UPDATE application_counts SET n = n - 1 WHERE proc_id = OLD.proc_id AND status = OLD.status;
END;
-- postgres:
CREATE FUNCTION application_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE application_counts SET n = n - 1
			WHERE proc_id = OLD.proc_id AND status = OLD.status;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO application_counts (proc_id, status, n) VALUES (NEW.proc_id, NEW.status, 1)
			ON CONFLICT (proc_id, status) DO UPDATE SET n = application_counts.n + 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER application_counts_insert_delete AFTER INSERT OR DELETE ON applications
	FOR EACH ROW EXECUTE FUNCTION application_counts_keep();
CREATE TRIGGER application_counts_update AFTER UPDATE OF proc_id, status ON applications
	FOR EACH ROW WHEN (OLD.proc_id <> NEW.proc_id OR OLD.status <> NEW.status)
	EXECUTE FUNCTION application_counts_keep();
