import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { findCustomerAccountByEmail, findUserByEmail } from "../../db/queries/auth";
import { type CustomerAccount, customerAccounts, type User, users } from "../../db/schema";
import { AppError, TooManyRequests, Unauthorized } from "../../lib/errors";
import { hashPassword, needsRehash, verifyPassword } from "../../lib/password";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { accountKey, ipKey, type LoginGuardPort } from "./guard";
import { openSession, type SessionPolicy, type Subject } from "./sessions";
import { type TwoFactorHolder, verifySecondFactor } from "./two-factor";

export type LoginDeps = { pepper: string; encryptionKey: string; guard: LoginGuardPort; policy: SessionPolicy };
export type LoginInput = {
  email: string;
  password: string;
  otp?: string | null;
  kind: "web" | "api";
  remember: boolean;
  ip: string | null;
  userAgent: string | null;
  /** Who may sign in here: the staff admin refuses customer accounts (they have the portal). */
  audience?: "staff" | "customer" | "any";
};

/** 401 with `mfa_required: true`: the password was right, a second factor is needed. */
export class MfaRequired extends AppError {
  constructor() {
    super(401, "Unauthorized", "Enter the code from your authenticator app (or a backup code).", undefined, { mfa_required: true });
  }
}

// Verifying against a real-looking hash when the account does not exist keeps timing uniform.
let decoy: Promise<string> | null = null;

/** A staff user or a portal account, as sign-in sees it; `holder` carries its second factor, if any. */
type Found = { subject: Subject; name: string; passwordHash: string | null; active: boolean; holder: TwoFactorHolder; customerId: string | null };

const staffFound = (user: User): Found => ({
  subject: { type: "user", id: user.id, email: user.email },
  name: user.name,
  passwordHash: user.passwordHash,
  active: user.status === "active",
  holder: user,
  customerId: null,
});

const accountFound = (account: CustomerAccount): Found => ({
  subject: { type: "customer", id: account.id, email: account.email },
  name: account.email,
  passwordHash: account.passwordHash,
  active: account.status === "active",
  holder: account,
  customerId: account.customerId,
});

async function findSubject(ctx: WriteContext, email: string): Promise<Found | null> {
  const user = await findUserByEmail(ctx.db, email);
  if (user) return staffFound(user);
  const account = await findCustomerAccountByEmail(ctx.db, email);
  return account ? accountFound(account) : null;
}

async function findSubjectById(ctx: WriteContext, type: Subject["type"], id: string): Promise<Found | null> {
  if (type === "user") {
    const user = await ctx.db.select().from(users).where(eq(users.id, id)).get();
    return user ? staffFound(user) : null;
  }
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, id)).get();
  return account ? accountFound(account) : null;
}

/** Counts a failed attempt towards the lockouts of `keys` and records it; past the free allowance, says how long to wait. */
async function failed(ctx: WriteContext, deps: LoginDeps, found: Found | null, attempt: { email: string; ip: string | null; reason: string }, keys: string[]) {
  const states = await Promise.all(keys.map((k) => deps.guard.fail(k)));
  await runBatch(ctx.db, [
    recordActivity(
      { ...ctx, actor: { type: "system", id: null, label: "auth" } },
      {
        entity: found?.subject.type === "customer" ? "customer_account" : "user",
        entityId: found?.subject.id ?? "unknown",
        customerId: null,
        action: "auth.login_failed",
        changes: {
          email: { before: null, after: attempt.email.slice(0, 254) },
          ip: { before: null, after: attempt.ip },
          reason: { before: null, after: attempt.reason },
        },
      },
    ),
  ]);
  // Past the free allowance every failure imposes a growing delay, then a lockout: say so now.
  const wait = Math.max(0, ...states.map((s) => s.retryAfterSeconds));
  if (wait > 0) throw new TooManyRequests(`Too many failed sign-in attempts. Try again in ${wait} s.`, wait);
}

/** The second factor of an account that enabled it: a wrong code counts towards the account's lockout, like a wrong password. */
async function requireSecondFactor(ctx: WriteContext, deps: LoginDeps, found: Found, code: string, ip: string | null): Promise<void> {
  if (await verifySecondFactor(ctx, found.holder, code, deps.encryptionKey)) return;
  const email = found.subject.email;
  await failed(ctx, deps, found, { email, ip, reason: "wrong second factor" }, [accountKey(email)]);
  throw new Unauthorized("The code is not valid.", { mfa_required: true });
}

async function blocked(guard: LoginGuardPort, keys: string[]): Promise<void> {
  const states = await Promise.all(keys.map((k) => guard.check(k)));
  const wait = Math.max(0, ...states.map((s) => s.retryAfterSeconds));
  if (wait > 0) throw new TooManyRequests(`Too many failed sign-in attempts. Try again in ${wait} s.`, wait);
}

/**
 * Signs a staff user or a customer account in. Order: brute-force check (account and IP), password,
 * second factor when enabled (TOTP or backup code), then a new session. Failures count towards the
 * lockout and are recorded without saying which part was wrong.
 */
export async function login(ctx: WriteContext, deps: LoginDeps, input: LoginInput) {
  const email = input.email.trim().toLowerCase();
  const keys = [accountKey(email), ...(input.ip ? [ipKey(input.ip)] : [])];
  await blocked(deps.guard, keys);
  const found = await findSubject(ctx, email);
  decoy ??= hashPassword("decoy password for absent accounts", "decoy");
  const ok = found?.passwordHash
    ? await verifyPassword(input.password, deps.pepper, found.passwordHash)
    : await verifyPassword(input.password, "decoy", await decoy).then(() => false);
  const fail = (reason: string, countKeys: string[]) => failed(ctx, deps, found, { email, ip: input.ip, reason }, countKeys);
  const audience = input.audience ?? "any";
  const elsewhere = !!found && audience !== "any" && (audience === "staff") !== (found.subject.type === "user");
  if (!found || !ok || !found.active || elsewhere) {
    await fail(
      !found ? "unknown account" : !ok ? "wrong password" : !found.active ? "account not active" : `a ${found.subject.type} account at the ${audience} sign-in`,
      keys,
    );
    // The same answer as a wrong password: the form does not tell which accounts exist where.
    throw new Unauthorized("Email or password is incorrect.");
  }
  if (found.holder.totpEnabledAt) {
    if (!input.otp) throw new MfaRequired();
    await requireSecondFactor(ctx, deps, found, input.otp, input.ip);
  }
  return finish(ctx, deps, found, input);
}

async function finish(ctx: WriteContext, deps: LoginDeps, found: Found, input: Omit<LoginInput, "otp" | "email">) {
  const email = found.subject.email;
  await deps.guard.reset(accountKey(email));
  const subjectCtx: WriteContext = { ...ctx, actor: { type: found.subject.type === "user" ? "user" : "customer", id: found.subject.id, label: email } };
  // Hashes made with older parameters are upgraded now that the password is known.
  const upgrade = found.passwordHash && needsRehash(found.passwordHash) ? await hashPassword(input.password, deps.pepper) : null;
  const table = found.subject.type === "user" ? users : customerAccounts;
  const session = await openSession(subjectCtx, found.subject, {
    kind: input.kind,
    remember: input.remember,
    ip: input.ip,
    userAgent: input.userAgent,
    policy: deps.policy,
    extra: [
      ctx.db
        .update(table)
        .set({ lastLoginAt: ctx.now, ...(upgrade ? { passwordHash: upgrade } : {}) })
        .where(eq(table.id, found.subject.id)),
    ],
  });
  return { subject: found.subject, name: found.name, customerId: found.customerId, session };
}

/**
 * The second step of a browser sign-in, for a staff user or a portal account: the password was
 * checked by `login` (which answered MfaRequired) and the page holds a short-lived signed proof of it
 * (see second-step.ts); this checks the code.
 */
export async function completeSecondFactor(
  ctx: WriteContext,
  deps: LoginDeps,
  pending: { type: Subject["type"]; id: string },
  code: string,
  input: Omit<LoginInput, "otp" | "email" | "password">,
) {
  const found = await findSubjectById(ctx, pending.type, pending.id);
  if (!found?.active || !found.holder.totpEnabledAt) throw new Unauthorized("Sign in again.");
  await blocked(deps.guard, [accountKey(found.subject.email)]);
  await requireSecondFactor(ctx, deps, found, code, input.ip);
  // No password at this step: nothing to rehash.
  return finish(ctx, deps, { ...found, passwordHash: null }, { ...input, password: "" });
}
