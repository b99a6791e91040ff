/**
 * Changing a portal account's sign-in address, verified first: the new address gets a single-use link
 * (24 hours); only following it changes the address, and the old address is told. Until then the
 * account keeps signing in with the old one.
 */
import { and, eq, ne } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { contacts, customerAccounts, users } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { portalEmailChangedEmail, portalEmailChangeEmail } from "../email/templates";
import { email as emailSchema } from "../validation";
import { consumeActionToken, issueActionToken, requireActionToken } from "./action-tokens";
import { accountRecipient } from "./portal";
import type { Links } from "./users";

/** Sends the confirmation link to the new address. Whether the address is already taken is only checked on confirmation (no probing). */
export async function requestPortalEmailChange(ctx: WriteContext, accountId: string, input: string, links: Links): Promise<string> {
  const parsed = emailSchema.safeParse(input);
  if (!parsed.success) throw new Invalid("Enter a valid email address.", [{ path: "email", message: "Not a valid email address" }]);
  const account = await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, accountId)).get();
  if (!account) throw new NotFound("No account.");
  if (parsed.data === account.email) throw new Invalid("This is already your sign-in address.", [{ path: "email", message: "Unchanged" }]);
  const { name, locale } = await accountRecipient(ctx, account);
  const { token, statements } = await issueActionToken(ctx.db, ctx.now, "verify_email", { type: "customer", id: account.id }, { email: parsed.data });
  await runBatch(ctx.db, [
    ...statements,
    enqueueEmail(
      ctx.db,
      ctx.now,
      { email: parsed.data, name },
      portalEmailChangeEmail(links.brand, { name, link: `${links.baseUrl}/portal/account/email?token=${token}`, locale }),
    ),
    recordActivity(ctx, {
      entity: "customer_account",
      entityId: account.id,
      customerId: account.customerId,
      action: "portal.email_change_requested",
      after: { email: parsed.data },
    }),
  ]);
  return parsed.data;
}

/** Follows the link: the account (and its contact, when it had the same address) signs in with the new address from now on. */
export async function confirmPortalEmailChange(ctx: WriteContext, token: string, links: Links): Promise<string> {
  const row = await requireActionToken(ctx.db, "verify_email", token, ctx.now);
  const account = row.subjectType === "customer" ? await ctx.db.select().from(customerAccounts).where(eq(customerAccounts.id, row.subjectId)).get() : undefined;
  const next = row.data.email;
  if (!account || !next) throw new Invalid("This link is invalid, has expired or was already used.", [{ path: "token", message: "Invalid or expired" }]);
  const [staff, other] = await Promise.all([
    ctx.db.select({ id: users.id }).from(users).where(eq(users.email, next)).get(),
    ctx.db
      .select({ id: customerAccounts.id })
      .from(customerAccounts)
      .where(and(eq(customerAccounts.email, next), ne(customerAccounts.id, account.id)))
      .get(),
  ]);
  if (staff || other) throw new Conflict("Another account already uses this email address.");
  await consumeActionToken(ctx.db, row.id, ctx.now);
  const { name, locale } = await accountRecipient(ctx, account);
  await runBatch(ctx.db, [
    ctx.db.update(customerAccounts).set({ email: next, updatedAt: ctx.now }).where(eq(customerAccounts.id, account.id)),
    ...(account.contactId
      ? [
          ctx.db
            .update(contacts)
            .set({ email: next, updatedAt: ctx.now })
            .where(and(eq(contacts.id, account.contactId), eq(contacts.email, account.email))),
        ]
      : []),
    enqueueEmail(ctx.db, ctx.now, { email: account.email, name }, portalEmailChangedEmail(links.brand, { name, newEmail: next, locale })),
    recordActivity(ctx, {
      entity: "customer_account",
      entityId: account.id,
      customerId: account.customerId,
      action: "portal.email_changed",
      changes: { email: { before: account.email, after: next } },
    }),
  ]);
  return next;
}
