import { eq, sql } from "drizzle-orm";
import type { Db, Statement } from "../../db/client";
import { searchDocs } from "../../db/schema";
import type { SearchDocument } from "./documents";

/** Insert-or-replace of one entity's search document (triggers keep the FTS5 index in step). */
export function indexDocument(db: Db, doc: SearchDocument): Statement {
  return db
    .insert(searchDocs)
    .values(doc)
    .onConflictDoUpdate({
      target: searchDocs.entityId,
      set: {
        customerId: sql`excluded.customer_id`,
        title: sql`excluded.title`,
        subtitle: sql`excluded.subtitle`,
        keywords: sql`excluded.keywords`,
      },
    });
}

export function unindexDocument(db: Db, entityId: string): Statement {
  return db.delete(searchDocs).where(eq(searchDocs.entityId, entityId));
}
