import { type Context, Hono } from "hono";
import { renderSVG } from "uqr";
import { z } from "zod";
import { getRole, getUser, getUserRow, listApiKeys, listRoles, listSessions, listUsers } from "../../db/queries/auth";
import { getContact } from "../../db/queries/contacts";
import { listOutbox } from "../../db/queries/outbox";
import { createApiKey, regenerateApiKey, revokeApiKey } from "../../domain/auth/api-keys";
import { invitePortalContact } from "../../domain/auth/portal";
import { createRole, deleteRole, updateRole } from "../../domain/auth/roles";
import { ApiKeyCreate, RoleCreate, RolePatch, UserCreate, UserPatch } from "../../domain/auth/schemas";
import { revokeAllSessions, revokeOwnSession } from "../../domain/auth/sessions";
import {
  beginTotpSetup,
  disableTotp,
  enableTotp,
  regenerateBackupCodes,
  remainingBackupCodes,
  resetPortalTwoFactor,
  resetTotpByAdmin,
} from "../../domain/auth/two-factor";
import {
  changePassword,
  createUser,
  loadUser,
  requestEmailChange,
  resendInvitation,
  setUserEnabled,
  setUserLocale,
  signUserOutEverywhere,
  unlockUser,
  updateUser,
} from "../../domain/auth/users";
import { retryFailedEmail } from "../../domain/email/outbox";
import { loginGuard } from "../../durable/guard-client";
import type { AppEnv } from "../../env";
import { type MessageKey, negotiateLocale } from "../../i18n/catalogue";
import { t, withLocale } from "../../i18n/request-locale";
import { NotFound, Unauthorized } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";

import { AccountPage, ApiKeysPage, OutboxPage, RoleFormPage, RolesPage, TwoFactorPage, UserFormPage, UserPage, UsersPage } from "../../views/identity";
import { kickOutbox, links, requestSettings } from "../support";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, list, readForm, text, validate } from "./forms";

async function me(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal?.type !== "user") throw new Unauthorized();
  const user = await getUserRow(c.get("db"), principal.id);
  if (!user) throw new Unauthorized();
  return user;
}

async function accountPage(c: Context<AppEnv>, extra: { errors?: Record<string, string>; message?: string; notice?: string } = {}, status: 200 | 422 = 200) {
  const user = await me(c);
  const ctx = writeContext(c);
  const rows = await listSessions(ctx.db, user.id, ctx.now);
  return c.html(
    <AccountPage
      ctx={pageContext(c)}
      user={{
        email: user.email,
        name: user.name,
        locale: user.locale,
        twoFactor: Boolean(user.totpEnabledAt),
        backupCodesLeft: user.totpEnabledAt ? await remainingBackupCodes(ctx, user) : 0,
      }}
      sessions={rows}
      currentSession={c.get("principal")?.sessionId ?? null}
      {...extra}
    />,
    status,
  );
}

async function twoFactorPage(c: Context<AppEnv>, extra: Partial<Parameters<typeof TwoFactorPage>[0]> = {}, status: 200 | 422 = 200) {
  const user = await me(c);
  return c.html(
    <TwoFactorPage ctx={pageContext(c)} enabled={Boolean(user.totpEnabledAt)} required={Boolean(c.get("principal")?.mustEnrollTwoFactor)} {...extra} />,
    status,
  );
}

async function usersContext(c: Context<AppEnv>) {
  return { roles: await listRoles(c.get("db")) };
}

async function userPage(
  c: Context<AppEnv>,
  id: string,
  extra: { errors?: Record<string, string>; message?: string; notice?: string } = {},
  status: 200 | 409 | 422 = 200,
) {
  const user = await getUser(c.get("db"), id);
  if (!user) throw new NotFound("No user with this id.");
  const { roles } = await usersContext(c);
  return c.html(
    <UserPage
      ctx={pageContext(c)}
      user={user}
      roles={roles}
      errors={extra.errors ?? {}}
      message={extra.message}
      notice={extra.notice}
      isSelf={c.get("principal")?.id === id}
    />,
    status,
  );
}

async function apiKeysPage(c: Context<AppEnv>, extra: Partial<Parameters<typeof ApiKeysPage>[0]> = {}, status: 200 | 422 = 200) {
  return c.html(
    <ApiKeysPage
      ctx={pageContext(c)}
      keys={await listApiKeys(c.get("db"))}
      values={{ permissions: [] }}
      errors={{}}
      grantable={c.get("principal")?.permissions ?? new Set()}
      {...extra}
    />,
    status,
  );
}

const USER_ACTIONS = ["disable", "enable", "reset-2fa", "unlock", "resend-invitation", "sign-out-everywhere"] as const;
const NOTICES = {
  disable: "identity.notice.disabled",
  enable: "identity.notice.enabled",
  "reset-2fa": "identity.notice.reset_2fa",
  unlock: "identity.notice.unlocked",
  "resend-invitation": "identity.notice.invitation_sent",
  "sign-out-everywhere": "identity.notice.signed_out_everywhere",
} as const satisfies Record<(typeof USER_ACTIONS)[number], MessageKey>;

export const identityPages = new Hono<AppEnv>()
  // My account
  .get("/account", can("authenticated"), (c) => accountPage(c))
  .post("/account/password", can("authenticated"), async (c) => {
    const body = await readForm(c);
    const result = await attempt(async () =>
      changePassword(
        writeContext(c),
        await me(c),
        typeof body.current_password === "string" ? body.current_password : "",
        typeof body.new_password === "string" ? body.new_password : "",
        c.env.PASSWORD_PEPPER,
        c.get("principal")?.sessionId ?? null,
      ),
    );
    if (!result.ok) return accountPage(c, { errors: result.errors, message: result.message }, 422);
    return accountPage(c, { notice: t("identity.notice.password_changed") });
  })
  .post("/account/language", can("authenticated"), async (c) => {
    const user = await me(c);
    const choice = z.enum(["en", "fr", "browser"]).safeParse(text(await readForm(c), "locale"));
    if (!choice.success) return accountPage(c, { errors: { locale: t("admin.language_invalid") } }, 422);
    const locale = choice.data === "browser" ? null : choice.data;
    await setUserLocale(writeContext(c), user, locale);
    // This response is already in the new language.
    const principal = c.get("principal");
    if (principal) c.set("principal", { ...principal, locale });
    const language = locale ?? negotiateLocale(undefined, c.req.header("accept-language"));
    return withLocale(language, () => accountPage(c, { notice: t("admin.language_saved") }));
  })
  .post("/account/email", can("authenticated"), async (c) => {
    const body = await readForm(c);
    const parsed = validate(
      z.object({
        new_email: z
          .string()
          .trim()
          .toLowerCase()
          .pipe(z.email({ message: "Must be a valid email address" })),
      }),
      { new_email: text(body, "new_email") ?? "" },
    );
    if (!parsed.ok) return accountPage(c, { errors: parsed.errors }, 422);
    const result = await attempt(async () =>
      requestEmailChange(writeContext(c), await me(c), parsed.data.new_email, typeof body.password === "string" ? body.password : "", await links(c)),
    );
    if (!result.ok) return accountPage(c, { errors: result.errors, message: result.message }, 422);
    kickOutbox(c);
    return accountPage(c, { notice: t("identity.notice.email_link_sent", { email: parsed.data.new_email }) });
  })
  .post("/account/sessions/revoke-all", can("authenticated"), async (c) => {
    const p = c.get("principal");
    if (p?.sessionId) await revokeAllSessions(writeContext(c), { type: "user", id: p.id }, p.sessionId);
    return redirectWithNotice(c, "/admin/account", t("settings.identity.notice.other_sessions_out"));
  })
  .post("/account/sessions/:id/revoke", can("authenticated"), async (c) => {
    await revokeOwnSession(writeContext(c), c.get("principal")?.id ?? "", c.req.param("id"));
    return redirectWithNotice(c, "/admin/account", t("settings.identity.notice.session_out"));
  })
  .get("/account/2fa", can("authenticated"), (c) => twoFactorPage(c))
  .post("/account/2fa/setup", can("authenticated"), async (c) => {
    const settings = await requestSettings(c);
    const result = await attempt(async () => beginTotpSetup(writeContext(c), await me(c), c.env.ENCRYPTION_KEY, settings.operator_name));
    if (!result.ok) return twoFactorPage(c, { error: result.message }, 422);
    return twoFactorPage(c, { setup: { secret: result.data.secret, uri: result.data.otpauth_uri, qrSvg: renderSVG(result.data.otpauth_uri, { border: 2 }) } });
  })
  .post("/account/2fa/enable", can("authenticated"), async (c) => {
    const code = text(await readForm(c), "code") ?? "";
    const user = await me(c);
    const result = await attempt(async () => enableTotp(writeContext(c), user, code, c.env.ENCRYPTION_KEY, await requestSettings(c)));
    if (!result.ok) {
      // Show the same secret again so the user can retry with a fresh code.
      const { open } = await import("../../lib/secret-box");
      const secret = user.totpSecret ? await open(c.env.ENCRYPTION_KEY, user.totpSecret) : null;
      if (!secret) return twoFactorPage(c, { error: result.message }, 422);
      const { generateURI } = await import("otplib");
      const uri = generateURI({ issuer: (await requestSettings(c)).operator_name, label: user.email, secret });
      return twoFactorPage(c, { error: t("identity.error.bad_code"), setup: { secret, uri, qrSvg: renderSVG(uri, { border: 2 }) } }, 422);
    }
    kickOutbox(c);
    return twoFactorPage(c, { backupCodes: result.data, enabled: true, required: false });
  })
  .post("/account/2fa/disable", can("authenticated"), async (c) => {
    const code = text(await readForm(c), "code") ?? "";
    const result = await attempt(async () => disableTotp(writeContext(c), await me(c), code, c.env.ENCRYPTION_KEY, await requestSettings(c)));
    if (!result.ok) return twoFactorPage(c, { error: result.message }, 422);
    kickOutbox(c);
    return redirectWithNotice(c, "/admin/account", t("settings.identity.notice.two_factor_off"));
  })
  .post("/account/2fa/backup-codes", can("authenticated"), async (c) => {
    const code = text(await readForm(c), "code") ?? "";
    const result = await attempt(async () => regenerateBackupCodes(writeContext(c), await me(c), code, c.env.ENCRYPTION_KEY));
    if (!result.ok) return twoFactorPage(c, { error: result.message }, 422);
    return twoFactorPage(c, { backupCodes: result.data });
  })
  // Users
  .get("/users", can("users:manage"), async (c) =>
    c.html(<UsersPage ctx={pageContext(c)} users={await listUsers(c.get("db"))} roles={await listRoles(c.get("db"))} />),
  )
  .get("/users/new", can("users:manage"), async (c) =>
    c.html(<UserFormPage ctx={pageContext(c)} roles={(await usersContext(c)).roles} values={{ roles: [] }} errors={{}} />),
  )
  .post("/users/new", can("users:manage"), async (c) => {
    const body = await readForm(c);
    const values = { name: text(body, "name") ?? "", email: text(body, "email") ?? "", roles: list(body, "roles") };
    const { roles } = await usersContext(c);
    const parsed = validate(UserCreate, values);
    if (!parsed.ok) return c.html(<UserFormPage ctx={pageContext(c)} roles={roles} values={values} errors={parsed.errors} />, 422);
    const result = await attempt(async () => createUser(writeContext(c), parsed.data, await links(c)));
    if (!result.ok) return c.html(<UserFormPage ctx={pageContext(c)} roles={roles} values={values} errors={result.errors} message={result.message} />, 422);
    kickOutbox(c);
    return redirectWithNotice(
      c,
      `/admin/users/${result.data.id}`,
      t("settings.identity.notice.user_created", { name: result.data.name, email: result.data.email }),
    );
  })
  .get("/users/:id", can("users:manage"), (c) => userPage(c, c.req.param("id")))
  .post("/users/:id", can("users:manage"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const parsed = validate(UserPatch, { name: text(body, "name") ?? "", roles: list(body, "roles") });
    if (!parsed.ok) return userPage(c, id, { errors: parsed.errors }, 422);
    const result = await attempt(() => updateUser(writeContext(c), id, parsed.data));
    if (!result.ok) return userPage(c, id, { errors: result.errors, message: result.message }, 422);
    return userPage(c, id, { notice: t("identity.notice.saved") });
  })
  .post("/users/:id/action", can("users:manage"), async (c) => {
    const id = c.req.param("id");
    const action = z.enum(USER_ACTIONS).safeParse(text(await readForm(c), "action"));
    if (!action.success) return userPage(c, id, { message: t("identity.error.unknown_action") }, 422);
    const ctx = writeContext(c);
    const result = await attempt(async () => {
      const user = await loadUser(ctx, id);
      switch (action.data) {
        case "disable":
          return setUserEnabled(ctx, id, false);
        case "enable":
          return setUserEnabled(ctx, id, true);
        case "reset-2fa":
          return resetTotpByAdmin(ctx, user, await requestSettings(c));
        case "unlock":
          return unlockUser(ctx, id, loginGuard(c.env));
        case "resend-invitation":
          return resendInvitation(ctx, id, await links(c));
        case "sign-out-everywhere":
          return signUserOutEverywhere(ctx, id);
      }
    });
    if (!result.ok) return userPage(c, id, { message: result.message }, 409);
    kickOutbox(c);
    return userPage(c, id, { notice: t(NOTICES[action.data]) });
  })
  // Roles
  .get("/roles", can("roles:manage"), async (c) => c.html(<RolesPage ctx={pageContext(c)} roles={await listRoles(c.get("db"))} />))
  .get("/roles/new", can("roles:manage"), (c) =>
    c.html(
      <RoleFormPage
        ctx={pageContext(c)}
        existing={null}
        values={{ permissions: [], require_two_factor: false }}
        errors={{}}
        grantable={c.get("principal")?.permissions ?? new Set()}
      />,
    ),
  )
  .post("/roles/new", can("roles:manage"), async (c) => {
    const body = await readForm(c);
    const values = {
      name: text(body, "name") ?? "",
      description: text(body, "description"),
      permissions: list(body, "permissions"),
      require_two_factor: text(body, "require_two_factor") === "1",
    };
    const granter = c.get("principal")?.permissions ?? new Set();
    const render = (errors: Record<string, string>, message?: string) =>
      c.html(<RoleFormPage ctx={pageContext(c)} existing={null} values={values} errors={errors} message={message} grantable={granter} />, 422);
    const parsed = validate(RoleCreate, values);
    if (!parsed.ok) return render(parsed.errors);
    const result = await attempt(() => createRole(writeContext(c), parsed.data, granter));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(c, "/admin/roles", t("settings.identity.notice.role_created", { name: result.data.name }));
  })
  .get("/roles/:id", can("roles:manage"), async (c) => {
    const role = await getRole(c.get("db"), c.req.param("id"));
    if (!role) throw new NotFound("No role with this id.");
    return c.html(<RoleFormPage ctx={pageContext(c)} existing={role} values={role} errors={{}} grantable={c.get("principal")?.permissions ?? new Set()} />);
  })
  .post("/roles/:id", can("roles:manage"), async (c) => {
    const role = await getRole(c.get("db"), c.req.param("id"));
    if (!role) throw new NotFound("No role with this id.");
    const body = await readForm(c);
    const granter = c.get("principal")?.permissions ?? new Set();
    const values = role.built_in
      ? { require_two_factor: text(body, "require_two_factor") === "1" }
      : {
          description: text(body, "description", "null"),
          permissions: list(body, "permissions"),
          require_two_factor: text(body, "require_two_factor") === "1",
        };
    const shown = { ...role, ...values };
    const render = (errors: Record<string, string>, message?: string) =>
      c.html(<RoleFormPage ctx={pageContext(c)} existing={role} values={shown} errors={errors} message={message} grantable={granter} />, 422);
    const parsed = validate(RolePatch, values);
    if (!parsed.ok) return render(parsed.errors);
    const result = await attempt(() => updateRole(writeContext(c), role.id, parsed.data, granter));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(c, "/admin/roles", t("settings.identity.notice.role_saved", { name: role.name }));
  })
  .post("/roles/:id/delete", can("roles:manage"), async (c) => {
    const id = c.req.param("id");
    const name = (await getRole(c.get("db"), id))?.name ?? id;
    const result = await attempt(() => deleteRole(writeContext(c), id));
    if (!result.ok) {
      const role = await getRole(c.get("db"), id);
      if (!role) throw new NotFound("No role with this id.");
      return c.html(
        <RoleFormPage
          ctx={pageContext(c)}
          existing={role}
          values={role}
          errors={{}}
          message={result.message}
          grantable={c.get("principal")?.permissions ?? new Set()}
        />,
        409,
      );
    }
    return redirectWithNotice(c, "/admin/roles", t("settings.identity.notice.role_deleted", { name }));
  })
  // API keys
  .get("/api-keys", can("api_keys:manage"), (c) => apiKeysPage(c))
  .post("/api-keys", can("api_keys:manage"), async (c) => {
    const body = await readForm(c);
    const expires = text(body, "expires_at");
    const values = {
      name: text(body, "name") ?? "",
      description: text(body, "description"),
      permissions: list(body, "permissions"),
      expires_at: expires ? `${expires}T23:59:59Z` : null,
    };
    const parsed = validate(ApiKeyCreate, values);
    if (!parsed.ok) return apiKeysPage(c, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => createApiKey(writeContext(c), parsed.data, c.get("principal")?.permissions ?? new Set()));
    if (!result.ok) return apiKeysPage(c, { values, errors: result.errors, message: result.message }, 422);
    return apiKeysPage(c, { created: { name: result.data.name, secret: result.data.secret } });
  })
  .post("/api-keys/:id/revoke", can("api_keys:manage"), async (c) => {
    const result = await attempt(() => revokeApiKey(writeContext(c), c.req.param("id")));
    if (!result.ok) return apiKeysPage(c, { message: result.message }, 422);
    return redirectWithNotice(c, "/admin/api-keys", t("settings.identity.notice.api_key_revoked", { name: result.data.name }));
  })
  .post("/api-keys/:id/regenerate", can("api_keys:manage"), async (c) => {
    const result = await attempt(() => regenerateApiKey(writeContext(c), c.req.param("id")));
    if (!result.ok) return apiKeysPage(c, { message: result.message }, 422);
    return apiKeysPage(c, { created: { name: result.data.name, secret: result.data.secret } });
  })
  // Outbox
  .get("/outbox", can("outbox:read"), async (c) => {
    const status = z.enum(["pending", "sending", "sent", "failed"]).optional().catch(undefined).parse(c.req.query("status"));
    const cursor = z.string().max(500).optional().catch(undefined).parse(c.req.query("cursor"));
    const page = await listOutbox(c.get("db"), { status, cursor, limit: 50 });
    return c.html(
      <OutboxPage
        ctx={pageContext(c)}
        emails={page.data}
        status={status}
        nextCursor={page.next_cursor}
        hasCursor={Boolean(cursor)}
        canRetry={allowed(c, "outbox:retry")}
      />,
    );
  })
  .post("/outbox/:id/retry", can("outbox:retry"), async (c) => {
    // A retry of an email that is not failed (any more) is a no-op, not an error page.
    const result = await attempt(() => retryFailedEmail(writeContext(c), c.req.param("id")));
    if (result.ok) kickOutbox(c);
    return redirectWithNotice(
      c,
      "/admin/outbox",
      result.ok
        ? t("settings.identity.notice.email_requeued")
        : t("settings.identity.notice.email_not_retried", { reason: result.message ?? t("settings.identity.notice.email_cannot_retry") }),
    );
  })
  // Portal invitations from a customer's page
  .post("/contacts/:id/portal-invite", can("portal:invite"), async (c) => {
    const contact = await getContact(c.get("db"), c.req.param("id"));
    if (!contact) throw new NotFound("No contact with this id.");
    const result = await attempt(async () => invitePortalContact(writeContext(c), contact.id, await links(c)));
    kickOutbox(c);
    if (result.ok)
      return redirectWithNotice(
        c,
        `/admin/customers/${contact.customer_id}#contacts`,
        t("settings.identity.notice.portal_invited", { name: contact.email ?? contact.first_name }),
      );
    return c.redirect(
      `/admin/customers/${contact.customer_id}?portal=${encodeURIComponent(result.message ?? t("settings.identity.error.invitation_not_sent"))}#contacts`,
      303,
    );
  })
  // A portal customer who lost their authenticator: staff who may invite may remove it (they are told by email).
  .post("/contacts/:id/portal-2fa-reset", can("portal:invite"), async (c) => {
    const contact = await getContact(c.get("db"), c.req.param("id"));
    if (!contact) throw new NotFound("No contact with this id.");
    const back = `/admin/customers/${contact.customer_id}`;
    // Nothing to remove (no account, or no 2FA) is said in the page's language.
    const result = await attempt(async () => resetPortalTwoFactor(writeContext(c), contact.id, await requestSettings(c)));
    if (!result.ok) return c.redirect(`${back}?portal=${encodeURIComponent(t("settings.identity.error.no_portal_2fa"))}#contacts`, 303);
    kickOutbox(c);
    return redirectWithNotice(
      c,
      `${back}#contacts`,
      t("settings.identity.notice.portal_2fa_reset", { name: [contact.first_name, contact.last_name].filter(Boolean).join(" ") }),
    );
  });
