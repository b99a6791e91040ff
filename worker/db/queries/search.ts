import { sql } from "drizzle-orm";
import { type SearchEntityType, toFtsQuery } from "../../domain/search/documents";
import type { Db } from "../client";

export type SearchHit = {
  type: SearchEntityType;
  id: string;
  customer_id: string | null;
  title: string;
  subtitle: string;
};

/**
 * Ranked prefix search over the FTS5 index. Title matches weigh most (bm25 weights 10/3/1), so a
 * customer named "Dupont" ranks above a site whose address mentions Dupont.
 */
export async function search(db: Db, q: string, types: readonly SearchEntityType[], limit: number): Promise<SearchHit[]> {
  const match = toFtsQuery(q);
  if (!match || types.length === 0) return [];
  const rows = await db.all<{ type: SearchEntityType; id: string; customer_id: string | null; title: string; subtitle: string }>(sql`
    SELECT d.entity_type AS type, d.entity_id AS id, d.customer_id, d.title, d.subtitle
    FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid
    WHERE search_fts MATCH ${match}
      AND d.entity_type IN (SELECT value FROM json_each(${JSON.stringify(types)}))
    ORDER BY bm25(search_fts, 10.0, 3.0, 1.0), d.rowid
    LIMIT ${limit}`);
  return rows;
}
