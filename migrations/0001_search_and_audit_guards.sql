-- Custom migration (drizzle-kit cannot express FTS5 tables or triggers).

-- Global search: FTS5 index over search_docs (external content), prefix indexes for type-ahead.
-- `kind` (the entity type) lets a query filter by type inside the index; user terms never match it.
CREATE VIRTUAL TABLE `search_fts` USING fts5(
	title, subtitle, keywords, kind,
	content='search_docs', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2',
	prefix='1 2 3'
);
--> statement-breakpoint
-- ORDER BY rank uses these weights: titles 10, subtitles 3, keywords 1, kind 0.
INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0, 0.0)');
--> statement-breakpoint
CREATE TRIGGER `search_docs_ai` AFTER INSERT ON `search_docs` BEGIN
	INSERT INTO search_fts(rowid, title, subtitle, keywords, kind) VALUES (new.rowid, new.title, new.subtitle, new.keywords, new.entity_type);
END;
--> statement-breakpoint
CREATE TRIGGER `search_docs_ad` AFTER DELETE ON `search_docs` BEGIN
	INSERT INTO search_fts(search_fts, rowid, title, subtitle, keywords, kind) VALUES ('delete', old.rowid, old.title, old.subtitle, old.keywords, old.entity_type);
END;
--> statement-breakpoint
CREATE TRIGGER `search_docs_au` AFTER UPDATE ON `search_docs` BEGIN
	INSERT INTO search_fts(search_fts, rowid, title, subtitle, keywords, kind) VALUES ('delete', old.rowid, old.title, old.subtitle, old.keywords, old.entity_type);
	INSERT INTO search_fts(rowid, title, subtitle, keywords, kind) VALUES (new.rowid, new.title, new.subtitle, new.keywords, new.entity_type);
END;
--> statement-breakpoint
-- The activity log is append-only: the database itself refuses to change or remove an entry.
CREATE TRIGGER `activity_log_no_update` BEFORE UPDATE ON `activity_log` BEGIN
	SELECT RAISE(ABORT, 'activity_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `activity_log_no_delete` BEFORE DELETE ON `activity_log` BEGIN
	SELECT RAISE(ABORT, 'activity_log is append-only');
END;
