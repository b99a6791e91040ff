/** Optional two-factor authentication (TOTP) for portal accounts: the security page, the sign-in's second step, the API login, isolation. */

import { eq } from "drizzle-orm";
import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { activityLog, customerAccounts, customerBackupCodes, emailOutbox, sessions } from "../db/schema";
import { api, BASE, cookieOf, customerToken, db, fetchWorker, PASSWORD, pageSession, portalSession } from "./helpers";

const FORM = { "content-type": "application/x-www-form-urlencoded", origin: BASE };
const PENDING = "__Host-obss_portal_mfa";
const SESSION = "__Host-obss_portal";

/** A code of the app `steps` time steps (30 s) from now. */
const codeAt = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

/** A six-digit code that is none of the codes the server could accept around now. */
async function wrongCode(secret: string): Promise<string> {
  const near = new Set(await Promise.all([-2, -1, 0, 1, 2, 3].map((s) => codeAt(secret, s))));
  return ["000000", "111111", "222222"].find((c) => !near.has(c)) ?? "333333";
}

const passwordStep = (email: string, password = PASSWORD) =>
  fetchWorker(`${BASE}/portal/login`, { method: "POST", redirect: "manual", headers: FORM, body: new URLSearchParams({ email, password }) });

const codeStep = (pending: string, code: string) =>
  fetchWorker(`${BASE}/portal/login/2fa`, { method: "POST", redirect: "manual", headers: { ...FORM, cookie: pending }, body: new URLSearchParams({ code }) });

/** Password, then code: the portal session's get/post, or the failed answer. */
async function signInWithCode(email: string, code: string) {
  const first = await passwordStep(email);
  expect(first.status).toBe(200);
  const pending = cookieOf(first, PENDING);
  expect(pending).not.toBe("");
  const second = await codeStep(pending, code);
  return { second, session: second.status === 303 ? await browser(cookieOf(second, SESSION)) : null };
}

/** A signed-in browser: its cookie, CSRF token (read from the security page), get and post. */
async function browser(cookie: string) {
  expect(cookie).toMatch(/^__Host-obss_portal=/);
  const get = (path: string) => fetchWorker(`${BASE}${path}`, { headers: { cookie }, redirect: "manual" });
  const csrf = (await (await get("/portal/security")).text()).match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
  expect(csrf).not.toBe("");
  const post = (path: string, form: Record<string, string> = {}) =>
    fetchWorker(`${BASE}${path}`, { method: "POST", redirect: "manual", headers: { ...FORM, cookie }, body: new URLSearchParams({ _csrf: csrf, ...form }) });
  return { cookie, get, post };
}

type Browser = Awaited<ReturnType<typeof browser>>;

/** Turns 2FA on from the security page: the secret shown there, and the ten backup codes shown once. */
async function turnOn(s: Browser): Promise<{ secret: string; codes: string[] }> {
  const setup = await s.post("/portal/security/setup");
  expect(setup.status).toBe(200);
  const html = await setup.text();
  expect(html).toContain("<svg");
  const secret = html.match(/<code class="secret break">([A-Z2-7]+)<\/code>/)?.[1] ?? "";
  expect(secret.length).toBeGreaterThanOrEqual(16);
  const enabled = await s.post("/portal/security/enable", { code: await codeAt(secret) });
  expect(enabled.status).toBe(200);
  const codes = [...(await enabled.text()).matchAll(/<li><code>([a-z0-9-]{11})<\/code><\/li>/g)].map((m) => m[1] ?? "");
  expect(codes).toHaveLength(10);
  return { secret, codes };
}

const apiLogin = (email: string, otp?: string) =>
  fetchWorker(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD, ...(otp === undefined ? {} : { otp }) }),
  });

const accountOf = (email: string) => db().select().from(customerAccounts).where(eq(customerAccounts.email, email)).get();

describe("portal two-factor authentication", () => {
  it("turns on with the QR code's secret, then asks for the code at sign-in: wrong and replayed codes refused, a backup code once, off with a code", async () => {
    const me = await customerToken();
    const s = await browser((await portalSession(me.email)).cookie);
    const off = await (await s.get("/portal/security")).text();
    expect(off).toContain("Two-factor authentication is off");
    expect(off).toContain('href="/portal/security"');

    // Setup: the secret is sealed at rest; a wrong first code shows the same QR code again.
    const setup = await (await s.post("/portal/security/setup")).text();
    const secret = setup.match(/<code class="secret break">([A-Z2-7]+)<\/code>/)?.[1] ?? "";
    expect(setup).toContain("<svg");
    const stored = await accountOf(me.email);
    expect(stored?.totpSecret).toMatch(/^v1\./);
    expect(stored?.totpSecret).not.toContain(secret);
    expect(stored?.totpEnabledAt).toBeNull();
    const wrongFirst = await s.post("/portal/security/enable", { code: await wrongCode(secret) });
    expect(wrongFirst.status).toBe(422);
    const again = await wrongFirst.text();
    expect(again).toContain("This code is not valid.");
    expect(again).toContain(secret);
    const first = await codeAt(secret);
    const enabled = await s.post("/portal/security/enable", { code: first });
    expect(enabled.status).toBe(200);
    const codes = [...(await enabled.text()).matchAll(/<li><code>([a-z0-9-]{11})<\/code><\/li>/g)].map((m) => m[1] ?? "");
    expect(codes).toHaveLength(10);
    const on = await (await s.get("/portal/security")).text();
    expect(on).toContain("Two-factor authentication is on");
    expect(on).toContain("Unused backup codes: 10");

    // In the customer's activity, and told by email.
    const account = await accountOf(me.email);
    const activity = (await api("GET", `/customers/${me.customerId}/activity`)).body.data as { action: string; entity: string; entity_id: string }[];
    expect(activity.filter((a) => a.action === "auth.2fa_enabled")).toEqual([expect.objectContaining({ entity: "customer_account", entity_id: account?.id })]);
    const emails = await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, me.email));
    const told = emails.find((e) => e.template === "two_factor_changed");
    expect(told?.subject).toContain("Two-factor authentication enabled");
    expect(told?.textBody).toContain("Hello Pat,");
    expect(told?.textBody).toContain("contact us at once");

    // Sign out; the password alone now leads to the code page (no session, and never the password in the page).
    expect((await s.post("/portal/logout")).status).toBe(303);
    const step1 = await passwordStep(me.email);
    expect(step1.status).toBe(200);
    const codePage = await step1.text();
    expect(codePage).toContain("Enter your code");
    expect(codePage).not.toContain(PASSWORD);
    expect(cookieOf(step1, SESSION)).toBe("");
    const pending = cookieOf(step1, PENDING);
    expect(pending).not.toBe("");

    const wrong = await codeStep(pending, await wrongCode(secret));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("The code is not valid.");
    expect(cookieOf(wrong, SESSION)).toBe("");
    // The code that turned 2FA on was spent then.
    expect((await codeStep(pending, first)).status).toBe(401);
    const next = await codeAt(secret, 1);
    const inside = await codeStep(pending, next);
    expect(inside.status).toBe(303);
    expect(inside.headers.get("location")).toBe("/portal");
    const signedIn = await browser(cookieOf(inside, SESSION));
    expect((await signedIn.get("/portal")).status).toBe(200);
    // The same code again, on a fresh password step: refused.
    expect((await signInWithCode(me.email, next)).second.status).toBe(401);

    // A backup code works once (whatever the case and dashes).
    const backup = codes[0] ?? "";
    const withBackup = await signInWithCode(me.email, backup.toUpperCase());
    expect(withBackup.second.status).toBe(303);
    expect((await signInWithCode(me.email, backup)).second.status).toBe(401);
    expect(await (await signedIn.get("/portal/security")).text()).toContain("Unused backup codes: 9");

    // Turning off needs a valid code.
    const noCode = await signedIn.post("/portal/security/disable", { code: await wrongCode(secret) });
    expect(noCode.status).toBe(422);
    expect((await accountOf(me.email))?.totpEnabledAt).not.toBeNull();
    const turnedOff = await signedIn.post("/portal/security/disable", { code: codes[1] ?? "" });
    expect(turnedOff.status).toBe(303);
    expect(turnedOff.headers.get("location")).toBe("/portal/security?off=1");
    expect(await (await signedIn.get("/portal/security?off=1")).text()).toContain("Two-factor authentication was turned off.");
    const cleared = await accountOf(me.email);
    expect(cleared).toMatchObject({ totpSecret: null, totpEnabledAt: null });
    const actions = ((await api("GET", `/customers/${me.customerId}/activity`)).body.data as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["auth.2fa_enabled", "auth.backup_code_used", "auth.2fa_disabled"]));
    // The password alone signs in again.
    expect((await passwordStep(me.email)).status).toBe(303);
  });

  it("counts wrong codes towards the lockout, refuses forged or missing proofs, and speaks French", async () => {
    const me = await customerToken();
    const s = await browser((await portalSession(me.email)).cookie);
    const { secret } = await turnOn(s);

    const fr = await fetchWorker(`${BASE}/portal/login`, {
      method: "POST",
      headers: { ...FORM, "accept-language": "fr-FR" },
      body: new URLSearchParams({ email: me.email, password: PASSWORD }),
    });
    expect(await fr.text()).toContain("Saisissez votre code");
    const pending = cookieOf(fr, PENDING);

    // No proof, a forged one, one for another account id: back to the password.
    expect((await codeStep("", await codeAt(secret, 1))).status).toBe(401);
    const account = await accountOf(me.email);
    const [, expiry, remember, mac] = pending.split("=")[1]?.split(".") ?? [];
    expect((await codeStep(`${PENDING}=${account?.id}.${expiry}.${remember}.${mac}x`, await codeAt(secret, 1))).status).toBe(401);
    expect((await codeStep(`${PENDING}=cac_other.${expiry}.${remember}.${mac}`, await codeAt(secret, 1))).status).toBe(401);
    expect((await codeStep(`${PENDING}=${account?.id}.9999999999999.0.abc`, await codeAt(secret, 1))).status).toBe(401);
    // The staff admin's second step does not take a portal proof.
    const admin = await fetchWorker(`${BASE}/admin/login/2fa`, {
      method: "POST",
      headers: { ...FORM, cookie: pending.replace(PENDING, "__Host-obss_mfa") },
      body: new URLSearchParams({ code: await codeAt(secret, 1) }),
    });
    expect(admin.status).toBe(401);
    expect(cookieOf(admin, "__Host-obss_session")).toBe("");

    // Bad input: 4xx, never 500.
    expect((await codeStep(pending, "")).status).toBe(422);
    expect((await codeStep(pending, "9".repeat(5000))).status).toBe(422);
    expect((await codeStep(`${PENDING}=a.b.c.d.e.f`, "123456")).status).toBe(401);

    // Wrong codes count like wrong passwords: after the free attempts, even the right code must wait.
    const answers: Response[] = [];
    for (const code of Array(4).fill(await wrongCode(secret))) answers.push(await codeStep(pending, code));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429]);
    expect(Number(answers[3]?.headers.get("retry-after"))).toBeGreaterThan(0);
    const locked = await codeStep(pending, await codeAt(secret, 1));
    expect(locked.status).toBe(429);
    expect(cookieOf(locked, SESSION)).toBe("");
  });

  it("asks the API login of a customer with 2FA for its `otp`, like staff", async () => {
    const me = await customerToken();
    const s = await browser((await portalSession(me.email)).cookie);
    const { secret, codes } = await turnOn(s);

    const none = await apiLogin(me.email);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { mfa_required?: boolean }).mfa_required).toBe(true);
    const wrong = await apiLogin(me.email, await wrongCode(secret));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { mfa_required?: boolean }).mfa_required).toBe(true);
    expect((await apiLogin(me.email, "x".repeat(21))).status).toBe(422);
    const good = await apiLogin(me.email, await codeAt(secret, 1));
    expect(good.status).toBe(200);
    const token = ((await good.json()) as { access_token: string }).access_token;
    expect((await api("GET", "/me", { role: null, headers: { authorization: `Bearer ${token}` } })).body.customer_id).toBe(me.customerId);
    expect((await apiLogin(me.email, codes[2])).status).toBe(200);
    expect((await apiLogin(me.email, codes[2])).status).toBe(401);
  });

  it("lets staff who may invite remove a customer's 2FA (a lost phone): signed out everywhere, told by email, recorded, the password alone signs in again", async () => {
    const me = await customerToken();
    const s = await browser((await portalSession(me.email)).cookie);
    await turnOn(s);
    const account = await accountOf(me.email);
    const reset = `/admin/contacts/${me.contactId}/portal-2fa-reset`;
    // Read-only staff see no button and are refused; nothing changes.
    const readonly = await pageSession("read-only");
    expect(await (await readonly.get(`/admin/customers/${me.customerId}`)).text()).not.toContain(reset);
    expect((await readonly.post(reset, {})).status).toBe(403);
    expect((await accountOf(me.email))?.totpEnabledAt).not.toBeNull();

    const told = async () =>
      (await db().select().from(emailOutbox).where(eq(emailOutbox.toEmail, me.email)).all()).filter((m) => m.template === "two_factor_changed").length;
    const toldBefore = await told();
    const support = await pageSession("support");
    const page = await (await support.get(`/admin/customers/${me.customerId}`)).text();
    expect(page).toContain(`action="${reset}"`);
    expect(page).toContain("hx-confirm=");
    const done = await support.post(reset, {});
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/admin/customers/${me.customerId}#contacts`);
    expect(await (await support.get(`/admin/customers/${me.customerId}`)).text()).toContain("Two-factor authentication removed");
    expect(await accountOf(me.email)).toMatchObject({ totpSecret: null, totpEnabledAt: null });
    expect(
      await db()
        .select()
        .from(customerBackupCodes)
        .where(eq(customerBackupCodes.accountId, account?.id ?? ""))
        .all(),
    ).toEqual([]);
    expect(await told()).toBe(toldBefore + 1);
    // Whoever holds the lost phone may hold a session too: every session of the account is revoked.
    expect((await s.get("/portal")).status).toBe(303);
    const live = async () =>
      (
        await db()
          .select()
          .from(sessions)
          .where(eq(sessions.subjectId, account?.id ?? ""))
          .all()
      ).filter((row) => row.revokedAt === null);
    expect(await live()).toEqual([]);
    const actions = (
      await db()
        .select()
        .from(activityLog)
        .where(eq(activityLog.entityId, account?.id ?? ""))
        .all()
    ).map((a) => a.action);
    expect(actions).toContain("customer_account.2fa_reset");
    expect((await passwordStep(me.email)).status).toBe(303);
    // Nothing left to remove, or no such contact: said plainly, never a 500.
    const again = await support.post(reset, {});
    expect(again.status).toBe(303);
    expect(decodeURIComponent(again.headers.get("location") ?? "")).toContain("no two-factor authentication to remove");
    expect((await support.post("/admin/contacts/con_missing/portal-2fa-reset", {})).status).toBe(404);
    // The API: the same action for integrators, with the same rules.
    const s2 = await browser((await portalSession(me.email)).cookie);
    await turnOn(s2);
    expect((await api("POST", `/contacts/${me.contactId}/portal-2fa-reset`, { role: "read-only" })).status).toBe(403);
    expect((await accountOf(me.email))?.totpEnabledAt).not.toBeNull();
    expect((await api("POST", `/contacts/${me.contactId}/portal-2fa-reset`, { role: "support" })).status).toBe(204);
    expect(await accountOf(me.email)).toMatchObject({ totpSecret: null, totpEnabledAt: null });
    expect(await live()).toEqual([]);
    const twice = await api("POST", `/contacts/${me.contactId}/portal-2fa-reset`, { role: "support" });
    expect(twice.status).toBe(409);
    expect(twice.headers.get("content-type")).toContain("application/problem+json");
    expect((await api("POST", "/contacts/con_missing/portal-2fa-reset")).status).toBe(404);
    expect(await told()).toBe(toldBefore + 3);
  });

  it("replaces the backup codes with a current code; the old ones stop working", async () => {
    const me = await customerToken();
    const s = await browser((await portalSession(me.email)).cookie);
    const { secret, codes: old } = await turnOn(s);
    expect((await s.post("/portal/security/backup-codes", { code: old[0] ?? "" })).status).toBe(422);
    const replaced = await s.post("/portal/security/backup-codes", { code: await codeAt(secret, 1) });
    expect(replaced.status).toBe(200);
    const fresh = [...(await replaced.text()).matchAll(/<li><code>([a-z0-9-]{11})<\/code><\/li>/g)].map((m) => m[1] ?? "");
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(old[1]);
    expect((await apiLogin(me.email, old[1])).status).toBe(401);
    expect((await apiLogin(me.email, fresh[0])).status).toBe(200);
  });

  it("keeps each customer's 2FA to itself, and answers bad requests with 4xx", async () => {
    const a = await customerToken();
    const b = await customerToken();
    const sa = await browser((await portalSession(a.email)).cookie);
    const sb = await browser((await portalSession(b.email)).cookie);
    const { secret, codes } = await turnOn(sa);

    // B is untouched: its page says off, the password alone signs it in, A's codes open nothing of B's.
    expect(await (await sb.get("/portal/security")).text()).toContain("Two-factor authentication is off");
    expect((await passwordStep(b.email)).status).toBe(303);
    expect((await accountOf(b.email))?.totpSecret).toBeNull();
    const { codes: bCodes } = await turnOn(sb);
    expect((await apiLogin(b.email, codes[0])).status).toBe(401);
    expect((await apiLogin(a.email, bCodes[0])).status).toBe(401);
    // B turning off leaves A on.
    expect((await sb.post("/portal/security/disable", { code: bCodes[1] ?? "" })).status).toBe(303);
    expect((await accountOf(a.email))?.totpEnabledAt).not.toBeNull();
    expect((await apiLogin(a.email)).status).toBe(401);

    // State conflicts and bad input: 4xx, never 500; nothing changes.
    expect((await sa.post("/portal/security/setup")).status).toBe(409);
    expect((await sb.post("/portal/security/disable", { code: "123456" })).status).toBe(409);
    expect((await sb.post("/portal/security/backup-codes", { code: "123456" })).status).toBe(409);
    expect((await sb.post("/portal/security/enable", { code: "123456" })).status).toBe(409);
    expect((await sa.post("/portal/security/disable", {})).status).toBe(422);
    expect((await sa.post("/portal/security/disable", { code: "9".repeat(5000) })).status).toBe(422);
    expect((await sa.post("/portal/security/disable", { code: "\ud800" })).status).toBeLessThan(500);
    const noCsrf = await fetchWorker(`${BASE}/portal/security/disable`, {
      method: "POST",
      headers: { ...FORM, cookie: sa.cookie },
      body: new URLSearchParams({ code: codes[3] ?? "" }),
    });
    expect(noCsrf.status).toBe(403);
    const crossSite = await fetchWorker(`${BASE}/portal/security/setup`, {
      method: "POST",
      headers: { ...FORM, origin: "https://evil.example", cookie: sb.cookie },
    });
    expect(crossSite.status).toBe(403);
    expect((await accountOf(a.email))?.totpEnabledAt).not.toBeNull();
    expect((await accountOf(b.email))?.totpSecret).toBeNull();
    // Signed out: to the sign-in page.
    const anonymous = await fetchWorker(`${BASE}/portal/security`, { redirect: "manual" });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/portal/login");
    expect((await fetchWorker(`${BASE}/portal/security/setup`, { method: "POST", redirect: "manual", headers: FORM })).status).toBe(303);
    expect(secret).not.toBe("");
  });
});
