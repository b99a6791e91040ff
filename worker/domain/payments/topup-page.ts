/**
 * The public top-up page (`/topup`): no sign-in, the service is found by the device. A fixed service
 * by the client's IP address (its IP allocation), a mobile one by its number plus a one-time code sent
 * to that number by SMS. Proving either opens a short top-up session (a single-purpose token in a
 * cookie, stored hashed) that allows exactly one thing: paying a top-up of that service by card.
 *
 * Nothing here tells a stranger whether a number is ours: an unknown number gets the same answer, the
 * same rate limits, and no SMS.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { listProducts } from "../../db/queries/catalog";
import { actionTokens, smsOutbox } from "../../db/schema";
import { randomToken, safeEqual, sha256Hex } from "../../lib/crypto";
import { ulid } from "../../lib/ids";
import { parseIp, toHexKey } from "../../lib/ip";
import { lineTax } from "../../lib/money";
import { toE164 } from "../../lib/phone";
import { TOKEN_LIFETIME_MS } from "../auth/action-tokens";
import { taxRateFor } from "../billing/tax";
import type { ProductView } from "../catalog/schemas";
import type { WriteContext } from "../context";
import { smsRow } from "../sms/outbox";

/** A one-time code lives 10 minutes and allows 5 tries; a top-up session lives 20 minutes. */
const TOPUP_CODE_TTL_MS = TOKEN_LIFETIME_MS.topup_code;
export const TOPUP_CODE_TRIES = 5;
const TOPUP_SESSION_TTL_MS = TOKEN_LIFETIME_MS.topup_session;

/** The statuses a service can be topped up in. */
const LIVE = ["active", "suspended"];

export type TopUpTarget = { id: string; customerId: string; productId: string; productName: string; serviceType: string; label: string; status: string };

type TargetRow = { id: string; customer_id: string; product_id: string; product_name: string; service_type: string; status: string; label: string | null };
const TARGET_COLUMNS = `s.id, s.customer_id, s.product_id, p.name AS product_name, p.service_type, s.status`;
const toTarget = (r: TargetRow): TopUpTarget => ({
  id: r.id,
  customerId: r.customer_id,
  productId: r.product_id,
  productName: r.product_name,
  serviceType: r.service_type,
  status: r.status,
  label: r.label ?? "",
});

/**
 * A number as people type it, in E.164, or null: internationally (`+`, or a `00` prefix), or in the
 * national format of `homeCountry` (the operator's, from its default language: "06 12 34 56 78" in
 * France); spaces, dots, dashes and parentheses allowed. Read by libphonenumber, which only needs a
 * possible length for the country (an operator's new ranges may not be in its metadata yet).
 */
export function normalizeNumber(input: string, homeCountry: string | null): string | null {
  const t = input.trim();
  return toE164(t.startsWith("00") ? `+${t.slice(2)}` : t, homeCountry, "possible");
}

/** The live mobile service with this number, or null. */
export async function serviceByNumber(db: Db, msisdn: string): Promise<TopUpTarget | null> {
  const row = await db.$client
    .prepare(
      `SELECT ${TARGET_COLUMNS}, json_extract(s.identifiers, '$.msisdn') AS label FROM services s JOIN products p ON p.id = s.product_id
       WHERE json_extract(s.identifiers, '$.msisdn') = ?1 AND s.status IN ('active', 'suspended') ORDER BY s.id DESC LIMIT 1`,
    )
    .bind(msisdn)
    .first<TargetRow>();
  return row ? toTarget(row) : null;
}

/** The live service whose IP allocation holds this address, or null. */
export async function serviceByIp(db: Db, address: string | null): Promise<TopUpTarget | null> {
  const ip = address ? parseIp(address) : null;
  if (!ip) return null;
  const key = toHexKey(ip.family, ip.value);
  const row = await db.$client
    .prepare(
      `SELECT ${TARGET_COLUMNS}, a.cidr AS label FROM ip_allocations a JOIN services s ON s.id = a.service_id JOIN products p ON p.id = s.product_id
       WHERE a.family = ?1 AND a.start_key <= ?2 AND a.end_key >= ?2 AND s.status IN ('active', 'suspended') LIMIT 1`,
    )
    .bind(ip.family, key)
    .first<TargetRow>();
  return row ? toTarget(row) : null;
}

export async function serviceById(db: Db, id: string): Promise<TopUpTarget | null> {
  const row = await db.$client
    .prepare(
      `SELECT ${TARGET_COLUMNS}, COALESCE(json_extract(s.identifiers, '$.msisdn'), json_extract(s.identifiers, '$.ip'), json_extract(s.identifiers, '$.username')) AS label
       FROM services s JOIN products p ON p.id = s.product_id WHERE s.id = ?1`,
    )
    .bind(id)
    .first<TargetRow>();
  return row && LIVE.includes(row.status) ? toTarget(row) : null;
}

const codeHash = (tokenId: string, code: string) => sha256Hex(`topup-code:${tokenId}:${code}`);

/**
 * Sends a one-time code by SMS to the number of a live service (earlier codes for it are spent). The
 * code and the SMS are written together; only a hash of the code is kept.
 */
export async function sendTopUpCode(ctx: WriteContext, target: TopUpTarget, msisdn: string, text: (code: string) => string): Promise<void> {
  const digits = new Uint32Array(1);
  crypto.getRandomValues(digits);
  const code = String((digits[0] ?? 0) % 1_000_000).padStart(6, "0");
  const id = `atk_${ulid()}`;
  const sms = smsRow(ctx.now, msisdn, "topup_code", text(code));
  await ctx.db.batch([
    ctx.db
      .update(actionTokens)
      .set({ usedAt: ctx.now })
      .where(and(eq(actionTokens.subjectId, target.id), eq(actionTokens.purpose, "topup_code"), isNull(actionTokens.usedAt))),
    ctx.db.insert(actionTokens).values({
      id,
      purpose: "topup_code",
      subjectType: "service",
      subjectId: target.id,
      tokenHash: await codeHash(id, code),
      data: { msisdn, tries: "0" },
      expiresAt: new Date(Date.parse(ctx.now) + TOPUP_CODE_TTL_MS).toISOString(),
      createdAt: ctx.now,
    }),
    ctx.db.insert(smsOutbox).values(sms),
  ]);
}

/**
 * Checks a code against the service's latest live code. A wrong code counts as a try (the code dies
 * after five); the right one is spent and opens a top-up session, whose token is returned.
 */
export async function verifyTopUpCode(ctx: WriteContext, target: TopUpTarget | null, code: string): Promise<string | null> {
  if (!target || !/^\d{6}$/.test(code)) return null;
  const row = await ctx.db
    .select()
    .from(actionTokens)
    .where(and(eq(actionTokens.subjectId, target.id), eq(actionTokens.purpose, "topup_code"), isNull(actionTokens.usedAt)))
    .orderBy(desc(actionTokens.createdAt))
    .get();
  if (!row || row.expiresAt <= ctx.now) return null;
  if (!safeEqual(row.tokenHash, await codeHash(row.id, code))) {
    const tries = Number(row.data.tries ?? 0) + 1;
    await ctx.db
      .update(actionTokens)
      .set({ data: { ...row.data, tries: String(tries) }, ...(tries >= TOPUP_CODE_TRIES ? { usedAt: ctx.now } : {}) })
      .where(eq(actionTokens.id, row.id))
      .run();
    return null;
  }
  // Spent before the session exists: of two concurrent right answers one opens a session.
  const spent = await ctx.db
    .update(actionTokens)
    .set({ usedAt: ctx.now })
    .where(and(eq(actionTokens.id, row.id), isNull(actionTokens.usedAt)))
    .run();
  if (spent.meta.changes !== 1) return null;
  return openTopUpSession(ctx, target);
}

/** A top-up session for a service proven by its device (code or IP address): a random token, kept hashed. */
export async function openTopUpSession(ctx: WriteContext, target: TopUpTarget): Promise<string> {
  const token = randomToken(32);
  await ctx.db
    .insert(actionTokens)
    .values({
      id: `atk_${ulid()}`,
      purpose: "topup_session",
      subjectType: "service",
      subjectId: target.id,
      tokenHash: await sha256Hex(token),
      data: {},
      expiresAt: new Date(Date.parse(ctx.now) + TOPUP_SESSION_TTL_MS).toISOString(),
      createdAt: ctx.now,
    })
    .run();
  return token;
}

/** The service a live top-up session is for, or null. */
export async function topUpSessionService(db: Db, token: string | undefined, now: string): Promise<TopUpTarget | null> {
  if (!token || token.length > 100) return null;
  const row = await db
    .select({ subjectId: actionTokens.subjectId, expiresAt: actionTokens.expiresAt, usedAt: actionTokens.usedAt })
    .from(actionTokens)
    .where(and(eq(actionTokens.tokenHash, await sha256Hex(token)), eq(actionTokens.purpose, "topup_session")))
    .get();
  if (!row || row.usedAt || row.expiresAt <= now) return null;
  return serviceById(db, row.subjectId);
}

/** What a product costs a customer, tax included (their exemption and the product's tax class applied). */
export async function priceWithTax(db: Db, product: Pick<ProductView, "retail_price" | "tax_class">, customerId: string): Promise<number> {
  const rate = await taxRateFor(db, product.tax_class, customerId);
  const { net, tax } = lineTax(product.retail_price, rate.rateBp, rate.inclusive);
  return net + tax;
}

/** The top-up packs a service can buy: active add-ons compatible with its product, carrying balances, in its currency. */
export async function topUpPacksFor(db: Db, target: { productId: string }, currency: string): Promise<ProductView[]> {
  const page = await listProducts(db, { status: "active", type: "addon", compatibleWith: target.productId, limit: 200 });
  return page.data.filter((p) => p.included_balances.length > 0 && p.currency === currency);
}
