/**
 * Optional TOTP for both kinds of sign-in: staff users and customers' portal accounts. The same rules
 * for both (secret sealed at rest, a time step accepted once, ten single-use backup codes, every
 * change recorded and told by email); only where the rows live differs (see `storeOf`).
 */
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { generateSecret, generateURI, verify } from "otplib";
import { type Db, runBatch, type Statement } from "../../db/client";
import { backupCodes, type CustomerAccount, contacts, customerAccounts, customerBackupCodes, type User, users } from "../../db/schema";
import { sha256Hex } from "../../lib/crypto";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { open, seal } from "../../lib/secret-box";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { type TwoFactorChange, twoFactorChangedEmail } from "../email/templates";
import type { SettingsData } from "../settings/schemas";
import { accountRecipient } from "./portal";
import { revokeAllStatements } from "./sessions";

export const BACKUP_CODE_COUNT = 10;
/** ±1 time step of 30 s around the current one (RFC 6238 resynchronisation window). */
const TOLERANCE_SECONDS = 30;

const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Who can protect a sign-in with a second factor: a staff user or a customer's portal account. */
export type TwoFactorHolder = User | CustomerAccount;

const isAccount = (holder: TwoFactorHolder): holder is CustomerAccount => "customerId" in holder;

type CodeRow = { id: string; codeHash: string; createdAt: string };

/** Where a holder's second factor is kept, and how its changes appear in the activity log. */
function storeOf(holder: TwoFactorHolder) {
  return isAccount(holder)
    ? {
        table: customerAccounts,
        codes: customerBackupCodes,
        owner: customerBackupCodes.accountId,
        insertCode: (db: Db, row: CodeRow) => db.insert(customerBackupCodes).values({ ...row, accountId: holder.id }),
        entity: "customer_account",
        customerId: holder.customerId,
      }
    : {
        table: users,
        codes: backupCodes,
        owner: backupCodes.userId,
        insertCode: (db: Db, row: CodeRow) => db.insert(backupCodes).values({ ...row, userId: holder.id }),
        entity: "user",
        customerId: null,
      };
}

function backupCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  const chars = [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normaliseBackupCode = (code: string) => code.trim().toLowerCase().replace(/[\s-]/g, "");

/** The activity entry of a 2FA event, on the holder's own record (and its customer's timeline for a portal account). */
function record(ctx: WriteContext, holder: TwoFactorHolder, action: string, changes: Record<string, { before: unknown; after: unknown }> = {}): Statement {
  const store = storeOf(holder);
  return recordActivity(ctx, { entity: store.entity, entityId: holder.id, customerId: store.customerId, action, changes });
}

/**
 * The email telling the holder that 2FA changed: a staff user by name, a portal account in its
 * customer's language. In an array: a query builder is a thenable, which an async function would run.
 */
async function changedEmail(ctx: WriteContext, holder: TwoFactorHolder, brand: SettingsData, change: TwoFactorChange): Promise<Statement[]> {
  const to = isAccount(holder)
    ? { ...(await accountRecipient(ctx, holder)), customer: true }
    : { name: holder.name, locale: holder.locale ?? brand.default_locale, customer: false };
  return [enqueueEmail(ctx.db, ctx.now, { email: holder.email, name: to.name }, twoFactorChangedEmail(brand, { ...to, change }))];
}

/** Ten new single-use backup codes (shown once) and the statements that replace the old ones. */
async function newBackupCodes(ctx: WriteContext, holder: TwoFactorHolder): Promise<{ codes: string[]; statements: Statement[] }> {
  const store = storeOf(holder);
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, backupCode);
  const statements: Statement[] = [ctx.db.delete(store.codes).where(eq(store.owner, holder.id))];
  for (const code of codes) {
    statements.push(store.insertCode(ctx.db, { id: `bkc_${ulid()}`, codeHash: await sha256Hex(normaliseBackupCode(code)), createdAt: ctx.now }));
  }
  return { codes, statements };
}

/** Starts (or restarts) TOTP setup: a new secret, stored encrypted, not yet required at sign-in. */
export async function beginTotpSetup(ctx: WriteContext, holder: TwoFactorHolder, encryptionKey: string, issuer: string) {
  if (holder.totpEnabledAt) throw new Conflict("Two-factor authentication is already enabled; disable it first to set up a new device.");
  const secret = generateSecret();
  const { table } = storeOf(holder);
  await runBatch(ctx.db, [
    ctx.db
      .update(table)
      .set({ totpSecret: await seal(encryptionKey, secret), totpLastStep: null })
      .where(eq(table.id, holder.id)),
  ]);
  return { secret, otpauth_uri: totpUri(holder, secret, issuer) };
}

/** The otpauth:// link an authenticator app reads (from the QR code) for this holder and secret. */
export const totpUri = (holder: TwoFactorHolder, secret: string, issuer: string) => generateURI({ issuer, label: holder.email, secret });

/** The secret of a setup not confirmed yet (to show the same QR code again after a wrong first code). */
export async function pendingTotpSecret(holder: TwoFactorHolder, encryptionKey: string): Promise<string | null> {
  return !holder.totpEnabledAt && holder.totpSecret ? open(encryptionKey, holder.totpSecret) : null;
}

/**
 * Checks a TOTP code or a backup code and spends it: a TOTP time step is accepted once (the
 * conditional update refuses a replay, even a concurrent one); a backup code works once.
 */
export async function verifySecondFactor(ctx: WriteContext, holder: TwoFactorHolder, code: string, encryptionKey: string): Promise<"totp" | "backup" | null> {
  const trimmed = code.trim();
  const store = storeOf(holder);
  if (/^\d{6}$/.test(trimmed)) {
    const secret = holder.totpSecret ? await open(encryptionKey, holder.totpSecret) : null;
    if (!secret) return null;
    const result = await verify({
      secret,
      token: trimmed,
      epochTolerance: TOLERANCE_SECONDS,
      ...(holder.totpLastStep !== null ? { afterTimeStep: holder.totpLastStep } : {}),
    });
    if (!result.valid || !("timeStep" in result)) return null;
    const { table } = store;
    const spent = await ctx.db
      .update(table)
      .set({ totpLastStep: result.timeStep })
      .where(and(eq(table.id, holder.id), or(isNull(table.totpLastStep), lt(table.totpLastStep, result.timeStep))))
      .run();
    return spent.meta.changes === 1 ? "totp" : null;
  }
  const hash = await sha256Hex(normaliseBackupCode(trimmed));
  const used = await ctx.db
    .update(store.codes)
    .set({ usedAt: ctx.now })
    .where(and(eq(store.owner, holder.id), eq(store.codes.codeHash, hash), isNull(store.codes.usedAt)))
    .run();
  if (used.meta.changes !== 1) return null;
  await runBatch(ctx.db, [record(ctx, holder, "auth.backup_code_used")]);
  return "backup";
}

const invalidCode = () => new Invalid("The code is not valid.", [{ path: "code", message: "Wrong, expired or already used code" }]);

/** Confirms setup with a first code: 2FA becomes required at sign-in and backup codes are issued. */
export async function enableTotp(ctx: WriteContext, holder: TwoFactorHolder, code: string, encryptionKey: string, brand: SettingsData): Promise<string[]> {
  if (holder.totpEnabledAt) throw new Conflict("Two-factor authentication is already enabled.");
  if (!holder.totpSecret) throw new Conflict("Start the setup first.");
  if ((await verifySecondFactor(ctx, holder, code, encryptionKey)) !== "totp") throw invalidCode();
  const { codes, statements } = await newBackupCodes(ctx, holder);
  const { table } = storeOf(holder);
  await runBatch(ctx.db, [
    ctx.db.update(table).set({ totpEnabledAt: ctx.now, updatedAt: ctx.now }).where(eq(table.id, holder.id)),
    ...statements,
    ...(await changedEmail(ctx, holder, brand, "enabled")),
    record(ctx, holder, "auth.2fa_enabled", { two_factor: { before: false, after: true } }),
  ]);
  return codes;
}

/** Turns 2FA off after checking a current code (or a backup code). */
export async function disableTotp(ctx: WriteContext, holder: TwoFactorHolder, code: string, encryptionKey: string, brand: SettingsData): Promise<void> {
  if (!holder.totpEnabledAt) throw new Conflict("Two-factor authentication is not enabled.");
  if (!(await verifySecondFactor(ctx, holder, code, encryptionKey))) throw invalidCode();
  await removeTotp(ctx, holder, brand, "disabled", "auth.2fa_disabled");
}

/** Replaces the backup codes after checking a current code. */
export async function regenerateBackupCodes(ctx: WriteContext, holder: TwoFactorHolder, code: string, encryptionKey: string): Promise<string[]> {
  if (!holder.totpEnabledAt) throw new Conflict("Two-factor authentication is not enabled.");
  if ((await verifySecondFactor(ctx, holder, code, encryptionKey)) !== "totp") throw invalidCode();
  const { codes, statements } = await newBackupCodes(ctx, holder);
  await runBatch(ctx.db, [...statements, record(ctx, holder, "auth.backup_codes_regenerated")]);
  return codes;
}

/**
 * An administrator removes a user's or a customer's 2FA (lost device); they are told by email and
 * signed out everywhere: whoever holds the lost device may also hold a signed-in session, and the
 * owner signs in again with their password (and enrols again where 2FA is required).
 */
export async function resetTotpByAdmin(ctx: WriteContext, holder: TwoFactorHolder, brand: SettingsData): Promise<void> {
  await removeTotp(ctx, holder, brand, "reset", isAccount(holder) ? "customer_account.2fa_reset" : "user.2fa_reset");
}

/**
 * Staff remove the 2FA of a contact's portal account (a customer who lost their authenticator): 404
 * for an unknown contact or one without an account, 409 when there is nothing to remove.
 */
export async function resetPortalTwoFactor(ctx: WriteContext, contactId: string, brand: SettingsData): Promise<CustomerAccount> {
  const contact = await ctx.db.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, contactId)).get();
  if (!contact) throw new NotFound("No contact with this id.");
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.contactId, contactId)).get();
  if (!account) throw new NotFound("This contact has no portal account.");
  if (!account.totpEnabledAt) throw new Conflict("This contact's portal account has no two-factor authentication to remove.");
  await resetTotpByAdmin(ctx, account, brand);
  return account;
}

/** Clears the holder's 2FA and backup codes (and, after a reset by staff, every session), emails them what happened, and records it. */
async function removeTotp(ctx: WriteContext, holder: TwoFactorHolder, brand: SettingsData, change: TwoFactorChange, action: string): Promise<void> {
  const store = storeOf(holder);
  // The email says so too (twoFactorChangedEmail): one rule, the kind of change.
  const signOut = change === "reset";
  await runBatch(ctx.db, [
    ctx.db.update(store.table).set({ totpSecret: null, totpEnabledAt: null, totpLastStep: null, updatedAt: ctx.now }).where(eq(store.table.id, holder.id)),
    ctx.db.delete(store.codes).where(eq(store.owner, holder.id)),
    ...(signOut ? revokeAllStatements(ctx, holder.id, "two-factor authentication reset") : []),
    ...(await changedEmail(ctx, holder, brand, change)),
    record(ctx, holder, action, {
      two_factor: { before: Boolean(holder.totpEnabledAt), after: false },
      ...(signOut ? { sessions: { before: null, after: "signed out" } } : {}),
    }),
  ]);
}

/** Unused backup codes left. */
export async function remainingBackupCodes(ctx: WriteContext, holder: TwoFactorHolder): Promise<number> {
  const store = storeOf(holder);
  const rows = await ctx.db
    .select({ id: store.codes.id })
    .from(store.codes)
    .where(and(eq(store.owner, holder.id), isNull(store.codes.usedAt)));
  return rows.length;
}
