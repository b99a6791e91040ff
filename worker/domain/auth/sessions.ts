import { and, eq, isNull } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { findUserByEmail } from "../../db/queries/auth";
import { sessions, users } from "../../db/schema";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { Unauthorized } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { hashPassword, needsRehash, verifyPassword } from "../../lib/password";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";

export const SESSION_TTL = { web: 12 * 3600_000, api: 30 * 24 * 3600_000 } as const;

export type LoginInput = { email: string; password: string; kind: "web" | "api"; ip: string | null; userAgent: string | null };

/**
 * Checks a password and opens a session; the returned token is shown once and only its hash is
 * stored. Failures say nothing about which part was wrong and are recorded.
 */
export async function login(ctx: WriteContext, pepper: string, input: LoginInput) {
  const user = await findUserByEmail(ctx.db, input.email);
  const ok = user?.passwordHash ? await verifyPassword(input.password, pepper, user.passwordHash) : false;
  if (!user || !ok || user.status !== "active") {
    await runBatch(ctx.db, [
      recordActivity(
        { ...ctx, actor: { type: "system", id: null, label: "auth" } },
        {
          entity: "user",
          entityId: user?.id ?? "unknown",
          customerId: null,
          action: "auth.login_failed",
          changes: { email: { before: null, after: input.email.trim().toLowerCase().slice(0, 254) }, ip: { before: null, after: input.ip } },
        },
      ),
    ]);
    throw new Unauthorized("Email or password is incorrect.");
  }
  const token = randomToken();
  const session = {
    id: newId("session"),
    userId: user.id,
    kind: input.kind,
    tokenHash: await sha256Hex(token),
    createdAt: ctx.now,
    lastSeenAt: ctx.now,
    expiresAt: new Date(Date.parse(ctx.now) + SESSION_TTL[input.kind]).toISOString(),
    revokedAt: null,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 300) ?? null,
  };
  const userCtx: WriteContext = { ...ctx, actor: { type: "user", id: user.id, label: user.email } };
  const upgrade = user.passwordHash && needsRehash(user.passwordHash) ? await hashPassword(input.password, pepper) : null;
  await runBatch(ctx.db, [
    ctx.db.insert(sessions).values(session),
    ctx.db
      .update(users)
      .set({ lastLoginAt: ctx.now, ...(upgrade ? { passwordHash: upgrade } : {}) })
      .where(eq(users.id, user.id)),
    recordActivity(userCtx, {
      entity: "user",
      entityId: user.id,
      customerId: null,
      action: "auth.login",
      changes: { session: { before: null, after: { id: session.id, kind: session.kind, ip: session.ip } } },
    }),
  ]);
  return { token, session, user };
}

/** Revokes a session (sign out). */
export async function revokeSession(ctx: WriteContext, sessionId: string): Promise<void> {
  await runBatch(ctx.db, [
    ctx.db
      .update(sessions)
      .set({ revokedAt: ctx.now })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt))),
    recordActivity(ctx, { entity: "session", entityId: sessionId, customerId: null, action: "auth.logout", changes: {} }),
  ]);
}

/** Exchanges a refresh token for a new one (rotation); the old token stops working at once. */
export async function rotateRefreshToken(ctx: WriteContext, refreshToken: string) {
  const hash = await sha256Hex(refreshToken);
  const row = await ctx.db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hash), eq(sessions.kind, "api")))
    .get();
  if (!row || row.session.revokedAt || row.session.expiresAt <= ctx.now || row.user.status !== "active") {
    throw new Unauthorized("The refresh token is not valid.");
  }
  const token = randomToken();
  const newHash = await sha256Hex(token);
  const result = await ctx.db
    .update(sessions)
    .set({ tokenHash: newHash, lastSeenAt: ctx.now })
    .where(and(eq(sessions.id, row.session.id), eq(sessions.tokenHash, hash)))
    .run();
  if (result.meta.changes !== 1) throw new Unauthorized("The refresh token is not valid.");
  return { token, session: { ...row.session, tokenHash: newHash }, user: row.user };
}
