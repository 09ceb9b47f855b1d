-- 0018_procedure_set: the procedure files the portal processes serve, as the SHA-256 of their
-- ids and versions (store_procedure_set_swap): each process records its own at start and
-- checks at each housekeeping that the database still has it, so that a process left with
-- other files than the others (a rolling upgrade half done) says so in its log.
-- common:
CREATE TABLE procedure_set (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	digest TEXT NOT NULL,
	loaded_at INTEGER NOT NULL
);
