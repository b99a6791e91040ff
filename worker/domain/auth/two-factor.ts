import { and, eq, isNull, lt, or } from "drizzle-orm";
import { generateSecret, generateURI, verify } from "otplib";
import { runBatch, type Statement } from "../../db/client";
import { backupCodes, type User, users } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import { Conflict, Invalid } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { open, seal } from "../../lib/secret-box";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { twoFactorChangedEmail } from "../email/templates";
import type { SettingsData } from "../settings/schemas";

export const BACKUP_CODE_COUNT = 10;
/** ±1 time step of 30 s around the current one (RFC 6238 resynchronisation window). */
const TOLERANCE_SECONDS = 30;

const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

function backupCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normaliseBackupCode = (code: string) => code.trim().toLowerCase().replace(/[\s-]/g, "");

/** Ten new single-use backup codes (shown once) and the statements that replace the old ones. */
async function newBackupCodes(ctx: WriteContext, userId: string): Promise<{ codes: string[]; statements: Statement[] }> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, backupCode);
  const statements: Statement[] = [ctx.db.delete(backupCodes).where(eq(backupCodes.userId, userId))];
  for (const code of codes) {
    statements.push(
      ctx.db.insert(backupCodes).values({ id: `bkc_${ulid()}`, userId, codeHash: await sha256Hex(normaliseBackupCode(code)), createdAt: ctx.now }),
    );
  }
  return { codes, statements };
}

/** Starts (or restarts) TOTP setup: a new secret, stored encrypted, not yet required at sign-in. */
export async function beginTotpSetup(ctx: WriteContext, user: User, encryptionKey: string, issuer: string) {
  if (user.totpEnabledAt) throw new Conflict("Two-factor authentication is already enabled; disable it first to set up a new device.");
  const secret = generateSecret();
  await runBatch(ctx.db, [
    ctx.db
      .update(users)
      .set({ totpSecret: await seal(encryptionKey, secret), totpLastStep: null })
      .where(eq(users.id, user.id)),
  ]);
  return { secret, otpauth_uri: generateURI({ issuer, label: user.email, secret }) };
}

/**
 * Checks a TOTP code or a backup code and spends it: a TOTP time step is accepted once (the
 * conditional update refuses a replay, even a concurrent one); a backup code works once.
 */
export async function verifySecondFactor(ctx: WriteContext, user: User, code: string, encryptionKey: string): Promise<"totp" | "backup" | null> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const secret = user.totpSecret ? await open(encryptionKey, user.totpSecret) : null;
    if (!secret) return null;
    const result = await verify({
      secret,
      token: trimmed,
      epochTolerance: TOLERANCE_SECONDS,
      ...(user.totpLastStep !== null ? { afterTimeStep: user.totpLastStep } : {}),
    });
    if (!result.valid || !("timeStep" in result)) return null;
    const spent = await ctx.db
      .update(users)
      .set({ totpLastStep: result.timeStep })
      .where(and(eq(users.id, user.id), or(isNull(users.totpLastStep), lt(users.totpLastStep, result.timeStep))))
      .run();
    return spent.meta.changes === 1 ? "totp" : null;
  }
  const hash = await sha256Hex(normaliseBackupCode(trimmed));
  const used = await ctx.db
    .update(backupCodes)
    .set({ usedAt: ctx.now })
    .where(and(eq(backupCodes.userId, user.id), eq(backupCodes.codeHash, hash), isNull(backupCodes.usedAt)))
    .run();
  if (used.meta.changes !== 1) return null;
  await runBatch(ctx.db, [recordActivity(ctx, { entity: "user", entityId: user.id, customerId: null, action: "auth.backup_code_used", changes: {} })]);
  return "backup";
}

const invalidCode = () => new Invalid("The code is not valid.", [{ path: "code", message: "Wrong, expired or already used code" }]);

/** Confirms setup with a first code: 2FA becomes required at sign-in and backup codes are issued. */
export async function enableTotp(ctx: WriteContext, user: User, code: string, encryptionKey: string, brand: SettingsData): Promise<string[]> {
  if (user.totpEnabledAt) throw new Conflict("Two-factor authentication is already enabled.");
  if (!user.totpSecret) throw new Conflict("Start the setup first (POST /api/v1/me/2fa/setup).");
  if ((await verifySecondFactor(ctx, user, code, encryptionKey)) !== "totp") throw invalidCode();
  const { codes, statements } = await newBackupCodes(ctx, user.id);
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ totpEnabledAt: ctx.now, updatedAt: ctx.now }).where(eq(users.id, user.id)),
    ...statements,
    enqueueEmail(ctx.db, ctx.now, { email: user.email, name: user.name }, twoFactorChangedEmail(brand, { name: user.name, change: "enabled" })),
    recordActivity(ctx, {
      entity: "user",
      entityId: user.id,
      customerId: null,
      action: "auth.2fa_enabled",
      changes: { two_factor: { before: false, after: true } },
    }),
  ]);
  return codes;
}

function clearStatements(ctx: WriteContext, userId: string): Statement[] {
  return [
    ctx.db.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: ctx.now }).where(eq(users.id, userId)),
    ctx.db.delete(backupCodes).where(eq(backupCodes.userId, userId)),
  ];
}

/** Turns 2FA off after checking a current code (or a backup code). */
export async function disableTotp(ctx: WriteContext, user: User, code: string, encryptionKey: string, brand: SettingsData): Promise<void> {
  if (!user.totpEnabledAt) throw new Conflict("Two-factor authentication is not enabled.");
  if (!(await verifySecondFactor(ctx, user, code, encryptionKey))) throw invalidCode();
  await removeTotp(ctx, user, brand, "disabled", "auth.2fa_disabled");
}

/** Replaces the backup codes after checking a current code. */
export async function regenerateBackupCodes(ctx: WriteContext, user: User, code: string, encryptionKey: string): Promise<string[]> {
  if (!user.totpEnabledAt) throw new Conflict("Two-factor authentication is not enabled.");
  if ((await verifySecondFactor(ctx, user, code, encryptionKey)) !== "totp") throw invalidCode();
  const { codes, statements } = await newBackupCodes(ctx, user.id);
  await runBatch(ctx.db, [
    ...statements,
    recordActivity(ctx, { entity: "user", entityId: user.id, customerId: null, action: "auth.backup_codes_regenerated", changes: {} }),
  ]);
  return codes;
}

/** An administrator removes a user's 2FA (lost device); the user is told by email. */
export async function resetTotpByAdmin(ctx: WriteContext, user: User, brand: SettingsData): Promise<void> {
  await removeTotp(ctx, user, brand, "reset by an administrator", "user.2fa_reset");
}

/** Clears the user's 2FA and backup codes, emails them what happened, and records it. */
async function removeTotp(ctx: WriteContext, user: User, brand: SettingsData, change: string, action: string): Promise<void> {
  await runBatch(ctx.db, [
    ...clearStatements(ctx, user.id),
    enqueueEmail(ctx.db, ctx.now, { email: user.email, name: user.name }, twoFactorChangedEmail(brand, { name: user.name, change })),
    recordActivity(ctx, {
      entity: "user",
      entityId: user.id,
      customerId: null,
      action,
      changes: { two_factor: { before: Boolean(user.totpEnabledAt), after: false } },
    }),
  ]);
}

/** Unused backup codes left. */
export async function remainingBackupCodes(ctx: WriteContext, userId: string): Promise<number> {
  const rows = await ctx.db
    .select({ id: backupCodes.id })
    .from(backupCodes)
    .where(and(eq(backupCodes.userId, userId), isNull(backupCodes.usedAt)));
  return rows.length;
}
