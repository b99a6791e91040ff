-- Custom migration (drizzle-kit cannot express FTS5 tables or triggers).

-- Global search: FTS5 index over search_docs (external content), prefix indexes for type-ahead.
CREATE VIRTUAL TABLE `search_fts` USING fts5(
	title, subtitle, keywords,
	content='search_docs', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2',
	prefix='1 2 3'
);
--> statement-breakpoint
CREATE TRIGGER `search_docs_ai` AFTER INSERT ON `search_docs` BEGIN
	INSERT INTO search_fts(rowid, title, subtitle, keywords) VALUES (new.rowid, new.title, new.subtitle, new.keywords);
END;
--> statement-breakpoint
CREATE TRIGGER `search_docs_ad` AFTER DELETE ON `search_docs` BEGIN
	INSERT INTO search_fts(search_fts, rowid, title, subtitle, keywords) VALUES ('delete', old.rowid, old.title, old.subtitle, old.keywords);
END;
--> statement-breakpoint
CREATE TRIGGER `search_docs_au` AFTER UPDATE ON `search_docs` BEGIN
	INSERT INTO search_fts(search_fts, rowid, title, subtitle, keywords) VALUES ('delete', old.rowid, old.title, old.subtitle, old.keywords);
	INSERT INTO search_fts(rowid, title, subtitle, keywords) VALUES (new.rowid, new.title, new.subtitle, new.keywords);
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
