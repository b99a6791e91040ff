import { eq, inArray } from "drizzle-orm";
import type { z } from "zod";
import { runBatch, type Statement } from "../../db/client";
import { getUser, type UserView } from "../../db/queries/auth";
import { customerAccounts, roles, type User, userRoles, users } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { hashPassword, verifyPassword } from "../../lib/password";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { invitationEmail, passwordResetEmail, verifyEmailEmail } from "../email/templates";
import type { SettingsData } from "../settings/schemas";
import { consumeActionToken, issueActionToken, requireActionToken, TOKEN_LIFETIME_MS } from "./action-tokens";
import { accountKey, type LoginGuardPort } from "./guard";
import { passwordErrors } from "./password-policy";
import type { UserCreate, UserPatch } from "./schemas";
import { revokeAllStatements } from "./sessions";

export type Links = { baseUrl: string; brand: SettingsData; pepper: string };

async function requireRoles(ctx: WriteContext, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await ctx.db.select({ id: roles.id }).from(roles).where(inArray(roles.id, unique));
  const known = new Set(found.map((r) => r.id));
  const missing = unique.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new Invalid(
      "Unknown roles.",
      missing.map((id) => ({ path: "roles", message: `No role ${id}` })),
    );
  return unique;
}

/** A new single-use invitation link and its email (statements for the caller's batch). */
async function invitationStatements(ctx: WriteContext, user: { id: string; email: string; name: string }, links: Links): Promise<Statement[]> {
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "invite", { type: "user", id: user.id });
  return [
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: user.email, name: user.name },
      invitationEmail(links.brand, {
        name: user.name,
        inviter: ctx.actor.label,
        link: `${links.baseUrl}/admin/invitation?token=${token}`,
        expiresHours: TOKEN_LIFETIME_MS.invite / 3600_000,
        locale: links.brand.default_locale,
      }),
    ),
  ];
}

async function emailTaken(ctx: WriteContext, email: string, exceptUserId?: string): Promise<boolean> {
  const user = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
  if (user && user.id !== exceptUserId) return true;
  const account = await ctx.db.select({ id: customerAccounts.id }).from(customerAccounts).where(eq(customerAccounts.email, email)).get();
  return Boolean(account);
}

/** Creates a staff user: with a password it is active at once, otherwise an invitation is emailed. */
export async function createUser(ctx: WriteContext, input: z.infer<typeof UserCreate>, links: Links): Promise<UserView> {
  if (await emailTaken(ctx, input.email)) throw new Conflict("An account with this email already exists.");
  const roleIds = await requireRoles(ctx, input.roles);
  if (input.password !== undefined) {
    const errors = passwordErrors(input.password, "password", { email: input.email });
    if (errors.length > 0) throw new Invalid("The password is too weak.", errors);
  }
  const id = newId("user");
  const statements: Statement[] = [
    ctx.db.insert(users).values({
      id,
      email: input.email,
      name: input.name,
      passwordHash: input.password !== undefined ? await hashPassword(input.password, links.pepper) : null,
      status: input.password !== undefined ? "active" : "invited",
      passwordChangedAt: input.password !== undefined ? ctx.now : null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
    ...roleIds.map((roleId) => ctx.db.insert(userRoles).values({ userId: id, roleId })),
  ];
  if (input.password === undefined) statements.push(...(await invitationStatements(ctx, { id, email: input.email, name: input.name }, links)));
  statements.push(
    recordActivity(ctx, {
      entity: "user",
      entityId: id,
      customerId: null,
      action: input.password !== undefined ? "user.create" : "user.invite",
      after: { email: input.email, name: input.name, roles: roleIds },
    }),
  );
  await runBatch(ctx.db, statements);
  return (await getUser(ctx.db, id)) as UserView;
}

async function loadUser(ctx: WriteContext, id: string): Promise<User> {
  const user = await ctx.db.select().from(users).where(eq(users.id, id)).get();
  if (!user) throw new NotFound("No user with this id.");
  return user;
}

/** Changes a user's name or roles; a user cannot remove their own admin access by mistake. */
export async function updateUser(ctx: WriteContext, id: string, patch: z.infer<typeof UserPatch>): Promise<UserView> {
  const before = await getUser(ctx.db, id);
  if (!before) throw new NotFound("No user with this id.");
  const statements: Statement[] = [];
  let roleIds = before.roles;
  if (patch.roles) {
    roleIds = await requireRoles(ctx, patch.roles);
    if (id === ctx.actor.id && before.roles.includes("rol_admin") && !roleIds.includes("rol_admin")) {
      throw new Conflict("You cannot remove the admin role from yourself; ask another administrator.");
    }
    statements.push(
      ctx.db.delete(userRoles).where(eq(userRoles.userId, id)),
      ...roleIds.map((roleId) => ctx.db.insert(userRoles).values({ userId: id, roleId })),
    );
  }
  const name = patch.name ?? before.name;
  statements.push(ctx.db.update(users).set({ name, updatedAt: ctx.now }).where(eq(users.id, id)));
  statements.push(
    recordActivity(ctx, { entity: "user", entityId: id, customerId: null, action: "user.update", before, after: { ...before, name, roles: roleIds } }),
  );
  await runBatch(ctx.db, statements);
  return (await getUser(ctx.db, id)) as UserView;
}

/** Disables (all sessions end at once) or re-enables a user. */
export async function setUserEnabled(ctx: WriteContext, id: string, enabled: boolean): Promise<UserView> {
  const user = await loadUser(ctx, id);
  if (id === ctx.actor.id && !enabled) throw new Conflict("You cannot disable your own account.");
  if (enabled && user.status !== "disabled") throw new Conflict(`The user is ${user.status}, not disabled.`);
  if (!enabled && user.status === "disabled") throw new Conflict("The user is already disabled.");
  const status = enabled ? (user.passwordHash ? "active" : "invited") : "disabled";
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ status, updatedAt: ctx.now }).where(eq(users.id, id)),
    ...(enabled ? [] : revokeAllStatements(ctx, id, "user disabled")),
    recordActivity(ctx, {
      entity: "user",
      entityId: id,
      customerId: null,
      action: enabled ? "user.enable" : "user.disable",
      changes: { status: { before: user.status, after: status } },
    }),
  ]);
  return (await getUser(ctx.db, id)) as UserView;
}

/** Sends a new invitation email (the previous link stops working). */
export async function resendInvitation(ctx: WriteContext, id: string, links: Links): Promise<void> {
  const user = await loadUser(ctx, id);
  if (user.status !== "invited") throw new Conflict("Only invited users who have not accepted yet can be sent a new invitation.");
  await runBatch(ctx.db, [
    ...(await invitationStatements(ctx, user, links)),
    recordActivity(ctx, { entity: "user", entityId: id, customerId: null, action: "user.invite_resent", changes: {} }),
  ]);
}

/**
 * A password set from a single-use link (invitation, reset): the link is checked and used up, the
 * password checked for strength; the change is then recorded as the user's own.
 */
async function passwordFromLink(
  ctx: WriteContext,
  kind: "invite" | "password_reset",
  token: string,
  password: string,
  pepper: string,
  check: (user: User) => void = () => {},
): Promise<{ user: User; userCtx: WriteContext; passwordHash: string }> {
  const row = await requireActionToken(ctx.db, kind, token, ctx.now);
  const user = await loadUser(ctx, row.subjectId);
  check(user);
  const errors = passwordErrors(password, "password", { email: user.email });
  if (errors.length > 0) throw new Invalid("The password is too weak.", errors);
  await consumeActionToken(ctx.db, row.id, ctx.now);
  return { user, userCtx: { ...ctx, actor: { type: "user", id: user.id, label: user.email } }, passwordHash: await hashPassword(password, pepper) };
}

/** Accepts an invitation: sets the first password and activates the account. */
export async function acceptInvitation(ctx: WriteContext, token: string, password: string, pepper: string): Promise<User> {
  const { user, userCtx, passwordHash } = await passwordFromLink(ctx, "invite", token, password, pepper, (u) => {
    if (u.status !== "invited") throw new Conflict("This invitation was already accepted or the account is disabled.");
  });
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ passwordHash, status: "active", passwordChangedAt: ctx.now, updatedAt: ctx.now }).where(eq(users.id, user.id)),
    recordActivity(userCtx, {
      entity: "user",
      entityId: user.id,
      customerId: null,
      action: "user.invitation_accepted",
      changes: { status: { before: "invited", after: "active" } },
    }),
  ]);
  return { ...user, status: "active" };
}

/**
 * Emails a single-use reset link (30 minutes) to an active user. The answer is the same whether or
 * not the address exists, so it cannot be used to discover accounts.
 */
export async function requestPasswordReset(ctx: WriteContext, email: string, links: Links): Promise<void> {
  const user = await ctx.db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get();
  if (user?.status !== "active") return;
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "password_reset", { type: "user", id: user.id });
  await runBatch(ctx.db, [
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: user.email, name: user.name },
      passwordResetEmail(links.brand, {
        name: user.name,
        link: `${links.baseUrl}/admin/reset-password?token=${token}`,
        locale: user.locale ?? links.brand.default_locale,
      }),
    ),
    recordActivity(ctx, { entity: "user", entityId: user.id, customerId: null, action: "auth.password_reset_requested", changes: {} }),
  ]);
}

/** Sets a new password from a reset link; every session of the user ends. */
export async function resetPassword(ctx: WriteContext, token: string, password: string, pepper: string): Promise<void> {
  const { user, userCtx, passwordHash } = await passwordFromLink(ctx, "password_reset", token, password, pepper);
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ passwordHash, passwordChangedAt: ctx.now, updatedAt: ctx.now }).where(eq(users.id, user.id)),
    ...revokeAllStatements(ctx, user.id, "password reset"),
    recordActivity(userCtx, { entity: "user", entityId: user.id, customerId: null, action: "auth.password_reset", changes: {} }),
  ]);
}

/** Changes one's own password (the current one is required); other sessions end. */
export async function changePassword(ctx: WriteContext, user: User, current: string, next: string, pepper: string, keepSession: string | null): Promise<void> {
  if (!user.passwordHash || !(await verifyPassword(current, pepper, user.passwordHash))) {
    throw new Invalid("The current password is not correct.", [{ path: "current_password", message: "Not correct" }]);
  }
  const errors = passwordErrors(next, "new_password", { email: user.email });
  if (errors.length > 0) throw new Invalid("The new password is too weak.", errors);
  await runBatch(ctx.db, [
    ctx.db
      .update(users)
      .set({ passwordHash: await hashPassword(next, pepper), passwordChangedAt: ctx.now, updatedAt: ctx.now })
      .where(eq(users.id, user.id)),
    ...revokeAllStatements(ctx, user.id, "password changed", keepSession),
    recordActivity(ctx, { entity: "user", entityId: user.id, customerId: null, action: "auth.password_changed", changes: {} }),
  ]);
}

/** Sets one's own language for the admin pages and staff emails ("en" | "fr"; null follows the browser). */
export async function setUserLocale(ctx: WriteContext, user: User, locale: "en" | "fr" | null): Promise<void> {
  if (user.locale === locale) return;
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ locale, updatedAt: ctx.now }).where(eq(users.id, user.id)),
    recordActivity(ctx, { entity: "user", entityId: user.id, customerId: null, action: "user.locale", before: { locale: user.locale }, after: { locale } }),
  ]);
}

/** Starts an email change: the new address receives a link; nothing changes until it is followed. */
export async function requestEmailChange(ctx: WriteContext, user: User, newEmail: string, password: string, links: Links): Promise<void> {
  if (!user.passwordHash || !(await verifyPassword(password, links.pepper, user.passwordHash))) {
    throw new Invalid("The password is not correct.", [{ path: "password", message: "Not correct" }]);
  }
  if (newEmail === user.email) throw new Invalid("This is already your address.", [{ path: "new_email", message: "Same as the current address" }]);
  if (await emailTaken(ctx, newEmail, user.id)) throw new Conflict("An account with this email already exists.");
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "verify_email", { type: "user", id: user.id }, { email: newEmail });
  await runBatch(ctx.db, [
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: newEmail, name: user.name },
      verifyEmailEmail(links.brand, {
        name: user.name,
        newEmail,
        link: `${links.baseUrl}/admin/verify-email?token=${token}`,
        locale: user.locale ?? links.brand.default_locale,
      }),
    ),
    recordActivity(ctx, {
      entity: "user",
      entityId: user.id,
      customerId: null,
      action: "user.email_change_requested",
      changes: { email: { before: user.email, after: newEmail } },
    }),
  ]);
}

/** Completes an email change from the verification link. */
export async function confirmEmailChange(ctx: WriteContext, token: string): Promise<string> {
  const row = await requireActionToken(ctx.db, "verify_email", token, ctx.now);
  const user = await loadUser(ctx, row.subjectId);
  const newEmail = row.data.email;
  if (!newEmail) throw new Invalid("This link carries no address.");
  if (await emailTaken(ctx, newEmail, user.id)) throw new Conflict("An account with this email already exists.");
  await consumeActionToken(ctx.db, row.id, ctx.now);
  await runBatch(ctx.db, [
    ctx.db.update(users).set({ email: newEmail, updatedAt: ctx.now }).where(eq(users.id, user.id)),
    recordActivity(
      { ...ctx, actor: { type: "user", id: user.id, label: newEmail } },
      {
        entity: "user",
        entityId: user.id,
        customerId: null,
        action: "user.email_changed",
        changes: { email: { before: user.email, after: newEmail } },
      },
    ),
  ]);
  return newEmail;
}

/** Clears a user's brute-force counter (audited). */
export async function unlockUser(ctx: WriteContext, id: string, guard: LoginGuardPort): Promise<void> {
  const user = await loadUser(ctx, id);
  await guard.reset(accountKey(user.email));
  await runBatch(ctx.db, [recordActivity(ctx, { entity: "user", entityId: id, customerId: null, action: "user.unlock", changes: {} })]);
}

/** Ends every session of a user (a lost laptop, a departure). */
export async function signUserOutEverywhere(ctx: WriteContext, id: string): Promise<void> {
  await loadUser(ctx, id);
  await runBatch(ctx.db, [
    ...revokeAllStatements(ctx, id, "signed out by an administrator"),
    recordActivity(ctx, { entity: "user", entityId: id, customerId: null, action: "user.sign_out_everywhere", changes: {} }),
  ]);
}

export { loadUser };
