import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { getUserRow, listSessions } from "../../db/queries/auth";
import { login } from "../../domain/auth/login";
import { ALL_PERMISSIONS, PERMISSIONS } from "../../domain/auth/permissions";
import { acceptPortalInvitation } from "../../domain/auth/portal";
import { Login, SessionView } from "../../domain/auth/schemas";
import { revokeAllSessions, revokeOwnSession, revokeSession, rotateRefreshToken } from "../../domain/auth/sessions";
import { beginTotpSetup, disableTotp, enableTotp, regenerateBackupCodes } from "../../domain/auth/two-factor";
import { acceptInvitation, changePassword, confirmEmailChange, requestEmailChange, requestPasswordReset, resetPassword } from "../../domain/auth/users";
import { SYSTEM_ACTOR, type WriteContext } from "../../domain/context";
import { email } from "../../domain/validation";
import type { AppEnv } from "../../env";
import { BadRequest, Unauthorized } from "../../lib/errors";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../../lib/jwt";
import { writeContext } from "../../middleware/access";
import { forgetPrincipal } from "../../middleware/authenticate";
import { clientIp, kickOutbox, links, loginDeps, requestSettings } from "../support";
import { apiRoute, IdParam, jsonBody, jsonResponse, problems } from "./helpers";

const Tokens = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().meta({ description: "Seconds until the access token expires" }),
    refresh_token: z.string().meta({ description: "Single use: each refresh returns a new one; reusing an old one revokes the session" }),
  })
  .meta({ id: "Tokens" });

const Me = z
  .object({
    id: z.string(),
    type: z.enum(["user", "api_key", "customer"]),
    email: z.string(),
    name: z.string(),
    customer_id: z.string().nullable(),
    permissions: z.array(z.string()),
    two_factor_required: z.boolean().meta({ description: "The role requires 2FA and it is not set up yet" }),
  })
  .meta({ id: "Me" });

const Code = z.strictObject({ code: z.string().trim().min(1, { message: "Required" }).max(20) });
const BackupCodes = z.object({ backup_codes: z.array(z.string()) }).meta({ id: "BackupCodes" });
const TokenAndPassword = z.strictObject({ token: z.string().min(10).max(200), password: z.string().min(1).max(256) });

function system(c: Context<AppEnv>): WriteContext {
  return { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
}

/** The signed-in staff user behind a request (2FA and password routes are for people, not keys). */
async function currentUser(c: Context<AppEnv>) {
  const principal = c.get("principal");
  if (principal?.type !== "user") throw new BadRequest("Only staff users signed in with a password can do this.");
  const user = await getUserRow(c.get("db"), principal.id);
  if (!user) throw new Unauthorized();
  return user;
}

export const authApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/login",
      tags: ["Auth"],
      summary: "Sign in (staff and customer accounts)",
      description:
        "Returns an access token (15 minutes) and a refresh token. With 2FA enabled and no `otp`, answers 401 with `mfa_required: true`. Repeated failures are slowed down, then locked (429 with `Retry-After`).",
      request: { body: jsonBody(Login) },
      responses: { 200: jsonResponse(Tokens, "Tokens"), ...problems(400, 401, 415, 422, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { session, subject, customerId } = await login(system(c), await loginDeps(c), {
        email: body.email,
        password: body.password,
        otp: body.otp,
        kind: "api",
        remember: body.remember,
        ip: clientIp(c),
        userAgent: c.req.header("user-agent") ?? null,
      });
      const access = await signAccessToken(c.env.AUTH_SECRET, { sub: subject.id, sid: session.sessionId, cid: customerId });
      return c.json({ access_token: access, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: session.token }, 200);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/refresh",
      tags: ["Auth"],
      summary: "Exchange a refresh token for new tokens (rotation)",
      request: { body: jsonBody(z.strictObject({ refresh_token: z.string().min(1).max(200) })) },
      responses: { 200: jsonResponse(Tokens, "New tokens"), ...problems(400, 401, 415, 422) },
    }),
    async (c) => {
      const { token, session, customerId } = await rotateRefreshToken(system(c), c.req.valid("json").refresh_token, await requestSettings(c));
      const access = await signAccessToken(c.env.AUTH_SECRET, { sub: session.subjectId, sid: session.id, cid: customerId });
      return c.json({ access_token: access, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: token }, 200);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/auth/logout",
      tags: ["Auth"],
      summary: "Sign out (revokes the session and its refresh tokens)",
      responses: { 204: { description: "Signed out" }, ...problems(400, 401) },
    }),
    async (c) => {
      const principal = c.get("principal");
      if (!principal?.sessionId) throw new BadRequest("API keys have no session; revoke the key instead.");
      await revokeSession(writeContext(c), principal.sessionId);
      forgetPrincipal(`s:${principal.sessionId}`);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "get",
      path: "/me",
      tags: ["Auth"],
      summary: "The signed-in caller",
      responses: { 200: jsonResponse(Me, "Who you are and what you may do"), ...problems(401) },
    }),
    async (c) => {
      const p = c.get("principal");
      if (!p) throw new Unauthorized();
      return c.json(
        {
          id: p.id,
          type: p.type,
          email: p.email,
          name: p.name,
          customer_id: p.customerId,
          permissions: [...p.permissions].sort(),
          two_factor_required: p.mustEnrollTwoFactor,
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "get",
      path: "/permissions",
      tags: ["Auth"],
      summary: "The permission catalogue",
      responses: {
        200: jsonResponse(z.object({ data: z.array(z.object({ id: z.string(), description: z.string() })) }), "Every permission"),
        ...problems(401),
      },
    }),
    async (c) => c.json({ data: ALL_PERMISSIONS.map((id) => ({ id, description: PERMISSIONS[id] })) }, 200),
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/2fa/setup",
      tags: ["Two-factor"],
      summary: "Start TOTP setup",
      description: "Returns the secret and the otpauth:// URI for an authenticator app. 2FA is not required until enabled with a first code.",
      responses: { 200: jsonResponse(z.object({ secret: z.string(), otpauth_uri: z.string() }), "Secret and URI"), ...problems(400, 401, 409) },
    }),
    async (c) => {
      const settings = await requestSettings(c);
      return c.json(await beginTotpSetup(writeContext(c), await currentUser(c), c.env.ENCRYPTION_KEY, settings.operator_name), 200);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/2fa/enable",
      tags: ["Two-factor"],
      summary: "Enable TOTP with a first code",
      request: { body: jsonBody(Code) },
      responses: { 200: jsonResponse(BackupCodes, "Ten single-use backup codes, shown once"), ...problems(400, 401, 409, 422) },
    }),
    async (c) => {
      const codes = await enableTotp(writeContext(c), await currentUser(c), c.req.valid("json").code, c.env.ENCRYPTION_KEY, await requestSettings(c));
      kickOutbox(c);
      return c.json({ backup_codes: codes }, 200);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/2fa/disable",
      tags: ["Two-factor"],
      summary: "Disable TOTP (a current code or a backup code is required)",
      request: { body: jsonBody(Code) },
      responses: { 204: { description: "Disabled" }, ...problems(400, 401, 409, 422) },
    }),
    async (c) => {
      await disableTotp(writeContext(c), await currentUser(c), c.req.valid("json").code, c.env.ENCRYPTION_KEY, await requestSettings(c));
      kickOutbox(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/2fa/backup-codes",
      tags: ["Two-factor"],
      summary: "Regenerate backup codes (a current TOTP code is required)",
      request: { body: jsonBody(Code) },
      responses: { 200: jsonResponse(BackupCodes, "New codes; the old ones stop working"), ...problems(400, 401, 409, 422) },
    }),
    async (c) =>
      c.json({ backup_codes: await regenerateBackupCodes(writeContext(c), await currentUser(c), c.req.valid("json").code, c.env.ENCRYPTION_KEY) }, 200),
  )
  .openapi(
    apiRoute("authenticated", {
      method: "get",
      path: "/me/sessions",
      tags: ["Sessions"],
      summary: "My active sessions",
      responses: { 200: jsonResponse(z.object({ data: z.array(SessionView) }), "Sessions, most recently used first"), ...problems(401) },
    }),
    async (c) => {
      const p = c.get("principal");
      if (!p?.sessionId) return c.json({ data: [] }, 200);
      const rows = await listSessions(c.get("db"), p.id, new Date().toISOString());
      return c.json(
        {
          data: rows.map((s) => ({
            id: s.id,
            kind: s.kind,
            current: s.id === p.sessionId,
            remember: s.remember,
            ip: s.ip,
            user_agent: s.userAgent,
            created_at: s.createdAt,
            last_seen_at: s.lastSeenAt,
            expires_at: s.expiresAt,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "delete",
      path: "/me/sessions/{id}",
      tags: ["Sessions"],
      summary: "Sign out one of my sessions",
      request: { params: IdParam },
      responses: { 204: { description: "Revoked" }, ...problems(401, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      await revokeOwnSession(writeContext(c), c.get("principal")?.id ?? "", id);
      forgetPrincipal(`s:${id}`);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/sessions/revoke-all",
      tags: ["Sessions"],
      summary: "Sign out everywhere",
      request: {
        body: { required: false, content: { "application/json": { schema: z.strictObject({ keep_current: z.boolean().default(false) }) } } },
      },
      responses: { 204: { description: "Every other session (or every session) revoked" }, ...problems(400, 401) },
    }),
    async (c) => {
      const p = c.get("principal");
      if (!p?.sessionId) throw new BadRequest("API keys have no sessions.");
      const keep = c.req.valid("json").keep_current ? p.sessionId : null;
      await revokeAllSessions(writeContext(c), { type: p.type === "customer" ? "customer" : "user", id: p.id }, keep);
      if (!keep) forgetPrincipal(`s:${p.sessionId}`);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/password",
      tags: ["Account"],
      summary: "Change my password",
      description: "At least 12 characters, not a common password. Other sessions are signed out.",
      request: { body: jsonBody(z.strictObject({ current_password: z.string().min(1).max(1024), new_password: z.string().min(1).max(256) })) },
      responses: { 204: { description: "Changed" }, ...problems(400, 401, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await changePassword(
        writeContext(c),
        await currentUser(c),
        body.current_password,
        body.new_password,
        c.env.PASSWORD_PEPPER,
        c.get("principal")?.sessionId ?? null,
      );
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/me/email",
      tags: ["Account"],
      summary: "Change my email (verified before it takes effect)",
      request: { body: jsonBody(z.strictObject({ new_email: email, password: z.string().min(1).max(1024) })) },
      responses: { 202: { description: "A verification link was sent to the new address" }, ...problems(400, 401, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await requestEmailChange(writeContext(c), await currentUser(c), body.new_email, body.password, await links(c));
      kickOutbox(c);
      return c.body(null, 202);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/verify-email",
      tags: ["Account"],
      summary: "Confirm a new email address (link token)",
      request: { body: jsonBody(z.strictObject({ token: z.string().min(10).max(200) })) },
      responses: { 200: jsonResponse(z.object({ email: z.string() }), "The address now in use"), ...problems(400, 409, 422) },
    }),
    async (c) => c.json({ email: await confirmEmailChange(system(c), c.req.valid("json").token) }, 200),
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/password-reset",
      tags: ["Account"],
      summary: "Ask for a password reset link",
      description: "Always answers 202, whether or not the address belongs to an account.",
      request: { body: jsonBody(z.strictObject({ email: z.string().trim().min(1).max(254) })) },
      responses: { 202: { description: "If the account exists, a link valid 30 minutes was emailed" }, ...problems(400, 422, 429) },
    }),
    async (c) => {
      await requestPasswordReset(system(c), c.req.valid("json").email, await links(c));
      kickOutbox(c);
      return c.body(null, 202);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/password-reset/confirm",
      tags: ["Account"],
      summary: "Set a new password with a reset link token",
      request: { body: jsonBody(TokenAndPassword) },
      responses: { 204: { description: "Password changed; every session was signed out" }, ...problems(400, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await resetPassword(system(c), body.token, body.password, c.env.PASSWORD_PEPPER);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/invitations/accept",
      tags: ["Account"],
      summary: "Accept a staff invitation (choose a password)",
      request: { body: jsonBody(TokenAndPassword) },
      responses: { 204: { description: "Account active; sign in with the new password" }, ...problems(400, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await acceptInvitation(system(c), body.token, body.password, c.env.PASSWORD_PEPPER);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/portal-invitations/accept",
      tags: ["Account"],
      summary: "Accept a customer portal invitation (choose a password)",
      request: { body: jsonBody(TokenAndPassword) },
      responses: { 204: { description: "Portal account active" }, ...problems(400, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await acceptPortalInvitation(system(c), body.token, body.password, c.env.PASSWORD_PEPPER);
      return c.body(null, 204);
    },
  );
