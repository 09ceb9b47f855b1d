-- 0001_init: the procedure search index, rebuilt as a whole from procedures/ at start-up
-- (store_index_procedures). Japanese has no spaces between words, so the index is made of
-- trigrams: any substring of three or more characters matches.

-- sqlite:
CREATE VIRTUAL TABLE procedure_search USING fts5(id UNINDEXED, title, summary, body, tokenize='trigram');

-- postgres:
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE procedure_search (
	id text PRIMARY KEY,
	title text NOT NULL DEFAULT '',
	summary text NOT NULL DEFAULT '',
	body text NOT NULL DEFAULT ''
);
-- The search matches each term against the whole document (ILIKE '%term%', pg_trgm uses
-- the index for terms of three or more characters) and ranks by similarity to the title.
CREATE INDEX procedure_search_doc_trgm ON procedure_search
	USING gin ((title || ' ' || summary || ' ' || body) gin_trgm_ops);
CREATE INDEX procedure_search_title_trgm ON procedure_search USING gin (title gin_trgm_ops);

-- common:
