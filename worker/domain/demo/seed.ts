import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runBatch } from "../../db/client";
import { apiKeys, attributeDefinitions, contacts, customerAccounts, customers, roles, userRoles, users } from "../../db/schema";
import { newId, ulid } from "../../lib/ids";
import { hashPassword } from "../../lib/password";
import { seal } from "../../lib/secret-box";
import { defineAttribute } from "../attributes/definitions";
import { hashKeySecret, parseApiKey } from "../auth/api-keys";
import { BUILT_IN_ROLES } from "../auth/permissions";
import { createContact } from "../contacts/contacts";
import { SYSTEM_ACTOR, type WriteContext } from "../context";
import { createCustomer } from "../customers/create-customer";
import { transitionCustomer } from "../customers/transition-customer";
import type { ServiceDeps } from "../services/port";
import { updateSettings } from "../settings/update-settings";
import { createSite } from "../sites/sites";
import { ensureDemoBilling } from "./billing";
import { ensureDemoBroadcastTemplates } from "./broadcasts";
import { demoCustomers } from "./customers";
import { ensureDemoInventory } from "./inventory";
import { ensureDemoServices } from "./services";
import { DEMO_APPROVER_TOTP_SECRET } from "./totp";

/** Upserts the built-in roles so their permissions follow the catalogue of this release. */
export async function ensureBuiltInRoles(db: Db, now: string): Promise<void> {
  await runBatch(
    db,
    BUILT_IN_ROLES.map((r) =>
      db
        .insert(roles)
        .values({ id: r.id, name: r.name, description: r.description, permissions: r.permissions, builtIn: true, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: roles.id, set: { permissions: r.permissions, description: r.description, updatedAt: now } }),
    ),
  );
}

export type SeedPasswords = { admin: string; staff: string; customer: string; pepper: string; runnerKey: string | null; encryptionKey: string };

const STAFF: { email: string; name: string; role: string }[] = [
  { email: "admin@example.com", name: "Ada Admin", role: "rol_admin" },
  { email: "support@example.com", name: "Sam Support", role: "rol_support" },
  { email: "billing@example.com", name: "Bea Billing", role: "rol_billing" },
  { email: "provisioning@example.com", name: "Pat Provisioning", role: "rol_provisioning" },
  { email: "inventory@example.com", name: "Ivo Inventory", role: "rol_inventory" },
  { email: "broadcaster@example.com", name: "Bo Broadcaster", role: "rol_broadcaster" },
  { email: "approver@example.com", name: "Alex Approver", role: "rol_broadcaster" },
  { email: "readonly@example.com", name: "Rae Readonly", role: "rol_read_only" },
];

async function ensureStaff(db: Db, now: string, passwords: SeedPasswords): Promise<void> {
  for (const s of STAFF) {
    const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, s.email)).get();
    if (existing) continue;
    const id = newId("user");
    const password = s.role === "rol_admin" ? passwords.admin : passwords.staff;
    await runBatch(db, [
      db.insert(users).values({
        id,
        email: s.email,
        name: s.name,
        passwordHash: await hashPassword(password, passwords.pepper),
        status: "active",
        createdAt: now,
        updatedAt: now,
      }),
      db.insert(userRoles).values({ userId: id, roleId: s.role }),
    ]);
    if (s.email === "approver@example.com")
      await db
        .update(users)
        .set({ totpSecret: await seal(passwords.encryptionKey, DEMO_APPROVER_TOTP_SECRET), totpEnabledAt: now })
        .where(eq(users.id, id));
  }
}

export async function seedDemo(db: Db, passwords: SeedPasswords, limit = 10, deps: ServiceDeps | null = null): Promise<{ created: number; remaining: number }> {
  const now = new Date().toISOString();
  await ensureBuiltInRoles(db, now);
  await ensureStaff(db, now, passwords);
  const ctx: WriteContext = { db, actor: { ...SYSTEM_ACTOR, label: "demo seed" }, requestId: null, now };
  const present = new Set(
    (await db.select({ externalId: customers.externalId }).from(customers).where(sql`${customers.externalId} LIKE 'DEMO-%'`)).map((r) => r.externalId),
  );
  if (present.size === 0) {
    await updateSettings(ctx, {
      operator_name: "Demo Telecom",
      legal_name: "Demo Telecom SAS",
      legal_address: "10 Place Bellecour\n69002 Lyon\nFrance",
      registration_number: "RCS Lyon 123 456 789",
      vat_number: "FR12123456789",
      support_email: "support@demo-telecom.example",
      support_phone: "+33 4 00 00 00 00",
      website: "https://demo-telecom.example",
      default_currency: "EUR",
      default_locale: "fr-FR",
      default_timezone: "Europe/Paris",
      notification_emails: ["noc@demo-telecom.example"],
      broadcast_plmns: [{ mcc: "208", mnc: "15", name: "Demo Telecom" }],
    });
    const definitions = await db.select({ n: sql<number>`count(*)` }).from(attributeDefinitions).get();
    if (!definitions?.n) {
      await defineAttribute(ctx, {
        key: "segment",
        label: "Segment",
        type: "enum",
        options: ["consumer", "smb", "enterprise", "public"],
        required: false,
        description: "Marketing segment",
      });
      await defineAttribute(ctx, { key: "contract_end", label: "Contract end", type: "date", required: false, description: null });
      await defineAttribute(ctx, { key: "credit_limit", label: "Credit limit (EUR)", type: "number", required: false, description: "Whole euros" });
      await defineAttribute(ctx, { key: "marketing_opt_in", label: "Marketing opt-in", type: "boolean", required: false, description: null });
    }
  }
  const missing = demoCustomers().filter((d) => !present.has(d.externalId));
  const noGeocoder = async () => ({ status: "not_configured" as const });
  for (const demo of missing.slice(0, limit)) {
    const customer = await createCustomer(ctx, demo.customer);
    for (const contact of demo.contacts) await createContact(ctx, customer.id, contact);
    await createSite(ctx, customer.id, demo.site, noGeocoder);
    if (demo.transition) await transitionCustomer(ctx, customer.id, demo.transition.name, demo.transition.reason);
  }
  let remaining = Math.max(0, missing.length - limit);
  if (remaining === 0) {
    await ensurePortalAccounts(db, now, passwords);
    await ensureDemoInventory(ctx, passwords.encryptionKey);
    await ensureDemoBroadcastTemplates(ctx);
    remaining = await ensureDemoServices(ctx, deps, missing.length > 0 ? 0 : 4);
    if (remaining === 0) await ensureDemoBilling(ctx);
  }
  await ensureRunnerKey(db, now, passwords.runnerKey);
  return { created: Math.min(limit, missing.length), remaining };
}

const PORTAL_ACCOUNTS: { email: string; externalId: string }[] = [
  { email: "customer@example.com", externalId: "DEMO-0001" },
  { email: "customer2@example.com", externalId: "DEMO-0002" },
];

/** Portal accounts for two demo customers, tied to their primary contacts. */
async function ensurePortalAccounts(db: Db, now: string, passwords: SeedPasswords): Promise<void> {
  for (const p of PORTAL_ACCOUNTS) {
    if (await db.select({ id: customerAccounts.id }).from(customerAccounts).where(eq(customerAccounts.email, p.email)).get()) continue;
    const customer = await db.select({ id: customers.id }).from(customers).where(eq(customers.externalId, p.externalId)).get();
    if (!customer) continue;
    const contact = await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.customerId, customer.id)).get();
    await db.insert(customerAccounts).values({
      id: `cac_${ulid()}`,
      customerId: customer.id,
      contactId: contact?.id ?? null,
      email: p.email,
      passwordHash: await hashPassword(passwords.customer, passwords.pepper),
      status: "active",
      createdAt: now,
      updatedAt: now,
    });
  }
}

/** The runner's API key, from RUNNER_API_KEY (`ocrm_<prefix>_<secret>`); only its hash is stored. */
async function ensureRunnerKey(db: Db, now: string, value: string | null): Promise<void> {
  const parsed = value ? parseApiKey(value) : null;
  if (!parsed) return;
  if (await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.prefix, parsed.prefix)).get()) return;
  await db.insert(apiKeys).values({
    id: `key_${ulid()}`,
    name: "Local runner",
    description: "Seeded from RUNNER_API_KEY",
    kind: "runner",
    prefix: parsed.prefix,
    secretHash: await hashKeySecret(parsed.secret),
    permissions: ["runner:access"],
    createdBy: "system",
    createdAt: now,
    updatedAt: now,
  });
}
