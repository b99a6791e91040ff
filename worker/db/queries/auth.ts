import { and, eq, isNull } from "drizzle-orm";
import { isPermission, type Permission } from "../../domain/auth/permissions";
import type { Db } from "../client";
import { roles, sessions, userRoles, users } from "../schema";

/** The union of the permissions of a user's roles. */
export async function permissionsOf(db: Db, userId: string): Promise<Set<Permission>> {
  const rows = await db
    .select({ permissions: roles.permissions })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId));
  return new Set(rows.flatMap((r) => r.permissions).filter(isPermission));
}

/** A live session (not revoked, not expired) with its active user. */
export async function findLiveSession(db: Db, tokenHash: string | null, sessionId: string | null, now: string) {
  const condition = tokenHash ? eq(sessions.tokenHash, tokenHash) : sessionId ? eq(sessions.id, sessionId) : undefined;
  if (!condition) return null;
  const row = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(condition, isNull(sessions.revokedAt)))
    .get();
  if (!row || row.session.expiresAt <= now || row.user.status !== "active") return null;
  return row;
}

export async function findUserByEmail(db: Db, email: string) {
  return db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get();
}
