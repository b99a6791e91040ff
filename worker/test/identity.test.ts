import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { emailOutbox, sessions, users } from "../db/schema";
import { api, BASE, customerToken, db, ensureUser, fetchWorker, unique } from "./helpers";

const STRONG = "Tr0ub4dor & horses 42";

async function login(email: string, password: string, extra: Record<string, unknown> = {}) {
  const res = await fetchWorker(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": extra.ip ? String(extra.ip) : "203.0.113.9" },
    body: JSON.stringify({ email, password, ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== "ip")) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

const bearer = (token: unknown) => ({ authorization: `Bearer ${String(token)}` });

/** The link token in the newest email of a template sent to an address. */
async function linkToken(to: string, template: string): Promise<string> {
  const rows = await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, to));
  const email = rows.filter((r) => r.template === template).at(-1);
  const token = email?.textBody.match(/token=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error(`no ${template} email to ${to}`);
  return token;
}

async function newStaff(roles = ["rol_support"]) {
  const email = `${unique("staff").replace(/\s/g, "").toLowerCase()}@example.org`;
  const res = await api("POST", "/users", { body: { email, name: "New Staff", roles, password: STRONG } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, email };
}

describe("staff users", () => {
  it("invites a user by email; the single-use link sets the password and activates the account", async () => {
    const email = `${unique("invitee").replace(/\s/g, "").toLowerCase()}@example.org`;
    const res = await api("POST", "/users", { body: { email, name: "Ines Invitee", roles: ["rol_billing"] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "invited", roles: ["rol_billing"] });
    expect((await login(email, STRONG)).status).toBe(401);
    const token = await linkToken(email, "invitation");
    const weak = await api("POST", "/auth/invitations/accept", { role: null, body: { token, password: "password1234" } });
    expect(weak.status).toBe(422);
    expect(weak.body.errors[0].message).toMatch(/too common/);
    expect((await api("POST", "/auth/invitations/accept", { role: null, body: { token, password: STRONG } })).status).toBe(204);
    expect((await api("POST", "/auth/invitations/accept", { role: null, body: { token, password: STRONG } })).status).toBe(400);
    const signedIn = await login(email, STRONG);
    expect(signedIn.status).toBe(200);
    const me = await api("GET", "/me", { role: null, headers: bearer(signedIn.body.access_token) });
    expect(me.body.permissions).toContain("billing:refund");
  });

  it("refuses weak passwords and duplicate emails, and validates roles", async () => {
    const email = `${unique("weak").replace(/\s/g, "").toLowerCase()}@example.org`;
    for (const password of ["short", "qwertyuiop12", "aaaaaaaaaaaaaaa", "abcdefghijklmnop", `${email.split("@")[0]}123`]) {
      const res = await api("POST", "/users", { body: { email, name: "W", roles: ["rol_support"], password } });
      expect(res.status, password).toBe(422);
    }
    expect((await api("POST", "/users", { body: { email, name: "W", roles: ["rol_nope"], password: STRONG } })).status).toBe(422);
    await api("POST", "/users", { body: { email, name: "W", roles: ["rol_support"], password: STRONG } });
    expect((await api("POST", "/users", { body: { email, name: "W2", roles: ["rol_support"], password: STRONG } })).status).toBe(409);
  });

  it("resets a forgotten password with a single-use 30-minute link and signs out every session", async () => {
    const { email } = await newStaff();
    const first = await login(email, STRONG);
    const unknown = await api("POST", "/auth/password-reset", { role: null, body: { email: "nobody@nowhere.example" } });
    expect(unknown.status).toBe(202);
    expect((await api("POST", "/auth/password-reset", { role: null, body: { email } })).status).toBe(202);
    const token = await linkToken(email, "password_reset");
    const row = await env.DB.prepare(
      "SELECT expires_at, created_at FROM action_tokens WHERE purpose = 'password_reset' ORDER BY created_at DESC LIMIT 1",
    ).first<{ expires_at: string; created_at: string }>();
    expect(Date.parse(row?.expires_at ?? "") - Date.parse(row?.created_at ?? "")).toBe(30 * 60_000);
    const next = "A whole new passphrase 7";
    expect((await api("POST", "/auth/password-reset/confirm", { role: null, body: { token, password: next } })).status).toBe(204);
    expect((await api("POST", "/auth/password-reset/confirm", { role: null, body: { token, password: next } })).status).toBe(400);
    expect((await api("GET", "/me", { role: null, headers: bearer(first.body.access_token) })).status).toBe(401);
    expect((await login(email, STRONG)).status).toBe(401);
    expect((await login(email, next)).status).toBe(200);
  });

  it("changes its own email only after the new address is verified", async () => {
    const { email, id } = await newStaff();
    const session = await login(email, STRONG);
    const newEmail = `new-${email}`;
    const wrong = await api("POST", "/me/email", {
      role: null,
      headers: bearer(session.body.access_token),
      body: { new_email: newEmail, password: "not my password" },
    });
    expect(wrong.status).toBe(422);
    expect(
      (await api("POST", "/me/email", { role: null, headers: bearer(session.body.access_token), body: { new_email: newEmail, password: STRONG } })).status,
    ).toBe(202);
    expect((await db().select().from(users).where(eq(users.id, id)).get())?.email).toBe(email);
    const token = await linkToken(newEmail, "verify_email");
    const done = await api("POST", "/auth/verify-email", { role: null, body: { token } });
    expect(done.body).toEqual({ email: newEmail });
    expect((await login(newEmail, STRONG)).status).toBe(200);
  });

  it("disables a user (sessions end at once) and re-enables them, all audited", async () => {
    const { email, id } = await newStaff();
    const session = await login(email, STRONG);
    expect((await api("POST", `/users/${id}/disable`)).body.status).toBe("disabled");
    expect((await api("GET", "/me", { role: null, headers: bearer(session.body.access_token) })).status).toBe(401);
    expect((await login(email, STRONG)).status).toBe(401);
    expect((await api("POST", `/users/${id}/disable`)).status).toBe(409);
    expect((await api("POST", `/users/${id}/enable`)).body.status).toBe("active");
    expect((await login(email, STRONG)).status).toBe(200);
    const audit = await api("GET", `/activity?entity=user&entity_id=${id}&limit=20`);
    const actions = audit.body.data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["user.create", "user.disable", "user.enable", "auth.login", "auth.login_failed"]));
  });
});

describe("refresh tokens and sessions", () => {
  it("rotates refresh tokens; reusing a spent one revokes the whole family", async () => {
    const { email } = await newStaff();
    const first = await login(email, STRONG);
    const second = await api("POST", "/auth/refresh", { role: null, body: { refresh_token: first.body.refresh_token } });
    expect(second.status).toBe(200);
    const reuse = await api("POST", "/auth/refresh", { role: null, body: { refresh_token: first.body.refresh_token } });
    expect(reuse.status).toBe(401);
    // The thief's reuse also kills the legitimate holder's newer token and access token.
    expect((await api("POST", "/auth/refresh", { role: null, body: { refresh_token: second.body.refresh_token } })).status).toBe(401);
    expect((await api("GET", "/me", { role: null, headers: bearer(second.body.access_token) })).status).toBe(401);
    const audit = await api("GET", "/activity?action=auth.refresh_reuse&limit=5");
    expect(audit.body.data.length).toBeGreaterThan(0);
  });

  it("lists sessions and signs out everywhere", async () => {
    const { email } = await newStaff();
    const a = await login(email, STRONG);
    const b = await login(email, STRONG);
    const list = await api("GET", "/me/sessions", { role: null, headers: bearer(a.body.access_token) });
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect((await api("POST", "/me/sessions/revoke-all", { role: null, headers: bearer(a.body.access_token), body: { keep_current: true } })).status).toBe(204);
    expect((await api("GET", "/me", { role: null, headers: bearer(a.body.access_token) })).status).toBe(200);
    expect((await api("POST", "/auth/refresh", { role: null, body: { refresh_token: b.body.refresh_token } })).status).toBe(401);
  });
});

describe("two-factor authentication", () => {
  it("sets up TOTP, refuses replayed codes, accepts each backup code once, and can be disabled", async () => {
    const { email, id } = await newStaff();
    const s = await login(email, STRONG);
    const auth = bearer(s.body.access_token);
    const setup = await api("POST", "/me/2fa/setup", { role: null, headers: auth });
    expect(setup.status).toBe(200);
    expect(setup.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    const stored = await db().select().from(users).where(eq(users.id, id)).get();
    expect(stored?.totpSecret).toMatch(/^v1\./);
    expect(stored?.totpSecret).not.toContain(setup.body.secret);
    expect((await api("POST", "/me/2fa/enable", { role: null, headers: auth, body: { code: "000000" } })).status).toBe(422);
    const code = await generate({ secret: setup.body.secret });
    const enabled = await api("POST", "/me/2fa/enable", { role: null, headers: auth, body: { code } });
    expect(enabled.status).toBe(200);
    const backups: string[] = enabled.body.backup_codes;
    expect(backups).toHaveLength(10);
    expect(new Set(backups).size).toBe(10);
    // Password alone is no longer enough.
    const noCode = await login(email, STRONG);
    expect(noCode.status).toBe(401);
    expect(noCode.body.mfa_required).toBe(true);
    // The code used to enable is spent: replay refused.
    expect((await login(email, STRONG, { otp: code })).status).toBe(401);
    const backup = backups[0] ?? "";
    expect((await login(email, STRONG, { otp: backup.toUpperCase() })).status).toBe(200);
    expect((await login(email, STRONG, { otp: backup })).status).toBe(401);
    const audit = await api("GET", `/activity?entity=user&entity_id=${id}&action=auth.2fa_enabled`);
    expect(audit.body.data).toHaveLength(1);
    const emails = await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, email));
    expect(emails.map((e) => e.template)).toContain("two_factor_changed");
    expect((await api("POST", "/me/2fa/disable", { role: null, headers: auth, body: { code: backups[1] } })).status).toBe(204);
    expect((await login(email, STRONG)).status).toBe(200);
  });

  it("lets an administrator reset a user's 2FA, audited; the user is signed out everywhere", async () => {
    const { email, id } = await newStaff();
    const s = await login(email, STRONG);
    const setup = await api("POST", "/me/2fa/setup", { role: null, headers: bearer(s.body.access_token) });
    await api("POST", "/me/2fa/enable", { role: null, headers: bearer(s.body.access_token), body: { code: await generate({ secret: setup.body.secret }) } });
    expect((await login(email, STRONG)).body.mfa_required).toBe(true);
    const reset = await api("POST", `/users/${id}/reset-2fa`);
    expect(reset.body.two_factor_enabled).toBe(false);
    const live = (await db().select().from(sessions).where(eq(sessions.subjectId, id)).all()).filter((row) => row.revokedAt === null);
    expect(live).toEqual([]);
    expect((await api("POST", "/auth/refresh", { role: null, body: { refresh_token: s.body.refresh_token } })).status).toBe(401);
    expect((await login(email, STRONG)).status).toBe(200);
    expect((await api("GET", `/activity?entity=user&entity_id=${id}&action=user.2fa_reset`)).body.data).toHaveLength(1);
  });

  it("requires 2FA for members of a role that demands it", async () => {
    const role = await api("POST", "/roles", {
      body: {
        name: unique("strict")
          .toLowerCase()
          .replace(/[^a-z0-9]/g, "-")
          .slice(0, 30),
        permissions: ["customers:read"],
        require_two_factor: true,
      },
    });
    expect(role.status).toBe(201);
    const { email } = await newStaff([role.body.id]);
    const s = await login(email, STRONG);
    const auth = bearer(s.body.access_token);
    const me = await api("GET", "/me", { role: null, headers: auth });
    expect(me.body.two_factor_required).toBe(true);
    expect((await api("GET", "/customers", { role: null, headers: auth })).status).toBe(403);
    const setup = await api("POST", "/me/2fa/setup", { role: null, headers: auth });
    await api("POST", "/me/2fa/enable", { role: null, headers: auth, body: { code: await generate({ secret: setup.body.secret }) } });
    // A new session sees the enrolment at once (this one's principal is cached for a few seconds).
    const again = await login(email, STRONG);
    expect(again.body.mfa_required).toBe(true);
  });
});

describe("brute-force protection", () => {
  it("slows down, then locks an account (429 with Retry-After), until an administrator unlocks it", async () => {
    const { email, id } = await newStaff();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await login(email, "definitely wrong password", { ip: `198.51.100.${i}` });
      statuses.push(res.status);
      retryAfter = res.headers.get("retry-after") ?? retryAfter;
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses[3]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Even the right password is refused while the delay lasts.
    const blocked = await login(email, STRONG, { ip: "198.51.100.99" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.retry_after).toBeGreaterThan(0);
    expect((await api("POST", `/users/${id}/unlock`)).status).toBe(200);
    expect((await login(email, STRONG)).status).toBe(200);
    expect((await api("GET", `/activity?entity=user&entity_id=${id}&action=user.unlock`)).body.data).toHaveLength(1);
  });

  it("counts failures per IP address across accounts", async () => {
    const ip = "192.0.2.77";
    let last = 0;
    for (let i = 0; i < 22; i++) last = (await login(`nobody${i}@example.org`, "wrong password here", { ip })).status;
    expect(last).toBe(429);
  });
});

describe("API keys", () => {
  it("creates scoped keys whose secret is shown once and stored hashed", async () => {
    const res = await api("POST", "/api-keys", { body: { name: "CRM sync", permissions: ["customers:read"] } });
    expect(res.status).toBe(201);
    const secret: string = res.body.secret;
    expect(secret).toMatch(/^ocrm_[a-z0-9]{10}_/);
    expect((await api("GET", `/api-keys/${res.body.id}`)).body.secret).toBeUndefined();
    const stored = await env.DB.prepare("SELECT secret_hash FROM api_keys WHERE id = ?").bind(res.body.id).first<{ secret_hash: string }>();
    // The whole secret part (it may itself contain "_"): a short fragment could occur in any hex hash.
    expect(stored?.secret_hash).not.toContain(secret.split("_").slice(2).join("_"));
    const key = bearer(secret);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: key })).status).toBe(200);
    expect((await api("POST", "/customers", { role: null, headers: key, body: { name: "x", type: "business" } })).status).toBe(403);
    expect((await api("GET", "/settings", { role: null, headers: key })).status).toBe(403);
    const meta = await api("GET", `/api-keys/${res.body.id}`);
    expect(meta.body.last_used_at).not.toBeNull();
    const activity = await api("GET", `/activity?entity=api_key&entity_id=${res.body.id}`);
    expect(activity.body.data[0].action).toBe("api_key.create");
  });

  it("refuses keys beyond the creator's permissions, revoked keys, regenerated secrets and expired keys", async () => {
    const support = await api("POST", "/api-keys", { role: "admin", body: { name: "x", permissions: ["runner:access"] } });
    expect(support.status).toBe(422);
    const key = await api("POST", "/api-keys", { body: { name: "Rotating", permissions: ["customers:read"] } });
    const regenerated = await api("POST", `/api-keys/${key.body.id}/regenerate`);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer(key.body.secret) })).status).toBe(401);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer(regenerated.body.secret) })).status).toBe(200);
    await api("POST", `/api-keys/${key.body.id}/revoke`);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer(regenerated.body.secret) })).status).toBe(401);
    expect((await api("POST", `/api-keys/${key.body.id}/revoke`)).status).toBe(409);
    const past = await api("POST", "/api-keys", { body: { name: "Old", permissions: ["customers:read"], expires_at: "2020-01-01T00:00:00Z" } });
    expect(past.status).toBe(422);
    const soon = await api("POST", "/api-keys", {
      body: { name: "Soon", permissions: ["customers:read"], expires_at: new Date(Date.now() + 60_000).toISOString() },
    });
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), soon.body.id)
      .run();
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer(soon.body.secret) })).status).toBe(401);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer("ocrm_notarealkey_abcdefghijklmnopqrstuvwxyz0123456789") })).status).toBe(401);
  });

  it("limits runner keys to the runner API", async () => {
    const runner = await api("POST", "/api-keys", { body: { name: "On-prem runner", kind: "runner", permissions: ["customers:read"] } });
    expect(runner.status).toBe(201);
    expect(runner.body.permissions).toEqual(["runner:access"]);
    expect((await api("GET", "/customers?limit=1", { role: null, headers: bearer(runner.body.secret) })).status).toBe(403);
    // Not even "any signed-in caller" routes: a runner key reaches /runner/v1 only.
    expect((await api("GET", "/me", { role: null, headers: bearer(runner.body.secret) })).status).toBe(403);
  });
});

describe("roles", () => {
  it("creates custom roles within the creator's permissions and refuses to delete held roles", async () => {
    const name = unique("noc")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "-")
      .slice(0, 30);
    const role = await api("POST", "/roles", { body: { name, permissions: ["customers:read", "activity:read"] } });
    expect(role.status).toBe(201);
    expect((await api("POST", "/roles", { body: { name, permissions: [] } })).status).toBe(409);
    expect((await api("POST", "/roles", { body: { name: "bad", permissions: ["nope:do"] } })).status).toBe(422);
    expect((await api("PATCH", "/roles/rol_admin", { body: { permissions: ["customers:read"] } })).status).toBe(409);
    expect((await api("PATCH", "/roles/rol_admin", { body: { require_two_factor: false } })).status).toBe(200);
    const { email } = await newStaff([role.body.id]);
    const s = await login(email, STRONG);
    const me = await api("GET", "/me", { role: null, headers: bearer(s.body.access_token) });
    expect(me.body.permissions).toEqual(["activity:read", "customers:read"]);
    expect((await api("DELETE", `/roles/${role.body.id}`)).status).toBe(409);
    expect((await api("DELETE", "/roles/rol_support")).status).toBe(409);
  });

  it("refuses to let an administrator remove their own admin role or disable themselves", async () => {
    const { id } = await ensureUser("admin");
    expect((await api("PATCH", `/users/${id}`, { body: { roles: ["rol_support"] } })).status).toBe(409);
    expect((await api("POST", `/users/${id}/disable`)).status).toBe(409);
  });
});

describe("customer portal accounts", () => {
  it("scopes every query of a customer token to its own customer", async () => {
    const mine = await customerToken();
    const other = await customerToken();
    const auth = bearer(mine.token);
    const list = await api("GET", "/customers?limit=200", { role: null, headers: auth });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([mine.customerId]);
    expect((await api("GET", `/customers/${mine.customerId}`, { role: null, headers: auth })).status).toBe(200);
    expect((await api("GET", `/customers/${other.customerId}`, { role: null, headers: auth })).status).toBe(404);
    expect((await api("GET", `/customers/${other.customerId}/contacts`, { role: null, headers: auth })).status).toBe(404);
    expect((await api("GET", `/contacts/${other.contactId}`, { role: null, headers: auth })).status).toBe(404);
    expect((await api("GET", `/contacts/${mine.contactId}`, { role: null, headers: auth })).status).toBe(200);
    expect((await api("PATCH", `/customers/${mine.customerId}`, { role: null, headers: auth, body: { name: "x" } })).status).toBe(403);
    expect((await api("GET", "/search?q=a", { role: null, headers: auth })).status).toBe(403);
    const me = await api("GET", "/me", { role: null, headers: auth });
    expect(me.body).toMatchObject({ type: "customer", customer_id: mine.customerId });
    // The token carries the customer id, and a token for another customer's scope is refused.
    const [header, payload, signature] = mine.token.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims.cid).toBe(mine.customerId);
    const { SignJWT } = await import("jose");
    const widened = await new SignJWT({ ...claims, cid: other.customerId })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(`access-jwt:${env.AUTH_SECRET}`));
    expect((await api("GET", "/me", { role: null, headers: bearer(widened) })).status).toBe(401);
    expect(header && signature).toBeTruthy();
  });

  it("invites a contact to the portal; the link activates the account", async () => {
    const customer = await api("POST", "/customers", { body: { name: unique("Portal Inv"), type: "business" } });
    const email = `${unique("contact").replace(/\s/g, "").toLowerCase()}@example.net`;
    const contact = await api("POST", `/customers/${customer.body.id}/contacts`, { body: { first_name: "Cleo", email } });
    const noEmail = await api("POST", `/customers/${customer.body.id}/contacts`, { body: { first_name: "Phone", phone: "+33612345678" } });
    expect((await api("POST", `/contacts/${noEmail.body.id}/portal-invitation`)).status).toBe(422);
    expect((await api("POST", `/contacts/${contact.body.id}/portal-invitation`, { role: "read-only" })).status).toBe(403);
    const invited = await api("POST", `/contacts/${contact.body.id}/portal-invitation`, { role: "support" });
    expect(invited.status).toBe(202);
    expect(invited.body.status).toBe("invited");
    const token = await linkToken(email, "portal_invitation");
    expect((await api("POST", "/auth/portal-invitations/accept", { role: null, body: { token, password: STRONG } })).status).toBe(204);
    const signedIn = await login(email, STRONG);
    expect(signedIn.status).toBe(200);
    const me = await api("GET", "/me", { role: null, headers: bearer(signedIn.body.access_token) });
    expect(me.body.customer_id).toBe(customer.body.id);
    expect((await api("POST", `/contacts/${contact.body.id}/portal-invitation`)).status).toBe(409);
  });
});

describe("email outbox", () => {
  it("sends queued emails through Mailjet (simulator) and lists them", async () => {
    const { email } = await newStaff();
    await api("POST", "/auth/password-reset", { role: null, body: { email } });
    const sent = await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, email));
    expect(sent.at(-1)).toMatchObject({ status: "sent", template: "password_reset" });
    expect(sent.at(-1)?.providerMessageId).toBeTruthy();
    const state = (await (await fetch("http://127.0.0.1:12912/_sim/state")).json()) as { messages: { to: string[]; subject: string; html: string }[] };
    const message = state.messages.find((m) => m.to.includes(email));
    expect(message?.subject).toMatch(/Reset your/);
    expect(message?.html).toContain("Choose a new password");
    const list = await api("GET", "/outbox?status=sent&limit=5");
    expect(list.status).toBe(200);
    expect((await api("GET", "/outbox", { role: "support" })).status).toBe(403);
  });

  it("keeps a failing email queued with backoff, then marks it failed, and can retry it", async () => {
    const { sendDueEmails } = await import("../domain/email/outbox");
    const { mailjetMailer } = await import("../integrations/mailjet");
    const { enqueueEmail } = await import("../domain/email/outbox");
    const d = db();
    const now = new Date();
    await enqueueEmail(d, now.toISOString(), { email: "someone@fail.example" }, { template: "test", subject: "Hello", text: "Hi", html: "<p>Hi</p>" });
    const mailer = mailjetMailer(env, "Test");
    const row = () => d.select().from(emailOutbox).where(eq(emailOutbox.toEmail, "someone@fail.example")).get();
    await sendDueEmails(d, mailer, now);
    const first = await row();
    expect(first).toMatchObject({ status: "pending", attempts: 1 });
    expect(Date.parse(first?.nextAttemptAt ?? "") - now.getTime()).toBe(60_000);
    // Walk the clock through every retry.
    let clock = now.getTime();
    for (let i = 0; i < 10; i++) {
      clock += 13 * 3600_000;
      await sendDueEmails(d, mailer, new Date(clock));
    }
    const last = await row();
    expect(last?.status).toBe("failed");
    expect(last?.attempts).toBe(8);
    expect(last?.lastError).toMatch(/Internal server error|HTTP 500/);
    expect((await api("POST", `/outbox/${last?.id}/retry`)).status).toBe(202);
    expect((await row())?.status).not.toBe("failed");
  });
});
