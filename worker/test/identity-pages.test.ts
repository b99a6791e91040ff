import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { api, BASE, cookieOf, fetchWorker, pageSession, unique } from "./helpers";

const STRONG = "Tr0ub4dor & horses 42";

async function staff() {
  const email = `${unique("pages").replace(/\s/g, "").toLowerCase()}@example.org`;
  await api("POST", "/users", { body: { email, name: "Page Person", roles: ["rol_admin"], password: STRONG } });
  return email;
}

async function formLogin(email: string, password: string) {
  return fetchWorker(`${BASE}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ email, password, next: "/admin/account" }),
  });
}

describe("identity pages", () => {
  it("sets up 2FA from the account pages, then signs in with a code in a second step", async () => {
    const email = await staff();
    const login = await formLogin(email, STRONG);
    const cookie = cookieOf(login, "__Host-obss_session");
    const account = await (await fetchWorker(`${BASE}/admin/account`, { headers: { cookie } })).text();
    const csrf = account.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    const post = (path: string, form: Record<string, string>) =>
      fetchWorker(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ _csrf: csrf, ...form }),
      });
    const setup = await (await post("/admin/account/2fa/setup", {})).text();
    expect(setup).toContain("<svg");
    const secret = setup.match(/<code class="secret">([A-Z2-7]+)<\/code>/)?.[1] ?? "";
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const wrong = await post("/admin/account/2fa/enable", { code: "123456" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("<svg");
    const enabled = await (await post("/admin/account/2fa/enable", { code: await generate({ secret }) })).text();
    const codes = [...enabled.matchAll(/<li><code>([a-z0-9-]{11})<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    // Second sign-in: password, then the code page, then the code.
    const step1 = await formLogin(email, STRONG);
    expect(step1.status).toBe(200);
    expect(await step1.text()).toContain("Two-factor authentication");
    const pending = cookieOf(step1, "__Host-obss_mfa");
    expect(pending).not.toBe("");
    const bad = await fetchWorker(`${BASE}/admin/login/2fa`, {
      method: "POST",
      headers: { cookie: pending, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ code: "000000" }),
    });
    expect(bad.status).toBe(401);
    const good = await fetchWorker(`${BASE}/admin/login/2fa`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: pending, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ code: codes[0] ?? "", next: "/admin/account" }),
    });
    expect(good.status).toBe(303);
    expect(cookieOf(good, "__Host-obss_session")).not.toBe("");
    // A forged pending proof is refused.
    const forged = await fetchWorker(`${BASE}/admin/login/2fa`, {
      method: "POST",
      headers: { cookie: "__Host-obss_mfa=usr_x.9999999999999.0.abc", origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ code: "123456" }),
    });
    expect(forged.status).toBe(401);
  });

  it("invites users, edits roles, shows an API key secret once, lists the outbox", async () => {
    const s = await pageSession("admin");
    const email = `${unique("inv").replace(/\s/g, "").toLowerCase()}@example.org`;
    const invalid = await s.post("/admin/users/new", { name: "", email: "nope", roles: [] });
    expect(invalid.status).toBe(422);
    const invited = await s.post("/admin/users/new", { name: "Ivy", email, roles: ["rol_support"] });
    expect(invited.status).toBe(303);
    const userPath = invited.headers.get("location") ?? "";
    expect(await (await s.get(userPath)).text()).toContain("Resend invitation");
    expect((await s.post(userPath, { name: "Ivy Renamed", roles: ["rol_support", "rol_billing"] })).status).toBe(200);
    const user = (await api("GET", `/users/${userPath.split("/").pop()}`)).body;
    expect(user).toMatchObject({ name: "Ivy Renamed", roles: ["rol_billing", "rol_support"] });
    expect((await s.post(`${userPath}/action`, { action: "disable" })).status).toBe(200);
    expect((await api("GET", `/users/${user.id}`)).body.status).toBe("disabled");

    const created = await s.post("/admin/api-keys", { name: "Page key", permissions: ["customers:read"] });
    const html = await created.text();
    const secret = html.match(/id="new-key-secret">\s*(ocrm_[a-z0-9]{10}_[A-Za-z0-9_-]+)/)?.[1] ?? "";
    expect(secret).not.toBe("");
    expect(await (await s.get("/admin/api-keys")).text()).not.toContain(secret);

    const role = await s.post("/admin/roles/new", {
      name: unique("pg")
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "-")
        .slice(0, 30),
      permissions: ["customers:read"],
      require_two_factor: "1",
    });
    expect(role.status).toBe(303);
    const outbox = await (await s.get("/admin/outbox")).text();
    expect(outbox).toContain(email);
  });

  it("saves security settings and refuses out-of-range values", async () => {
    const s = await pageSession("admin");
    const current = (await api("GET", "/settings")).body;
    const form = {
      operator_name: current.operator_name,
      primary_color: current.primary_color,
      accent_color: current.accent_color,
      default_currency: current.default_currency,
      default_locale: current.default_locale,
      default_timezone: current.default_timezone,
      notification_emails: current.notification_emails.join("\n"),
      session_idle_minutes: "1",
      session_absolute_hours: "12",
      remember_me_days: "30",
    };
    const bad = await s.post("/admin/settings", form);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("At least 5 minutes");
    expect((await s.post("/admin/settings", { ...form, session_idle_minutes: "90" })).status).toBe(303);
    expect((await api("GET", "/settings")).body.session_idle_minutes).toBe(90);
    await api("PATCH", "/settings", { body: { session_idle_minutes: current.session_idle_minutes } });
  });

  it("sends a portal invitation from the customer page", async () => {
    const s = await pageSession("support");
    const customer = await api("POST", "/customers", { body: { name: unique("Portal Page"), type: "business" } });
    const contact = await api("POST", `/customers/${customer.body.id}/contacts`, {
      body: { first_name: "Pia", email: `${unique("pia").replace(/\s/g, "").toLowerCase()}@example.net` },
    });
    const page = await (await s.get(`/admin/customers/${customer.body.id}`)).text();
    expect(page).toContain(`/admin/contacts/${contact.body.id}/portal-invite`);
    const res = await s.post(`/admin/contacts/${contact.body.id}/portal-invite`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/admin/customers/${customer.body.id}#contacts`);
    expect(await (await s.get(`/admin/customers/${customer.body.id}`)).text()).toContain("Portal invitation sent to pia");
  });

  it("accepts an invitation and resets a password through the public pages", async () => {
    const email = `${unique("pub").replace(/\s/g, "").toLowerCase()}@example.org`;
    await api("POST", "/users", { body: { email, name: "Pub", roles: ["rol_read_only"] } });
    const { db } = await import("./helpers");
    const { emailOutbox } = await import("../db/schema");
    const { eq } = await import("drizzle-orm");
    const rows = await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, email));
    const token = rows[0]?.textBody.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? "";
    const form = await fetchWorker(`${BASE}/admin/invitation?token=${token}`);
    expect(await form.text()).toContain("Choose the password");
    const weak = await fetchWorker(`${BASE}/admin/invitation`, {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, password: "short" }),
    });
    expect(weak.status).toBe(422);
    const ok = await fetchWorker(`${BASE}/admin/invitation`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, password: STRONG }),
    });
    expect(ok.headers.get("location")).toBe("/admin/login?welcome=1");
    expect((await fetchWorker(`${BASE}/admin/invitation?token=${token}`)).status).toBe(400);
    const forgot = await fetchWorker(`${BASE}/admin/forgot-password`, {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email }),
    });
    expect(await forgot.text()).toContain("Check your email");
    expect((await formLogin(email, STRONG)).status).toBe(303);
  });
});
