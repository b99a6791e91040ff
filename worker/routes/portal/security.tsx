/**
 * The portal's sign-in security: optional two-factor authentication (TOTP) for the signed-in account.
 * Turn on with a QR code and a first code (then ten backup codes, shown once), replace the backup
 * codes, turn off with a current code. The rules are the staff ones (domain/auth/two-factor.ts):
 * the secret sealed at rest, a code accepted once, every change in the activity log and told by email.
 * Also the code page of the sign-in's second step, which holds a signed proof of the password step.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { raw } from "hono/html";
import { renderSVG } from "uqr";
import { z } from "zod";
import { findCustomerAccountByEmail, getCustomerAccountRow } from "../../db/queries/auth";
import type { CustomerAccount } from "../../db/schema";
import { readPendingSignIn, SECOND_STEP_WINDOW_MS, signPendingSignIn } from "../../domain/auth/second-step";
import { beginTotpSetup, disableTotp, enableTotp, pendingTotpSecret, regenerateBackupCodes, remainingBackupCodes, totpUri } from "../../domain/auth/two-factor";
import type { AppEnv } from "../../env";
import { AppError, Invalid } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import { Alerts, CsrfField } from "../../views/components";
import { readForm, text } from "../admin/forms";
import { kickOutbox } from "../support";
import { type PortalCtx, PortalLayout, portalCtx } from "./shared";

const MFA_COOKIE = "__Host-obss_portal_mfa";

/** A TOTP code (6 digits) or a backup code (`xxxxx-xxxxx`), as typed. */
export const CodeForm = z.object({ code: z.string().trim().min(1).max(20) });

/** The code page of the sign-in's second step (a text field: backup codes have letters, which a numeric keypad lacks). */
export function CodePage(props: { p: PortalCtx; error?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("security.login_title")}>
      <section class="card narrow">
        <h1>{p.t("security.login_title")}</h1>
        <Alerts error={props.error} />
        <form method="post" action="/portal/login/2fa" class="stack">
          <CsrfField token={p.csrfToken} />
          <div class="field">
            <label for="f-code">{p.t("security.login_code")}</label>
            <input
              id="f-code"
              name="code"
              autocomplete="one-time-code"
              autocapitalize="off"
              spellcheck={false}
              required
              autofocus
              maxlength={20}
              aria-describedby="f-code-hint"
            />
            <span class="hint" id="f-code-hint">
              {p.t("security.login_hint")}
            </span>
          </div>
          <button type="submit" class="button primary">
            {p.t("security.verify")}
          </button>
        </form>
        <p>
          <a href="/portal/login">{p.t("security.start_again")}</a>
        </p>
      </section>
    </PortalLayout>
  );
}

/** After a right password for an account with 2FA: a signed proof of it in a cookie (never the password), and the code page. */
export async function askForCode(c: Context<AppEnv>, email: string, remember: boolean) {
  const p = portalCtx(c);
  const account = await findCustomerAccountByEmail(c.get("db"), email);
  if (!account) return c.html(<CodePage p={p} error={p.t("security.login_expired")} />, 401);
  setCookie(c, MFA_COOKIE, await signPendingSignIn(c.env.AUTH_SECRET, { type: "customer", id: account.id, remember }), {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    maxAge: SECOND_STEP_WINDOW_MS / 1000,
  });
  return c.html(<CodePage p={p} />);
}

/** The pending portal sign-in the code page continues, or null (missing, forged or too old). */
export const pendingSignIn = (c: Context<AppEnv>) => readPendingSignIn(c.env.AUTH_SECRET, "customer", getCookie(c, MFA_COOKIE));

export const forgetPendingSignIn = (c: Context<AppEnv>) => deleteCookie(c, MFA_COOKIE, { path: "/", secure: true });

type View = { setup?: { secret: string; qrSvg: string }; codes?: string[]; notice?: string; error?: string };

function CodeField(props: { id: string; label: string; backup?: boolean }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name="code"
        inputmode={props.backup ? undefined : "numeric"}
        autocomplete="one-time-code"
        required
        maxlength={props.backup ? 20 : 6}
      />
    </div>
  );
}

function SecurityPage(props: View & { p: PortalCtx; enabled: boolean; backupLeft: number }) {
  const { p } = props;
  const token = p.csrfToken;
  return (
    <PortalLayout p={p} title={p.t("security.title")}>
      <section class="card narrow" id="two-factor">
        <h1>{p.t("security.title")}</h1>
        <Alerts notice={props.notice} error={props.error} />
        {props.codes ? (
          <>
            <h2>{p.t("security.codes_title")}</h2>
            <p>{p.t("security.codes_intro")}</p>
            <ul class="backup-codes" aria-label={p.t("security.codes_title")}>
              {props.codes.map((code) => (
                <li>
                  <code>{code}</code>
                </li>
              ))}
            </ul>
            <a class="button primary" href="/portal/security">
              {p.t("security.codes_done")}
            </a>
          </>
        ) : props.setup ? (
          <>
            <h2>{p.t("security.setup_title")}</h2>
            <div class="qr" role="img" aria-label={p.t("security.qr_label")}>
              {raw(props.setup.qrSvg)}
            </div>
            <p>
              {p.t("security.manual_key")} <code class="secret break">{props.setup.secret}</code>
            </p>
            <form method="post" action="/portal/security/enable" class="stack">
              <CsrfField token={token} />
              <CodeField id="f-code" label={p.t("security.code_from_app")} />
              <button type="submit" class="button primary">
                {p.t("security.confirm")}
              </button>
            </form>
            <p>
              <a href="/portal/security">{p.t("security.cancel")}</a>
            </p>
          </>
        ) : props.enabled ? (
          <>
            <p>
              <span class="badge badge-active">{p.t("security.on")}</span> {p.t("security.status_on")}
            </p>
            <p>{p.t("security.backup_left", { count: props.backupLeft })}</p>
            <h2>{p.t("security.regenerate_title")}</h2>
            <form method="post" action="/portal/security/backup-codes" class="stack">
              <CsrfField token={token} />
              <p>{p.t("security.regenerate_intro")}</p>
              <CodeField id="f-code-new" label={p.t("security.app_code")} />
              <button type="submit" class="button">
                {p.t("security.regenerate")}
              </button>
            </form>
            <h2>{p.t("security.turn_off_title")}</h2>
            <form method="post" action="/portal/security/disable" class="stack">
              <CsrfField token={token} />
              <CodeField id="f-code-off" label={p.t("security.current_code")} backup />
              <button type="submit" class="button danger">
                {p.t("security.turn_off")}
              </button>
            </form>
          </>
        ) : (
          <>
            <p>
              <span class="badge">{p.t("security.off")}</span> {p.t("security.status_off")}
            </p>
            <p>{p.t("security.intro")}</p>
            <form method="post" action="/portal/security/setup" class="stack">
              <CsrfField token={token} />
              <button type="submit" class="button primary">
                {p.t("security.turn_on")}
              </button>
            </form>
          </>
        )}
      </section>
    </PortalLayout>
  );
}

/** The signed-in customer's own account row (its 2FA state), or null when signed out. */
async function signedInAccount(c: Context<AppEnv>): Promise<CustomerAccount | null> {
  const principal = c.get("principal");
  if (principal?.type !== "customer") return null;
  return (await getCustomerAccountRow(c.get("db"), principal.id)) ?? null;
}

/** The QR code and key of a setup: the otpauth:// link drawn as an SVG (uqr), as on the staff page. */
function setupView(p: PortalCtx, account: CustomerAccount, secret: string) {
  return { secret, qrSvg: renderSVG(totpUri(account, secret, p.settings.operator_name), { border: 2 }) };
}

async function securityPage(c: Context<AppEnv>, account: CustomerAccount, view: View = {}, status: 200 | 409 | 422 = 200) {
  const backupLeft = account.totpEnabledAt ? await remainingBackupCodes(writeContext(c), account) : 0;
  return c.html(<SecurityPage p={portalCtx(c)} enabled={Boolean(account.totpEnabledAt)} backupLeft={backupLeft} {...view} />, status);
}

/** The code a form sent; a missing or oversized one is refused like a wrong one. */
async function postedCode(c: Context<AppEnv>): Promise<string> {
  const parsed = CodeForm.safeParse({ code: text(await readForm(c), "code") ?? "" });
  if (!parsed.success) throw new Invalid("The code is not valid.", [{ path: "code", message: "Required" }]);
  return parsed.data.code;
}

/**
 * Runs a change for the signed-in account. A wrong code answers 422 (with the QR code again while a
 * setup waits for its first code); a state changed meanwhile (another tab) answers 409.
 */
async function change(c: Context<AppEnv>, run: (account: CustomerAccount, p: PortalCtx) => Promise<Response>): Promise<Response> {
  const account = await signedInAccount(c);
  if (!account) return c.redirect("/portal/login", 303);
  const p = portalCtx(c);
  try {
    return await run(account, p);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const fresh = (await signedInAccount(c)) ?? account;
    if (error.status === 409) return securityPage(c, fresh, { error: p.t("security.changed") }, 409);
    const secret = await pendingTotpSecret(fresh, c.env.ENCRYPTION_KEY);
    return securityPage(c, fresh, { error: p.t("security.bad_code"), ...(secret ? { setup: setupView(p, fresh, secret) } : {}) }, 422);
  }
}

export const portalSecurity = new Hono<AppEnv>()
  .get("/security", can("public"), async (c) => {
    const account = await signedInAccount(c);
    if (!account) return c.redirect("/portal/login", 303);
    const p = portalCtx(c);
    return securityPage(c, account, { notice: c.req.query("off") === "1" ? p.t("security.turned_off") : undefined });
  })
  .post("/security/setup", can("public"), (c) =>
    change(c, async (account, p) => {
      const { secret } = await beginTotpSetup(writeContext(c), account, c.env.ENCRYPTION_KEY, p.settings.operator_name);
      return securityPage(c, account, { setup: setupView(p, account, secret) });
    }),
  )
  .post("/security/enable", can("public"), (c) =>
    change(c, async (account, p) => {
      const codes = await enableTotp(writeContext(c), account, await postedCode(c), c.env.ENCRYPTION_KEY, p.settings);
      kickOutbox(c);
      return securityPage(c, account, { codes, notice: p.t("security.turned_on") });
    }),
  )
  .post("/security/backup-codes", can("public"), (c) =>
    change(c, async (account) =>
      securityPage(c, account, { codes: await regenerateBackupCodes(writeContext(c), account, await postedCode(c), c.env.ENCRYPTION_KEY) }),
    ),
  )
  .post("/security/disable", can("public"), (c) =>
    change(c, async (account, p) => {
      await disableTotp(writeContext(c), account, await postedCode(c), c.env.ENCRYPTION_KEY, p.settings);
      kickOutbox(c);
      return c.redirect("/portal/security?off=1", 303);
    }),
  );
