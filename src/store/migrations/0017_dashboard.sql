-- 0017_dashboard: what the staff dashboard (集計, store_dash.c) reads. Counting 100,000
-- applications at each view took 84 ms for the arrivals per day and 116 ms for the days to a
-- decision here (the latter reading each decided application's row); rows kept by triggers
-- in the transaction that changes an application make each a read of a few hundred rows, as
-- migration 0013 did for the counts per status.
--
-- application_arrivals: the applications per procedure and day of arrival (submitted_at) in
-- Japan, day number (submitted_at + 32400) / 86400 (UTC+9, JDATE_JST_OFFSET; times are
-- positive). An application sent again after a return for correction moves to its new day,
-- as its submitted_at does.
-- application_decision_days: the decisions per procedure, day of the decision and number of
-- days it took. A decision is an application's first event into 処理完了 (done) or 申請却下
-- (rejected); the days are the day number of that event less the day number of the
-- application's submitted_at at that moment (the latest version's arrival, for one sent
-- again after a return for correction). Both statuses are final: nothing changes it after.
-- Keeping the decisions as rows and counting them at each view took 9 ms with 16,000 of
-- them in the last 30 days.
-- applications_waiting: the applications that wait for the staff (送信済, 受付, 審査中: not
-- final, not returned to the applicant; core/dashboard.h dash_status_waiting), by arrival:
-- the oldest of a procedure is one seek, those past its 標準処理期間 one range in order. A
-- partial index, so that it serves only queries that name these statuses as it does: an
-- index (proc_id, status, submitted_at) tried first was taken by SQLite for the inbox's list
-- too, which then sorted every application of its procedures (58 instead of 6,000 views a
-- second).
-- common:
CREATE TABLE application_arrivals (
	proc_id TEXT NOT NULL,
	day BIGINT NOT NULL,
	n BIGINT NOT NULL CHECK (n >= 0),
	PRIMARY KEY (proc_id, day)
);
INSERT INTO application_arrivals (proc_id, day, n)
	SELECT proc_id, (submitted_at + 32400) / 86400, count(*) FROM applications GROUP BY 1, 2;
CREATE TABLE application_decision_days (
	proc_id TEXT NOT NULL,
	day BIGINT NOT NULL,
	days BIGINT NOT NULL,
	n BIGINT NOT NULL CHECK (n >= 0),
	PRIMARY KEY (proc_id, day, days)
);
INSERT INTO application_decision_days (proc_id, day, days, n)
	SELECT proc_id, dec_day, dec_day - arr_day, count(*) FROM (
		SELECT a.proc_id AS proc_id, (a.submitted_at + 32400) / 86400 AS arr_day,
			(min(e.at) + 32400) / 86400 AS dec_day
		FROM applications a JOIN application_events e ON e.receipt = a.receipt
		WHERE e.status IN ('done', 'rejected') GROUP BY a.receipt, a.proc_id, a.submitted_at
	) AS x GROUP BY 1, 2, 3;
CREATE INDEX applications_waiting ON applications (proc_id, submitted_at, receipt)
	WHERE status IN ('sent', 'accepted', 'reviewing');
-- sqlite:
CREATE TRIGGER application_arrivals_insert AFTER INSERT ON applications
BEGIN
	INSERT INTO application_arrivals (proc_id, day, n)
		VALUES (NEW.proc_id, (NEW.submitted_at + 32400) / 86400, 1)
		ON CONFLICT (proc_id, day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER application_arrivals_update AFTER UPDATE OF proc_id, submitted_at ON applications
	WHEN OLD.proc_id <> NEW.proc_id
	OR (OLD.submitted_at + 32400) / 86400 <> (NEW.submitted_at + 32400) / 86400
BEGIN
	UPDATE application_arrivals SET n = n - 1
		WHERE proc_id = OLD.proc_id AND day = (OLD.submitted_at + 32400) / 86400;
	INSERT INTO application_arrivals (proc_id, day, n)
		VALUES (NEW.proc_id, (NEW.submitted_at + 32400) / 86400, 1)
		ON CONFLICT (proc_id, day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER application_arrivals_delete AFTER DELETE ON applications
BEGIN
	UPDATE application_arrivals SET n = n - 1
		WHERE proc_id = OLD.proc_id AND day = (OLD.submitted_at + 32400) / 86400;
END;
CREATE TRIGGER application_decisions_event AFTER INSERT ON application_events
	WHEN NEW.status IN ('done', 'rejected') AND NOT EXISTS (SELECT 1 FROM application_events f
		WHERE f.receipt = NEW.receipt AND f.status IN ('done', 'rejected') AND f.id < NEW.id)
BEGIN
	INSERT INTO application_decision_days (proc_id, day, days, n)
		SELECT proc_id, (NEW.at + 32400) / 86400,
			(NEW.at + 32400) / 86400 - (submitted_at + 32400) / 86400, 1
		FROM applications WHERE receipt = NEW.receipt
		ON CONFLICT (proc_id, day, days) DO UPDATE SET n = n + 1;
END;
-- postgres:
CREATE FUNCTION application_arrivals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE application_arrivals SET n = n - 1
			WHERE proc_id = OLD.proc_id AND day = (OLD.submitted_at + 32400) / 86400;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO application_arrivals (proc_id, day, n)
			VALUES (NEW.proc_id, (NEW.submitted_at + 32400) / 86400, 1)
			ON CONFLICT (proc_id, day) DO UPDATE SET n = application_arrivals.n + 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER application_arrivals_insert_delete AFTER INSERT OR DELETE ON applications
	FOR EACH ROW EXECUTE FUNCTION application_arrivals_keep();
CREATE TRIGGER application_arrivals_update AFTER UPDATE OF proc_id, submitted_at ON applications
	FOR EACH ROW WHEN (OLD.proc_id <> NEW.proc_id
	OR (OLD.submitted_at + 32400) / 86400 <> (NEW.submitted_at + 32400) / 86400)
	EXECUTE FUNCTION application_arrivals_keep();
CREATE FUNCTION application_decisions_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM application_events f WHERE f.receipt = NEW.receipt
			AND f.status IN ('done', 'rejected') AND f.id < NEW.id) THEN
		INSERT INTO application_decision_days (proc_id, day, days, n)
			SELECT proc_id, (NEW.at + 32400) / 86400,
				(NEW.at + 32400) / 86400 - (submitted_at + 32400) / 86400, 1
			FROM applications WHERE receipt = NEW.receipt
			ON CONFLICT (proc_id, day, days) DO UPDATE
			SET n = application_decision_days.n + 1;
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER application_decisions_event AFTER INSERT ON application_events
	FOR EACH ROW WHEN (NEW.status IN ('done', 'rejected'))
	EXECUTE FUNCTION application_decisions_keep();
