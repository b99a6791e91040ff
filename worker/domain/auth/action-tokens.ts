import { and, eq, isNull } from "drizzle-orm";
import type { Db, Statement } from "../../db/client";
import { actionTokens } from "../../db/schema";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { BadRequest } from "../../lib/errors";
import { ulid } from "../../lib/ids";

export type TokenPurpose = (typeof actionTokens.$inferSelect)["purpose"];

export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  invite: 72 * 3600_000,
  portal_invite: 72 * 3600_000,
  password_reset: 30 * 60_000,
  verify_email: 24 * 3600_000,
  topup_code: 10 * 60_000,
  topup_session: 20 * 60_000,
};

/**
 * A new single-use link token. Earlier unused tokens of the same purpose for the same subject are
 * spent, so only the latest link works. Returns the secret (for the email) and the statements.
 */
export async function issueActionToken(
  db: Db,
  now: string,
  purpose: TokenPurpose,
  subject: { type: "user" | "customer"; id: string },
  data: Record<string, string> = {},
): Promise<{ token: string; statements: Statement[] }> {
  const token = randomToken(32);
  return {
    token,
    statements: [
      db
        .update(actionTokens)
        .set({ usedAt: now })
        .where(and(eq(actionTokens.subjectId, subject.id), eq(actionTokens.purpose, purpose), isNull(actionTokens.usedAt))),
      db.insert(actionTokens).values({
        id: `atk_${ulid()}`,
        purpose,
        subjectType: subject.type,
        subjectId: subject.id,
        tokenHash: await sha256Hex(token),
        data,
        expiresAt: new Date(Date.parse(now) + TOKEN_LIFETIME_MS[purpose]).toISOString(),
        createdAt: now,
      }),
    ],
  };
}

/** Finds a live token (unused, unexpired) without spending it. */
export async function peekActionToken(db: Db, purpose: TokenPurpose, token: string, now: string) {
  const row = await db
    .select()
    .from(actionTokens)
    .where(and(eq(actionTokens.tokenHash, await sha256Hex(token)), eq(actionTokens.purpose, purpose)))
    .get();
  if (!row || row.usedAt || row.expiresAt <= now) return null;
  return row;
}

/** Looks a token up for use, or refuses with one message for unknown, used and expired alike. */
export async function requireActionToken(db: Db, purpose: TokenPurpose, token: string, now: string) {
  const row = await peekActionToken(db, purpose, token, now);
  if (!row)
    throw new BadRequest("This link is invalid, has expired or was already used. Ask for a new one.", [{ path: "token", message: "Invalid or expired" }]);
  return row;
}

/**
 * Spends a token before the change it authorises: of two concurrent uses exactly one gets here with
 * changes = 1; the other is refused like any used link.
 */
export async function consumeActionToken(db: Db, id: string, now: string): Promise<void> {
  const result = await db
    .update(actionTokens)
    .set({ usedAt: now })
    .where(and(eq(actionTokens.id, id), isNull(actionTokens.usedAt)))
    .run();
  if (result.meta.changes !== 1) throw new BadRequest("This link was already used. Ask for a new one.", [{ path: "token", message: "Already used" }]);
}
