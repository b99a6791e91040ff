/** Staff users, roles, sessions and API keys; portal accounts; single-use action tokens. */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { timestamps } from "./columns";
import { contacts, customers } from "./customers";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  status: text("status", { enum: ["active", "invited", "disabled"] }).notNull(),
  /** AES-GCM ciphertext of the TOTP secret (see lib/secret-box.ts); set during setup, active once enabled. */
  totpSecret: text("totp_secret"),
  totpEnabledAt: text("totp_enabled_at"),
  /** The last TOTP time step accepted: a code is accepted once (replay refused). */
  totpLastStep: integer("totp_last_step"),
  passwordChangedAt: text("password_changed_at"),
  lastLoginAt: text("last_login_at"),
  /** The language of the admin pages and of emails to this user ("en" | "fr"); null follows the browser. */
  locale: text("locale", { enum: ["en", "fr"] }),
  ...timestamps,
});

/** Single-use backup codes for two-factor authentication (SHA-256 of each code). */
export const backupCodes = sqliteTable(
  "backup_codes",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("backup_codes_user_idx").on(t.userId)],
);

/** Portal logins of customer contacts; every query they make is scoped to their customer. */
export const customerAccounts = sqliteTable(
  "customer_accounts",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    contactId: text("contact_id").references(() => contacts.id),
    email: text("email").notNull().unique(),
    passwordHash: text("password_hash"),
    status: text("status", { enum: ["active", "invited", "disabled"] }).notNull(),
    /** Optional TOTP, as for staff users: the sealed secret, when it became required, the last step accepted. */
    totpSecret: text("totp_secret"),
    totpEnabledAt: text("totp_enabled_at"),
    totpLastStep: integer("totp_last_step"),
    lastLoginAt: text("last_login_at"),
    ...timestamps,
  },
  (t) => [index("customer_accounts_customer_idx").on(t.customerId), uniqueIndex("customer_accounts_contact_unique").on(t.contactId)],
);

/** Single-use backup codes of portal accounts (SHA-256 of each code), like `backup_codes` for staff. */
export const customerBackupCodes = sqliteTable(
  "customer_backup_codes",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => customerAccounts.id),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("customer_backup_codes_account_idx").on(t.accountId)],
);

/** Single-use links (invitation, password reset, email verification), stored as SHA-256 hashes. */
export const actionTokens = sqliteTable(
  "action_tokens",
  {
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: ["invite", "password_reset", "verify_email", "portal_invite", "topup_code", "topup_session"] }).notNull(),
    /** A service for the public top-up page's codes and sessions. */
    subjectType: text("subject_type", { enum: ["user", "customer", "service"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    data: text("data", { mode: "json" }).$type<Record<string, string>>().notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("action_tokens_subject_idx").on(t.subjectId, t.purpose)],
);

/** API keys: `ocrm_<prefix>_<secret>`; the prefix finds the row, only a hash of the secret is kept. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  kind: text("kind", { enum: ["standard", "runner"] }).notNull(),
  prefix: text("prefix").notNull().unique(),
  secretHash: text("secret_hash").notNull(),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  createdBy: text("created_by").notNull(),
  expiresAt: text("expires_at"),
  revokedAt: text("revoked_at"),
  lastUsedAt: text("last_used_at"),
  lastUsedIp: text("last_used_ip"),
  ...timestamps,
});

export const roles = sqliteTable("roles", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  description: text("description"),
  permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
  builtIn: integer("built_in", { mode: "boolean" }).notNull(),
  /** Members must use two-factor authentication. */
  requireTwoFactor: integer("require_two_factor", { mode: "boolean" }).notNull().default(false),
  ...timestamps,
});

export const userRoles = sqliteTable(
  "user_roles",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] })],
);

/**
 * Sign-in sessions of staff users and customer accounts. Web sessions are identified by the
 * SHA-256 of their cookie token; API sessions by their refresh tokens (a session is one refresh
 * token family).
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    subjectType: text("subject_type", { enum: ["user", "customer"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    kind: text("kind", { enum: ["web", "api"] }).notNull(),
    tokenHash: text("token_hash").unique(),
    remember: integer("remember", { mode: "boolean" }).notNull(),
    createdAt: text("created_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    revokedAt: text("revoked_at"),
    revokedReason: text("revoked_reason"),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_subject_idx").on(t.subjectId, t.revokedAt)],
);

/** Refresh tokens, rotated on every use; presenting a used one revokes its session (the family). */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id),
    tokenHash: text("token_hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);
