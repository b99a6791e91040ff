import { env } from "cloudflare:test";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { PRINCIPAL_TTL_MS } from "../middleware/authenticate";
import { api, BASE, ensureUser, fetchWorker, PASSWORD, pageSession, tokenFor } from "./helpers";

const key = (secret: string) => new TextEncoder().encode(`access-jwt:${secret}`);
const SECRET = "test-auth-secret-0123456789abcdef0123456789";

async function login(email: string, password: string) {
  return fetchWorker(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
}

describe("API authentication", () => {
  it("requires a valid bearer token on every API route", async () => {
    expect((await api("GET", "/customers", { role: null })).status).toBe(401);
    const res = await api("GET", "/customers", { role: null, headers: { authorization: "Bearer nonsense" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("logs in, refreshes with rotation, and logs out", async () => {
    const { email, id } = await ensureUser("support");
    const bad = await login(email, "wrong-password-123");
    expect(bad.status).toBe(401);
    const ok = await login(email, PASSWORD);
    expect(ok.status).toBe(200);
    const tokens = (await ok.json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(tokens.expires_in).toBe(900);
    const me = await api("GET", "/me", { role: null, headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.body).toMatchObject({ id, email });
    expect(me.body.permissions).toContain("customers:read");
    const refreshed = await api("POST", "/auth/refresh", { role: null, body: { refresh_token: tokens.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    // The old refresh token is spent.
    expect((await api("POST", "/auth/refresh", { role: null, body: { refresh_token: tokens.refresh_token } })).status).toBe(401);
    const access = refreshed.body.access_token as string;
    expect((await api("POST", "/auth/logout", { role: null, headers: { authorization: `Bearer ${access}` } })).status).toBe(204);
    // Logging out revokes the session: its access tokens stop working at once.
    expect((await api("GET", "/me", { role: null, headers: { authorization: `Bearer ${access}` } })).status).toBe(401);
  });

  it("stops accepting a revoked session's access token within the principal cache lifetime", async () => {
    const { email } = await ensureUser("billing");
    const tokens = (await (await login(email, PASSWORD)).json()) as { access_token: string };
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    expect((await api("GET", "/me", { role: null, headers: auth })).status).toBe(200);
    const [, payload] = tokens.access_token.split(".");
    const sid = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
    // Revoked elsewhere (another isolate, an admin): no eviction here, only the cache lifetime.
    await env.DB.prepare("UPDATE sessions SET revoked_at = ? WHERE id = ?").bind(new Date().toISOString(), sid).run();
    await new Promise((r) => setTimeout(r, PRINCIPAL_TTL_MS + 200));
    expect((await api("GET", "/me", { role: null, headers: auth })).status).toBe(401);
  });

  it("refuses forged tokens: alg none, wrong key, expired, wrong audience, tampered payload", async () => {
    const { id } = await ensureUser("admin");
    const good = await tokenFor("admin");
    const [header, payload, signature] = good.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    const now = Math.floor(Date.now() / 1000);
    const forged = [
      new UnsecuredJWT({ sid: claims.sid, typ: "access" })
        .setIssuer("open-bss")
        .setAudience("open-bss-api")
        .setSubject(id)
        .setExpirationTime(now + 600)
        .encode(),
      await new SignJWT({ sid: claims.sid, typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("open-bss")
        .setAudience("open-bss-api")
        .setSubject(id)
        .setExpirationTime(now + 600)
        .sign(key("other-secret")),
      await new SignJWT({ sid: claims.sid, typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("open-bss")
        .setAudience("open-bss-api")
        .setSubject(id)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now - 60)
        .sign(key(SECRET)),
      await new SignJWT({ sid: claims.sid, typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("open-bss")
        .setAudience("someone-else")
        .setSubject(id)
        .setExpirationTime(now + 600)
        .sign(key(SECRET)),
      await new SignJWT({ sid: claims.sid, typ: "refresh" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("open-bss")
        .setAudience("open-bss-api")
        .setSubject(id)
        .setExpirationTime(now + 600)
        .sign(key(SECRET)),
      `${header}.${btoa(JSON.stringify({ ...claims, sub: "usr_someoneelse" })).replace(/=+$/, "")}.${signature}`,
    ];
    for (const token of forged) {
      const res = await api("GET", "/me", { role: null, headers: { authorization: `Bearer ${token}` } });
      expect(res.status, token.slice(0, 30)).toBe(401);
    }
  });

  it("checks permissions: read-only staff can read but not write", async () => {
    expect((await api("GET", "/customers?limit=1", { role: "read-only" })).status).toBe(200);
    const denied = await api("POST", "/customers", { role: "read-only", body: { name: "Nope", type: "business" } });
    expect(denied.status).toBe(403);
    expect((await api("PATCH", "/settings", { role: "support", body: { operator_name: "Hacked" } })).status).toBe(403);
    expect((await api("GET", "/customers", { role: "broadcaster" })).status).toBe(403);
  });
});

describe("admin pages authentication", () => {
  it("redirects anonymous visitors to the sign-in page and refuses bad credentials", async () => {
    const res = await fetchWorker(`${BASE}/admin/customers?status=open`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/login?next=%2Fadmin%2Fcustomers%3Fstatus%3Dopen");
    const hx = await fetchWorker(`${BASE}/admin/customers`, { headers: { "hx-request": "true" } });
    expect(hx.headers.get("hx-redirect")).toContain("/admin/login");
    const { email } = await ensureUser("admin");
    const bad = await fetchWorker(`${BASE}/admin/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email, password: "nope-nope-nope" }),
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("Email or password is incorrect.");
  });

  it("sets a HttpOnly, Secure, SameSite=Lax cookie and never redirects off-site after login", async () => {
    const { email } = await ensureUser("admin");
    const res = await fetchWorker(`${BASE}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email, password: PASSWORD, next: "//evil.example/steal" }),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("refuses cross-site form posts and posts without the CSRF token", async () => {
    const s = await pageSession("admin");
    const crossSite = await s.post(
      "/admin/customers/new",
      { name: "CSRF victim", type: "business", payment_type: "postpaid" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(crossSite.status).toBe(403);
    const noToken = await s.post("/admin/customers/new", { _csrf: "", name: "CSRF victim", type: "business", payment_type: "postpaid" });
    expect(noToken.status).toBe(403);
    const noOrigin = await fetchWorker(`${BASE}/admin/customers/new`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: s.csrf, name: "CSRF victim", type: "business", payment_type: "postpaid" }),
    });
    expect(noOrigin.status).toBe(403);
    // The same form with the token from this origin goes through.
    const ok = await s.post("/admin/customers/new", { name: "CSRF legit", type: "business", payment_type: "postpaid" });
    expect(ok.status).toBe(303);
    const search = await api("GET", "/search?q=CSRF%20victim");
    expect(search.body.data).toHaveLength(0);
  });

  it("signs out and the cookie stops working", async () => {
    const s = await pageSession("admin");
    expect((await s.get("/admin")).status).toBe(200);
    expect((await s.post("/admin/logout", {})).status).toBe(303);
    expect((await s.get("/admin")).status).toBe(303);
  });

  it("hides navigation the user cannot use and refuses the pages anyway", async () => {
    const s = await pageSession("broadcaster");
    const page = await (await s.get("/admin/broadcasts")).text();
    expect(page).toContain("Cell broadcast");
    expect(page).not.toContain('href="/admin/customers"');
    expect((await s.get("/admin/customers")).status).toBe(403);
  });
});
