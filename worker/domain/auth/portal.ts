import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { contacts, customerAccounts, customers, users } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { hashPassword } from "../../lib/password";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { portalInvitationEmail, portalPasswordResetEmail } from "../email/templates";
import { consumeActionToken, issueActionToken, requireActionToken, TOKEN_LIFETIME_MS } from "./action-tokens";
import { passwordErrors } from "./password-policy";
import { revokeAllStatements } from "./sessions";
import type { Links } from "./users";

export function toCustomerAccountView(a: typeof customerAccounts.$inferSelect) {
  return {
    id: a.id,
    customer_id: a.customerId,
    contact_id: a.contactId,
    email: a.email,
    status: a.status,
    last_login_at: a.lastLoginAt,
    created_at: a.createdAt,
  };
}

/**
 * Invites a contact to the self-service portal: a customer account (invited) tied to the contact and
 * a single-use link by email. Inviting again re-sends the link; an active account is left alone.
 */
export async function invitePortalContact(ctx: WriteContext, contactId: string, links: Links) {
  const contact = await ctx.db.select().from(contacts).where(eq(contacts.id, contactId)).get();
  if (!contact) throw new NotFound("No contact with this id.");
  if (!contact.email) throw new Invalid("The contact needs an email address to be invited.", [{ path: "email", message: "Missing" }]);
  const customer = await ctx.db.select().from(customers).where(eq(customers.id, contact.customerId)).get();
  if (!customer || customer.status === "archived" || customer.status === "closed") throw new Conflict("Only open or suspended customers can use the portal.");
  const existing = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.contactId, contactId)).get();
  if (existing?.status === "active") throw new Conflict("This contact already has an active portal account.");
  const staff = await ctx.db.select({ id: users.id }).from(users).where(eq(users.email, contact.email)).get();
  const other = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.email, contact.email)).get();
  if (staff || (other && other.id !== existing?.id)) throw new Conflict("Another account already uses this email address.");
  const id = existing?.id ?? `cac_${ulid()}`;
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "portal_invite", { type: "customer", id });
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(" ");
  await runBatch(ctx.db, [
    ...(existing
      ? [ctx.db.update(customerAccounts).set({ email: contact.email, status: "invited", updatedAt: ctx.now }).where(eq(customerAccounts.id, id))]
      : [
          ctx.db
            .insert(customerAccounts)
            .values({ id, customerId: customer.id, contactId, email: contact.email, status: "invited", createdAt: ctx.now, updatedAt: ctx.now }),
        ]),
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: contact.email, name },
      portalInvitationEmail(links.brand, {
        name,
        customerName: customer.name,
        link: `${links.baseUrl}/portal/invitation?token=${token}`,
        expiresHours: TOKEN_LIFETIME_MS.portal_invite / 3600_000,
        locale: customer.locale,
      }),
    ),
    recordActivity(ctx, {
      entity: "customer_account",
      entityId: id,
      customerId: customer.id,
      action: "portal.invite",
      after: { email: contact.email, contact_id: contactId },
    }),
  ]);
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, id)).get();
  return account ? toCustomerAccountView(account) : null;
}

/** Accepts a portal invitation: the first password, and the account becomes active. */
export async function acceptPortalInvitation(ctx: WriteContext, token: string, password: string, pepper: string) {
  const row = await requireActionToken(ctx.db, "portal_invite", token, ctx.now);
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, row.subjectId)).get();
  if (account?.status !== "invited") throw new Conflict("This invitation was already accepted.");
  const errors = passwordErrors(password, "password", { email: account.email });
  if (errors.length > 0) throw new Invalid("The password is too weak.", errors);
  await consumeActionToken(ctx.db, row.id, ctx.now);
  await runBatch(ctx.db, [
    ctx.db
      .update(customerAccounts)
      .set({ passwordHash: await hashPassword(password, pepper), status: "active", updatedAt: ctx.now })
      .where(eq(customerAccounts.id, account.id)),
    recordActivity(
      { ...ctx, actor: { type: "customer", id: account.id, label: account.email } },
      {
        entity: "customer_account",
        entityId: account.id,
        customerId: account.customerId,
        action: "portal.invitation_accepted",
        changes: { status: { before: "invited", after: "active" } },
      },
    ),
  ]);
  return toCustomerAccountView({ ...account, status: "active" });
}

/** Whom a portal account's emails address: the contact's name (else the customer's) and the customer's language. */
export async function accountRecipient(ctx: WriteContext, account: typeof customerAccounts.$inferSelect): Promise<{ name: string; locale: string }> {
  const [customer, contact] = await Promise.all([
    ctx.db.select({ locale: customers.locale, name: customers.name }).from(customers).where(eq(customers.id, account.customerId)).get(),
    account.contactId ? ctx.db.select().from(contacts).where(eq(contacts.id, account.contactId)).get() : Promise.resolve(undefined),
  ]);
  const name = contact ? [contact.firstName, contact.lastName].filter(Boolean).join(" ") : (customer?.name ?? "");
  return { name, locale: customer?.locale ?? "en" };
}

/**
 * Emails a portal password reset link (30 minutes, single use) to an active customer account, in the
 * customer's language. The answer is the same whether or not the address exists.
 */
export async function requestPortalPasswordReset(ctx: WriteContext, email: string, links: Links): Promise<void> {
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.email, email.trim().toLowerCase())).get();
  if (account?.status !== "active") return;
  const { name, locale } = await accountRecipient(ctx, account);
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "password_reset", { type: "customer", id: account.id });
  await runBatch(ctx.db, [
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: account.email, name },
      portalPasswordResetEmail(links.brand, { name, link: `${links.baseUrl}/portal/reset-password?token=${token}`, locale }),
    ),
    recordActivity(ctx, {
      entity: "customer_account",
      entityId: account.id,
      customerId: account.customerId,
      action: "auth.password_reset_requested",
      changes: {},
    }),
  ]);
}

/** Sets a new portal password from a reset link; every session of the account ends. */
export async function resetPortalPassword(ctx: WriteContext, token: string, password: string, pepper: string): Promise<void> {
  const row = await requireActionToken(ctx.db, "password_reset", token, ctx.now);
  const account = row.subjectType === "customer" ? await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, row.subjectId)).get() : undefined;
  if (account?.status !== "active")
    throw new Invalid("This link is invalid, has expired or was already used. Ask for a new one.", [{ path: "token", message: "Invalid or expired" }]);
  const errors = passwordErrors(password, "password", { email: account.email });
  if (errors.length > 0) throw new Invalid("The password is too weak.", errors);
  await consumeActionToken(ctx.db, row.id, ctx.now);
  const accountCtx: WriteContext = { ...ctx, actor: { type: "customer", id: account.id, label: account.email } };
  await runBatch(ctx.db, [
    ctx.db
      .update(customerAccounts)
      .set({ passwordHash: await hashPassword(password, pepper), updatedAt: ctx.now })
      .where(eq(customerAccounts.id, account.id)),
    ...revokeAllStatements(ctx, account.id, "password reset"),
    recordActivity(accountCtx, {
      entity: "customer_account",
      entityId: account.id,
      customerId: account.customerId,
      action: "auth.password_reset",
      changes: {},
    }),
  ]);
}
