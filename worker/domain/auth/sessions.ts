import { and, eq, isNull, ne } from "drizzle-orm";
import { runBatch, type Statement } from "../../db/client";
import { customerAccounts, refreshTokens, sessions } from "../../db/schema";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { NotFound, Unauthorized } from "../../lib/errors";
import { newId, ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { SettingsData } from "../settings/schemas";

export type Subject = { type: "user" | "customer"; id: string; email: string };
export type SessionPolicy = Pick<SettingsData, "session_idle_minutes" | "session_absolute_hours" | "remember_me_days">;

/** Absolute and idle lifetimes of a session, from the security settings. */
export function lifetimes(policy: SessionPolicy, remember: boolean) {
  const rememberMs = policy.remember_me_days * 24 * 3600_000;
  return {
    absoluteMs: remember ? rememberMs : policy.session_absolute_hours * 3600_000,
    idleMs: remember ? rememberMs : policy.session_idle_minutes * 60_000,
  };
}

export type OpenedSession = { sessionId: string; token: string; expiresAt: string };

/**
 * Opens a session. Web sessions are found by the hash of their cookie token; API sessions by their
 * refresh token (the first of a rotating family). The token is returned once, only hashes are kept.
 */
export async function openSession(
  ctx: WriteContext,
  subject: Subject,
  opts: { kind: "web" | "api"; remember: boolean; ip: string | null; userAgent: string | null; policy: SessionPolicy; extra?: Statement[] },
): Promise<OpenedSession> {
  const token = randomToken(32);
  const hash = await sha256Hex(token);
  const sessionId = newId("session");
  const expiresAt = new Date(Date.parse(ctx.now) + lifetimes(opts.policy, opts.remember).absoluteMs).toISOString();
  const statements: Statement[] = [
    ctx.db.insert(sessions).values({
      id: sessionId,
      subjectType: subject.type,
      subjectId: subject.id,
      kind: opts.kind,
      tokenHash: opts.kind === "web" ? hash : null,
      remember: opts.remember,
      createdAt: ctx.now,
      lastSeenAt: ctx.now,
      expiresAt,
      ip: opts.ip,
      userAgent: opts.userAgent?.slice(0, 300) ?? null,
    }),
  ];
  if (opts.kind === "api") statements.push(ctx.db.insert(refreshTokens).values({ id: `rft_${ulid()}`, sessionId, tokenHash: hash, createdAt: ctx.now }));
  statements.push(
    recordActivity(ctx, {
      entity: subject.type === "user" ? "user" : "customer_account",
      entityId: subject.id,
      customerId: null,
      action: "auth.login",
      changes: { session: { before: null, after: { id: sessionId, kind: opts.kind, remember: opts.remember, ip: opts.ip } } },
    }),
    ...(opts.extra ?? []),
  );
  await runBatch(ctx.db, statements);
  return { sessionId, token, expiresAt };
}

/** Revokes one session (sign-out); its refresh tokens and access tokens stop working. */
export async function revokeSession(ctx: WriteContext, sessionId: string, reason = "signed out"): Promise<void> {
  await runBatch(ctx.db, [
    ctx.db
      .update(sessions)
      .set({ revokedAt: ctx.now, revokedReason: reason })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt))),
    recordActivity(ctx, {
      entity: "session",
      entityId: sessionId,
      customerId: null,
      action: "auth.logout",
      changes: { reason: { before: null, after: reason } },
    }),
  ]);
}

/** Signs out one of the caller's own sessions; someone else's session id is "not found". */
export async function revokeOwnSession(ctx: WriteContext, subjectId: string, sessionId: string): Promise<void> {
  const own = await ctx.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.subjectId, subjectId)))
    .get();
  if (!own) throw new NotFound("No session with this id.");
  await revokeSession(ctx, sessionId);
}

/** Statements that revoke every live session of a subject, optionally keeping one (the caller's). */
export function revokeAllStatements(ctx: WriteContext, subjectId: string, reason: string, keep: string | null = null): Statement[] {
  const where = keep
    ? and(eq(sessions.subjectId, subjectId), isNull(sessions.revokedAt), ne(sessions.id, keep))
    : and(eq(sessions.subjectId, subjectId), isNull(sessions.revokedAt));
  return [ctx.db.update(sessions).set({ revokedAt: ctx.now, revokedReason: reason }).where(where)];
}

/** "Sign out everywhere": revokes all of a subject's sessions except, optionally, the current one. */
export async function revokeAllSessions(ctx: WriteContext, subject: { type: "user" | "customer"; id: string }, keep: string | null): Promise<void> {
  await runBatch(ctx.db, [
    ...revokeAllStatements(ctx, subject.id, "signed out everywhere", keep),
    recordActivity(ctx, {
      entity: subject.type === "user" ? "user" : "customer_account",
      entityId: subject.id,
      customerId: null,
      action: "auth.logout_everywhere",
      changes: { kept_session: { before: null, after: keep } },
    }),
  ]);
}

/**
 * Exchanges a refresh token for a new one. A token already used means it was copied: the whole
 * session (the token family) is revoked and recorded. Idle and absolute timeouts apply.
 */
export async function rotateRefreshToken(ctx: WriteContext, refreshToken: string, policy: SessionPolicy) {
  const hash = await sha256Hex(refreshToken);
  const row = await ctx.db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, hash))
    .get();
  if (!row) throw new Unauthorized("The refresh token is not valid.");
  const { session } = row;
  const system: WriteContext = { ...ctx, actor: { type: "system", id: null, label: "auth" } };
  if (row.token.usedAt) {
    if (!session.revokedAt) {
      await runBatch(ctx.db, [
        ctx.db.update(sessions).set({ revokedAt: ctx.now, revokedReason: "refresh token reuse" }).where(eq(sessions.id, session.id)),
        recordActivity(system, {
          entity: "session",
          entityId: session.id,
          customerId: null,
          action: "auth.refresh_reuse",
          changes: { subject: { before: null, after: session.subjectId } },
        }),
      ]);
    }
    throw new Unauthorized("This refresh token was already used; the session has been revoked for safety. Sign in again.");
  }
  const idleMs = lifetimes(policy, session.remember).idleMs;
  if (session.revokedAt || session.expiresAt <= ctx.now || Date.parse(ctx.now) - Date.parse(session.lastSeenAt) > idleMs) {
    throw new Unauthorized("The session has ended. Sign in again.");
  }
  const token = randomToken(32);
  const spent = await ctx.db
    .update(refreshTokens)
    .set({ usedAt: ctx.now })
    .where(and(eq(refreshTokens.id, row.token.id), isNull(refreshTokens.usedAt)))
    .run();
  if (spent.meta.changes !== 1) throw new Unauthorized("The refresh token is not valid.");
  await runBatch(ctx.db, [
    ctx.db.insert(refreshTokens).values({ id: `rft_${ulid()}`, sessionId: session.id, tokenHash: await sha256Hex(token), createdAt: ctx.now }),
    ctx.db.update(sessions).set({ lastSeenAt: ctx.now }).where(eq(sessions.id, session.id)),
  ]);
  const account =
    session.subjectType === "customer"
      ? await ctx.db.select({ customerId: customerAccounts.customerId }).from(customerAccounts).where(eq(customerAccounts.id, session.subjectId)).get()
      : undefined;
  return { token, session, customerId: account?.customerId ?? null };
}
