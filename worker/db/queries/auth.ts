import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { CUSTOMER_PERMISSIONS, isPermission, type Permission } from "../../domain/auth/permissions";
import type { Principal } from "../../domain/auth/principal";
import type { Db } from "../client";
import { apiKeys, customerAccounts, roles, sessions, userRoles, users } from "../schema";

type StaffRow = {
  session_id: string;
  session_kind: "web" | "api";
  last_seen_at: string;
  created_at: string;
  remember: number;
  user_id: string;
  email: string;
  name: string;
  permissions: string;
  two_factor_required: number;
  totp_enabled_at: string | null;
  locale: string | null;
};

type CustomerRow = {
  session_id: string;
  session_kind: "web" | "api";
  last_seen_at: string;
  created_at: string;
  remember: number;
  account_id: string;
  email: string;
  customer_id: string;
  customer_name: string;
};

export type FoundSession = { principal: Principal; kind: "web" | "api"; lastSeenAt: string; createdAt: string; remember: boolean };

/**
 * The principal behind a live session — session, active subject and (for staff) the union of
 * their roles' permissions — in a single query, because it runs on every authenticated request.
 */
export async function findSessionPrincipal(db: Db, by: { tokenHash: string } | { sessionId: string }, now: string): Promise<FoundSession | null> {
  const condition = "tokenHash" in by ? sql`s.token_hash = ${by.tokenHash}` : sql`s.id = ${by.sessionId}`;
  const staff = await db.get<StaffRow | undefined>(sql`
    SELECT s.id AS session_id, s.kind AS session_kind, s.last_seen_at, s.created_at, s.remember, u.id AS user_id, u.email, u.name, u.totp_enabled_at, u.locale,
      (SELECT json_group_array(p.value) FROM user_roles ur JOIN roles r ON r.id = ur.role_id, json_each(r.permissions) p WHERE ur.user_id = u.id) AS permissions,
      (SELECT count(*) FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.require_two_factor = 1) AS two_factor_required
    FROM sessions s JOIN users u ON u.id = s.subject_id
    WHERE ${condition} AND s.subject_type = 'user' AND s.revoked_at IS NULL AND s.expires_at > ${now} AND u.status = 'active'`);
  if (staff) {
    return {
      kind: staff.session_kind,
      lastSeenAt: staff.last_seen_at,
      createdAt: staff.created_at,
      remember: Boolean(staff.remember),
      principal: {
        type: "user",
        id: staff.user_id,
        email: staff.email,
        name: staff.name,
        sessionId: staff.session_id,
        permissions: new Set((JSON.parse(staff.permissions) as string[]).filter(isPermission)),
        customerId: null,
        mustEnrollTwoFactor: staff.two_factor_required > 0 && !staff.totp_enabled_at,
        locale: staff.locale === "fr" || staff.locale === "en" ? staff.locale : null,
      },
    };
  }
  const customer = await db.get<CustomerRow | undefined>(sql`
    SELECT s.id AS session_id, s.kind AS session_kind, s.last_seen_at, s.created_at, s.remember, a.id AS account_id, a.email, a.customer_id, c.name AS customer_name
    FROM sessions s JOIN customer_accounts a ON a.id = s.subject_id JOIN customers c ON c.id = a.customer_id
    WHERE ${condition} AND s.subject_type = 'customer' AND s.revoked_at IS NULL AND s.expires_at > ${now} AND a.status = 'active' AND c.status <> 'archived'`);
  if (!customer) return null;
  return {
    kind: customer.session_kind,
    lastSeenAt: customer.last_seen_at,
    createdAt: customer.created_at,
    remember: Boolean(customer.remember),
    principal: {
      type: "customer",
      id: customer.account_id,
      email: customer.email,
      name: customer.customer_name,
      sessionId: customer.session_id,
      permissions: new Set(CUSTOMER_PERMISSIONS),
      customerId: customer.customer_id,
      mustEnrollTwoFactor: false,
    },
  };
}

/** The principal of an API key: its permissions, narrowed to what its creator may still do. */
export async function findApiKeyPrincipal(db: Db, prefix: string, now: string) {
  const row = await db.get<
    | {
        id: string;
        name: string;
        kind: "standard" | "runner";
        secret_hash: string;
        permissions: string;
        expires_at: string | null;
        creator_permissions: string | null;
        creator_status: string | null;
        last_used_at: string | null;
      }
    | undefined
  >(sql`
    SELECT k.id, k.name, k.kind, k.secret_hash, k.permissions, k.expires_at, k.last_used_at, u.status AS creator_status,
      (SELECT json_group_array(p.value) FROM user_roles ur JOIN roles r ON r.id = ur.role_id, json_each(r.permissions) p WHERE ur.user_id = u.id) AS creator_permissions
    FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
    WHERE k.prefix = ${prefix} AND k.revoked_at IS NULL`);
  if (!row || (row.expires_at && row.expires_at <= now)) return null;
  const own = (JSON.parse(row.permissions) as string[]).filter(isPermission);
  // Runner keys are made by the system (or an admin) for the runner API only; standard keys lose
  // whatever their creator has lost, and stop working when the creator is disabled.
  let permissions: Permission[];
  if (row.kind === "runner") permissions = own.filter((p) => p === "runner:access");
  else if (row.creator_status !== "active") permissions = [];
  else {
    const creator = new Set((JSON.parse(row.creator_permissions ?? "[]") as string[]).filter(isPermission));
    permissions = own.filter((p) => creator.has(p) && p !== "runner:access");
  }
  return { id: row.id, name: row.name, kind: row.kind, secretHash: row.secret_hash, permissions, lastUsedAt: row.last_used_at };
}

export async function findUserByEmail(db: Db, email: string) {
  return db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).get();
}

export async function findCustomerAccountByEmail(db: Db, email: string) {
  return db.select().from(customerAccounts).where(eq(customerAccounts.email, email.trim().toLowerCase())).get();
}

/** A subject's sessions, newest first (active ones only unless asked). */
export async function listSessions(db: Db, subjectId: string, now: string) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.subjectId, subjectId), isNull(sessions.revokedAt), sql`${sessions.expiresAt} > ${now}`))
    .orderBy(desc(sessions.lastSeenAt));
}

export function toUserView(u: typeof users.$inferSelect, roleIds: string[]) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    status: u.status,
    roles: [...roleIds].sort(),
    two_factor_enabled: Boolean(u.totpEnabledAt),
    last_login_at: u.lastLoginAt,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
  };
}
export type UserView = ReturnType<typeof toUserView>;

export async function getUser(db: Db, id: string): Promise<UserView | null> {
  const row = await db.select().from(users).where(eq(users.id, id)).get();
  if (!row) return null;
  const links = await db.select({ roleId: userRoles.roleId }).from(userRoles).where(eq(userRoles.userId, id));
  return toUserView(
    row,
    links.map((l) => l.roleId),
  );
}

export async function listUsers(db: Db): Promise<UserView[]> {
  const [rows, links] = await Promise.all([db.select().from(users).orderBy(asc(users.email)), db.select().from(userRoles)]);
  return rows.map((u) =>
    toUserView(
      u,
      links.filter((l) => l.userId === u.id).map((l) => l.roleId),
    ),
  );
}

export function toRoleView(r: typeof roles.$inferSelect) {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    permissions: r.permissions,
    built_in: r.builtIn,
    require_two_factor: r.requireTwoFactor,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}
export type RoleView = ReturnType<typeof toRoleView>;

export async function listRoles(db: Db): Promise<RoleView[]> {
  return (await db.select().from(roles).orderBy(asc(roles.name))).map(toRoleView);
}

export async function getRole(db: Db, id: string): Promise<RoleView | null> {
  const row = await db.select().from(roles).where(eq(roles.id, id)).get();
  return row ? toRoleView(row) : null;
}

export function toApiKeyView(k: typeof apiKeys.$inferSelect) {
  return {
    id: k.id,
    name: k.name,
    description: k.description,
    kind: k.kind,
    prefix: k.prefix,
    permissions: k.permissions,
    created_by: k.createdBy,
    expires_at: k.expiresAt,
    revoked_at: k.revokedAt,
    last_used_at: k.lastUsedAt,
    last_used_ip: k.lastUsedIp,
    created_at: k.createdAt,
  };
}
export type ApiKeyView = ReturnType<typeof toApiKeyView>;

export async function listApiKeys(db: Db): Promise<ApiKeyView[]> {
  return (await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt))).map(toApiKeyView);
}

export async function getApiKey(db: Db, id: string): Promise<ApiKeyView | null> {
  const row = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  return row ? toApiKeyView(row) : null;
}

/** A staff user's row, secrets included (for checks on the user's own password and 2FA). */
export async function getUserRow(db: Db, id: string) {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/** A portal account's row, secrets included (for checks on the account's own 2FA). */
export async function getCustomerAccountRow(db: Db, id: string) {
  return db.select().from(customerAccounts).where(eq(customerAccounts.id, id)).get();
}
