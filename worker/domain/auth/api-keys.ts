import { eq } from "drizzle-orm";
import type { z } from "zod";
import { runBatch } from "../../db/client";
import { type ApiKeyView, getApiKey } from "../../db/queries/auth";
import { apiKeys } from "../../db/schema";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { Permission } from "./permissions";
import type { ApiKeyCreate } from "./schemas";

const PREFIX_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789";

function newPrefix(): string {
  return [...crypto.getRandomValues(new Uint8Array(10))].map((b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join("");
}

/** Splits `ocrm_<prefix>_<secret>`; null for anything else. */
export function parseApiKey(value: string): { prefix: string; secret: string } | null {
  const match = value.match(/^ocrm_([a-z0-9]{10})_([A-Za-z0-9_-]{32,64})$/);
  return match?.[1] && match[2] ? { prefix: match[1], secret: match[2] } : null;
}

/** The stored hash of a key secret (high-entropy random, so a fast hash is enough). */
export const hashKeySecret = (secret: string) => sha256Hex(`api-key:${secret}`);

async function mint() {
  const prefix = newPrefix();
  const secret = randomToken(32);
  return { prefix, secret, full: `ocrm_${prefix}_${secret}`, hash: await hashKeySecret(secret) };
}

/**
 * Creates an API key with a subset of the creator's permissions; the full secret is returned once.
 * Runner keys carry only `runner:access` and are made by administrators (or the seed).
 */
export async function createApiKey(
  ctx: WriteContext,
  input: z.infer<typeof ApiKeyCreate>,
  creator: ReadonlySet<Permission>,
): Promise<ApiKeyView & { secret: string }> {
  let permissions = input.permissions as Permission[];
  if (input.kind === "runner") {
    if (!creator.has("users:manage")) throw new Invalid("Only administrators create runner keys.", [{ path: "kind", message: "Not allowed" }]);
    permissions = ["runner:access"];
  } else {
    const beyond = permissions.filter((p) => p === "runner:access" || !creator.has(p));
    if (beyond.length > 0)
      throw new Invalid(
        "An API key cannot have permissions you do not hold.",
        beyond.map((p) => ({ path: "permissions", message: `Cannot grant ${p}` })),
      );
  }
  if (input.expires_at && input.expires_at <= ctx.now) throw new Invalid("The expiry must be in the future.", [{ path: "expires_at", message: "In the past" }]);
  const key = await mint();
  const id = `key_${ulid()}`;
  await runBatch(ctx.db, [
    ctx.db.insert(apiKeys).values({
      id,
      name: input.name,
      description: input.description ?? null,
      kind: input.kind,
      prefix: key.prefix,
      secretHash: key.hash,
      permissions,
      createdBy: ctx.actor.id ?? "system",
      expiresAt: input.expires_at ? new Date(input.expires_at).toISOString() : null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
    recordActivity(ctx, {
      entity: "api_key",
      entityId: id,
      customerId: null,
      action: "api_key.create",
      after: { name: input.name, kind: input.kind, permissions, prefix: key.prefix, expires_at: input.expires_at ?? null },
    }),
  ]);
  return { ...((await getApiKey(ctx.db, id)) as ApiKeyView), secret: key.full };
}

async function loadKey(ctx: WriteContext, id: string): Promise<ApiKeyView> {
  const key = await getApiKey(ctx.db, id);
  if (!key) throw new NotFound("No API key with this id.");
  if (key.revoked_at) throw new Conflict("This API key is revoked.");
  return key;
}

/** Revokes a key at once. */
export async function revokeApiKey(ctx: WriteContext, id: string): Promise<ApiKeyView> {
  await loadKey(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.update(apiKeys).set({ revokedAt: ctx.now, updatedAt: ctx.now }).where(eq(apiKeys.id, id)),
    recordActivity(ctx, {
      entity: "api_key",
      entityId: id,
      customerId: null,
      action: "api_key.revoke",
      changes: { revoked_at: { before: null, after: ctx.now } },
    }),
  ]);
  return (await getApiKey(ctx.db, id)) as ApiKeyView;
}

/** Issues a new secret (and prefix) for a key; the old secret stops working at once. */
export async function regenerateApiKey(ctx: WriteContext, id: string): Promise<ApiKeyView & { secret: string }> {
  const before = await loadKey(ctx, id);
  const key = await mint();
  await runBatch(ctx.db, [
    ctx.db.update(apiKeys).set({ prefix: key.prefix, secretHash: key.hash, updatedAt: ctx.now }).where(eq(apiKeys.id, id)),
    recordActivity(ctx, {
      entity: "api_key",
      entityId: id,
      customerId: null,
      action: "api_key.regenerate",
      changes: { prefix: { before: before.prefix, after: key.prefix } },
    }),
  ]);
  return { ...((await getApiKey(ctx.db, id)) as ApiKeyView), secret: key.full };
}

/** Records when and from where a key was last used (at most once a minute per key). */
export async function touchApiKey(ctx: WriteContext, id: string, ip: string | null): Promise<void> {
  await ctx.db.update(apiKeys).set({ lastUsedAt: ctx.now, lastUsedIp: ip }).where(eq(apiKeys.id, id));
}
