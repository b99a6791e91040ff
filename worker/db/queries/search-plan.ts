/** The SQL behind global search, free of Workers types so the benchmark runs the very same statements. */
import { SEARCH_TYPES, type SearchEntityType, toFtsQuery } from "../../domain/search/documents";

/** Scoring stops at this many matches (the newest), so a broad prefix costs no more than a narrow one. */
export const RANKING_WINDOW = 2000;

/**
 * Ranked search: FTS5 `ORDER BY rank` (bm25 with the weights configured in the migration: titles 10,
 * subtitles 3, keywords 1) picks the best ids first, then joins their documents. Only the newest
 * RANKING_WINDOW matches are scored: a query matching more than that is ranked within its newest
 * matches (typing one more letter narrows it), which keeps every search fast at any size.
 */
export const SEARCH_RANKED_SQL = `
  SELECT d.entity_type AS type, d.entity_id AS id, d.customer_id, d.title, d.subtitle
  FROM (
    SELECT rowid, rank FROM search_fts
    WHERE search_fts MATCH ?1
      AND rowid >= coalesce((SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET ${RANKING_WINDOW - 1}), 0)
    ORDER BY rank LIMIT ?2
  ) f
  JOIN search_docs d ON d.rowid = f.rowid
  ORDER BY f.rank, d.rowid DESC`;

/**
 * One or two typed characters match most of the index; scoring all of it would cost far more than
 * the answer is worth, so such queries list title matches, newest first.
 */
export const SEARCH_RECENT_SQL = `
  SELECT d.entity_type AS type, d.entity_id AS id, d.customer_id, d.title, d.subtitle
  FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2) f
  JOIN search_docs d ON d.rowid = f.rowid
  ORDER BY d.rowid DESC`;

/** The FTS5 statement and MATCH expression for what a user typed, or null when nothing is searchable. */
export function searchPlan(q: string, types: readonly SearchEntityType[]): { sql: string; match: string } | null {
  const terms = toFtsQuery(q);
  if (!terms || types.length === 0) return null;
  const short = terms.replace(/[^\p{L}\p{N}]/gu, "").length < 3;
  const columns = short ? "{title}" : "{title subtitle keywords}";
  const kinds = types.length < SEARCH_TYPES.length ? ` AND {kind} : (${types.join(" OR ")})` : "";
  return { sql: short ? SEARCH_RECENT_SQL : SEARCH_RANKED_SQL, match: `${columns} : (${terms})${kinds}` };
}
