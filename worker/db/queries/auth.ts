import { eq, sql } from "drizzle-orm";
import { isPermission } from "../../domain/auth/permissions";
import type { Db } from "../client";
import { users } from "../schema";

type PrincipalRow = {
  session_id: string;
  session_kind: "web" | "api";
  last_seen_at: string;
  user_id: string;
  email: string;
  name: string;
  permissions: string;
};

/**
 * The principal behind a live session — session, active user and the union of their roles'
 * permissions — in a single query, because it runs on every authenticated request.
 */
export async function findPrincipal(db: Db, by: { tokenHash: string } | { sessionId: string }, now: string) {
  const condition = "tokenHash" in by ? sql`s.token_hash = ${by.tokenHash}` : sql`s.id = ${by.sessionId}`;
  const row = await db.get<PrincipalRow | undefined>(sql`
    SELECT s.id AS session_id, s.kind AS session_kind, s.last_seen_at, u.id AS user_id, u.email, u.name,
      (SELECT json_group_array(p.value) FROM user_roles ur JOIN roles r ON r.id = ur.role_id, json_each(r.permissions) p
        WHERE ur.user_id = u.id) AS permissions
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE ${condition} AND s.revoked_at IS NULL AND s.expires_at > ${now} AND u.status = 'active'`);
  if (!row) return null;
  const permissions = new Set((JSON.parse(row.permissions) as string[]).filter(isPermission));
  return {
    sessionId: row.session_id,
    kind: row.session_kind,
    lastSeenAt: row.last_seen_at,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    permissions,
  };
}

export async function findUserByEmail(db: Db, email: string) {
  return db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get();
}
