import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { createDb, runBatch } from "../db/client";
import { customerAccounts, userRoles, users } from "../db/schema";
import { BUILT_IN_ROLES } from "../domain/auth/permissions";
import type { WriteContext } from "../domain/context";
import { ensureBuiltInRoles } from "../domain/demo/seed";
import worker from "../index";
import { newId } from "../lib/ids";
import { hashPassword } from "../lib/password";
import { limitedD1 } from "./d1-limit";

export const BASE = "http://example.com";

/** The bindings the tests hand the worker: D1 refusing what production D1 refuses (see d1-limit.ts). */
export const testEnv: Env = { ...env, DB: limitedD1(env.DB) };

/**
 * Sends a request to the worker's exported fetch handler (the same entry point as SELF.fetch) and
 * waits for its waitUntil work. SELF.fetch in @cloudflare/vitest-pool-workers 0.15.1 gets slower
 * with every call (from 5 ms to 400 ms per request over 900 calls, even for a worker answering
 * "ok"), so the suite calls the handler directly; a few tests keep SELF.fetch for the real path.
 */
export async function fetchWorker(input: string, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(input, init), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}
export const PASSWORD = "correct-horse-battery-staple";
export type RoleName = (typeof BUILT_IN_ROLES)[number]["name"];

export const db = () => createDb(testEnv.DB);

/** A write context for calling use cases directly in tests. */
export function testContext(): WriteContext {
  return { db: db(), actor: { type: "system", id: null, label: "test" }, requestId: "req_test", now: new Date().toISOString() };
}

/** A user holding one built-in role (created once per test file run, reused afterwards). */
export async function ensureUser(role: RoleName): Promise<{ id: string; email: string }> {
  const email = `${role}@test.local`;
  const d = db();
  await ensureBuiltInRoles(d, new Date().toISOString());
  const existing = await d.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
  if (existing) return { id: existing.id, email };
  const id = newId("user");
  const now = new Date().toISOString();
  const roleId = BUILT_IN_ROLES.find((r) => r.name === role)?.id ?? "rol_admin";
  // Low iteration count keeps tests fast; verifyPassword reads the count from the stored hash.
  const passwordHash = await hashPassword(PASSWORD, env.PASSWORD_PEPPER, 1000);
  await runBatch(d, [
    d
      .insert(users)
      .values({ id, email, name: `Test ${role}`, passwordHash, status: "active", createdAt: now, updatedAt: now })
      .onConflictDoNothing(),
    d.insert(userRoles).values({ userId: id, roleId }).onConflictDoNothing(),
  ]);
  const row = await d.select({ id: users.id }).from(users).where(eq(users.email, email)).get();
  return { id: row?.id ?? id, email };
}

const tokens = new Map<string, string>();

/** An access token for a user with the given role (logs in through the API). */
export async function tokenFor(role: RoleName = "admin"): Promise<string> {
  const cached = tokens.get(role);
  if (cached) return cached;
  const { email } = await ensureUser(role);
  const response = await fetchWorker(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { access_token: string };
  tokens.set(role, body.access_token);
  return body.access_token;
}

// biome-ignore lint/suspicious/noExplicitAny: API answers are arbitrary JSON that the assertions check
export type ApiResult<T = any> = { status: number; body: T; headers: Headers };

/** Calls the API as a role (admin by default) and parses the JSON answer. */
// biome-ignore lint/suspicious/noExplicitAny: see ApiResult
export async function api<T = any>(
  method: string,
  path: string,
  opts: { body?: unknown; raw?: string; role?: RoleName | null; headers?: Record<string, string> } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.role !== null) headers.authorization = `Bearer ${await tokenFor(opts.role ?? "admin")}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetchWorker(`${BASE}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/**
 * A customer with a contact and an active portal account, signed in through the API. Each call
 * makes a new customer, so tests can check that one customer never sees another.
 */
export async function customerToken(): Promise<{ token: string; customerId: string; contactId: string; email: string }> {
  const d = db();
  const customer = await api("POST", "/customers", { body: { name: unique("Portal Customer"), type: "individual" } });
  const email = `${unique("portal").replace(/\s/g, "").toLowerCase()}@example.net`;
  const contact = await api("POST", `/customers/${customer.body.id}/contacts`, { body: { first_name: "Pat", email } });
  const now = new Date().toISOString();
  await d.insert(customerAccounts).values({
    id: `cac_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`,
    customerId: customer.body.id,
    contactId: contact.body.id,
    email,
    passwordHash: await hashPassword(PASSWORD, env.PASSWORD_PEPPER, 1000),
    status: "active",
    createdAt: now,
    updatedAt: now,
  });
  const login = await fetchWorker(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`customer login failed: ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { access_token: string }).access_token;
  return { token, customerId: customer.body.id, contactId: contact.body.id, email };
}

/** The `name=value` of a cookie a response sets ("" when it sets none). */
export function cookieOf(res: Response, name: string): string {
  for (const c of res.headers.getSetCookie()) if (c.startsWith(`${name}=`)) return c.split(";")[0] ?? "";
  return "";
}

let counter = 0;
/** A name no other test uses, so tests never depend on what else is in the shared database. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

/** Number of rows in a table (used to prove that refused requests write nothing). */
export async function countRows(table: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** A browser-like session for the admin pages: cookie + CSRF token. */
export async function pageSession(role: RoleName = "admin") {
  const { email } = await ensureUser(role);
  const login = await fetchWorker(`${BASE}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ email, password: PASSWORD, next: "/admin" }),
  });
  if (login.status !== 303) throw new Error(`page login failed: ${login.status}`);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await fetchWorker(`${BASE}/admin`, { headers: { cookie } });
  const html = await page.text();
  const csrf = html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
  if (!csrf) throw new Error("no CSRF token on the page");
  // The one-time notice cookie an action sets, kept and sent back as a browser would until a page clears it.
  let notice = "";
  const keep = (res: Response) => {
    const set = res.headers.getSetCookie().findLast((c) => c.startsWith("obss_notice="));
    if (set !== undefined) notice = /^obss_notice=;/.test(set) ? "" : (set.split(";")[0] ?? "");
    return res;
  };
  const jar = () => (notice ? `${cookie}; ${notice}` : cookie);
  const get = async (path: string, headers: Record<string, string> = {}) =>
    keep(await fetchWorker(`${BASE}${path}`, { headers: { cookie: jar(), ...headers }, redirect: "manual" }));
  const post = async (path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries({ _csrf: csrf, ...form })) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
    return keep(
      await fetchWorker(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: jar(), origin: BASE, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded", ...headers },
        body,
      }),
    );
  };
  return { cookie, csrf, get, post };
}

/** A customer signed in to the portal: its cookie and CSRF token, and get/post helpers. */
export async function portalSession(email: string) {
  const login = await fetchWorker(`${BASE}/portal/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ email, password: PASSWORD }),
  });
  expect(login.status).toBe(303);
  expect(login.headers.get("location")).toBe("/portal");
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  expect(cookie).toMatch(/^__Host-obss_portal=/);
  const get = (path: string, headers: Record<string, string> = {}) => fetchWorker(`${BASE}${path}`, { headers: { cookie, ...headers }, redirect: "manual" });
  const page = await (await get("/portal")).text();
  const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
  const post = (path: string, form: Record<string, string>) =>
    fetchWorker(`${BASE}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, ...form }),
    });
  return { cookie, csrf, get, post };
}

/** A runner API call (`/runner/v1…`) with a runner key: its status and JSON body. */
export async function runnerRequest(key: string, path: string, body: unknown): Promise<{ status: number; body: ApiResult["body"] }> {
  const res = await fetchWorker(`${BASE}/runner/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ApiResult["body"] };
}
