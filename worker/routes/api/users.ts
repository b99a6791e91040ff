import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getApiKey, getRole, getUser, listApiKeys, listRoles, listUsers } from "../../db/queries/auth";
import { listOutbox } from "../../db/queries/outbox";
import { createApiKey, regenerateApiKey, revokeApiKey } from "../../domain/auth/api-keys";
import { invitePortalContact } from "../../domain/auth/portal";
import { createRole, deleteRole, updateRole } from "../../domain/auth/roles";
import { ApiKey, ApiKeyCreate, ApiKeyWithSecret, Role, RoleCreate, RolePatch, User, UserCreate, UserPatch } from "../../domain/auth/schemas";
import { resetPortalTwoFactor, resetTotpByAdmin } from "../../domain/auth/two-factor";
import { createUser, loadUser, resendInvitation, setUserEnabled, signUserOutEverywhere, unlockUser, updateUser } from "../../domain/auth/users";
import { retryFailedEmail } from "../../domain/email/outbox";
import { cursorParam, pageLimit } from "../../domain/validation";
import { loginGuard } from "../../durable/guard-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { forgetPrincipal } from "../../middleware/authenticate";
import { kickOutbox, links, requestSettings } from "../support";
import { apiRoute, IdParam, jsonBody, jsonResponse, pageOf, problems } from "./helpers";

const UserAction = (action: string, summary: string, description: string) =>
  apiRoute("users:manage", {
    method: "post",
    path: `/users/{id}/${action}`,
    tags: ["Users"],
    summary,
    description,
    request: { params: IdParam },
    responses: { 200: jsonResponse(User, "The user"), ...problems(401, 403, 404, 409) },
  });

const OutboxEmail = z
  .object({
    id: z.string(),
    template: z.string(),
    to_email: z.string(),
    subject: z.string(),
    status: z.enum(["pending", "sending", "sent", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string(),
    last_error: z.string().nullable(),
    provider_message_id: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .meta({ id: "OutboxEmail" });

export const usersApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("users:manage", {
      method: "get",
      path: "/users",
      tags: ["Users"],
      summary: "List staff users",
      responses: { 200: jsonResponse(z.object({ data: z.array(User) }), "Users"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listUsers(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("users:manage", {
      method: "post",
      path: "/users",
      tags: ["Users"],
      summary: "Create or invite a staff user",
      description: "Without `password` the user is created `invited` and receives a single-use invitation link (72 hours).",
      request: { body: jsonBody(UserCreate) },
      responses: { 201: jsonResponse(User, "The user"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => {
      const user = await createUser(writeContext(c), c.req.valid("json"), await links(c));
      kickOutbox(c);
      return c.json(user, 201);
    },
  )
  .openapi(
    apiRoute("users:manage", {
      method: "get",
      path: "/users/{id}",
      tags: ["Users"],
      summary: "Get a staff user",
      request: { params: IdParam },
      responses: { 200: jsonResponse(User, "The user"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const user = await getUser(c.get("db"), c.req.valid("param").id);
      if (!user) throw new NotFound("No user with this id.");
      return c.json(user, 200);
    },
  )
  .openapi(
    apiRoute("users:manage", {
      method: "patch",
      path: "/users/{id}",
      tags: ["Users"],
      summary: "Change a user's name or roles",
      request: { params: IdParam, body: jsonBody(UserPatch) },
      responses: { 200: jsonResponse(User, "The user"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateUser(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(UserAction("disable", "Disable a user", "Signs the user out everywhere at once."), async (c) =>
    c.json(await setUserEnabled(writeContext(c), c.req.valid("param").id, false), 200),
  )
  .openapi(UserAction("enable", "Re-enable a disabled user", "The user signs in again with their password."), async (c) =>
    c.json(await setUserEnabled(writeContext(c), c.req.valid("param").id, true), 200),
  )
  .openapi(UserAction("reset-2fa", "Reset a user's two-factor authentication", "For a lost device. The user is told by email."), async (c) => {
    const ctx = writeContext(c);
    const user = await loadUser(ctx, c.req.valid("param").id);
    await resetTotpByAdmin(ctx, user, await requestSettings(c));
    kickOutbox(c);
    return c.json((await getUser(ctx.db, user.id)) as z.infer<typeof User>, 200);
  })
  .openapi(UserAction("unlock", "Unlock a user's sign-in", "Clears the brute-force counter of the account."), async (c) => {
    const ctx = writeContext(c);
    await unlockUser(ctx, c.req.valid("param").id, loginGuard(c.env));
    return c.json((await getUser(ctx.db, c.req.valid("param").id)) as z.infer<typeof User>, 200);
  })
  .openapi(UserAction("resend-invitation", "Send a new invitation email", "The previous link stops working."), async (c) => {
    const ctx = writeContext(c);
    await resendInvitation(ctx, c.req.valid("param").id, await links(c));
    kickOutbox(c);
    return c.json((await getUser(ctx.db, c.req.valid("param").id)) as z.infer<typeof User>, 200);
  })
  .openapi(UserAction("sign-out-everywhere", "Sign a user out of every session", "For a lost laptop or a departure."), async (c) => {
    const ctx = writeContext(c);
    await signUserOutEverywhere(ctx, c.req.valid("param").id);
    return c.json((await getUser(ctx.db, c.req.valid("param").id)) as z.infer<typeof User>, 200);
  })
  // Roles
  .openapi(
    apiRoute("roles:manage", {
      method: "get",
      path: "/roles",
      tags: ["Roles"],
      summary: "List roles",
      responses: { 200: jsonResponse(z.object({ data: z.array(Role) }), "Roles"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listRoles(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("roles:manage", {
      method: "post",
      path: "/roles",
      tags: ["Roles"],
      summary: "Create a custom role",
      description: "A role can only grant permissions its creator holds.",
      request: { body: jsonBody(RoleCreate) },
      responses: { 201: jsonResponse(Role, "The role"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createRole(writeContext(c), c.req.valid("json"), c.get("principal")?.permissions ?? new Set()), 201),
  )
  .openapi(
    apiRoute("roles:manage", {
      method: "get",
      path: "/roles/{id}",
      tags: ["Roles"],
      summary: "Get a role",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Role, "The role"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const role = await getRole(c.get("db"), c.req.valid("param").id);
      if (!role) throw new NotFound("No role with this id.");
      return c.json(role, 200);
    },
  )
  .openapi(
    apiRoute("roles:manage", {
      method: "patch",
      path: "/roles/{id}",
      tags: ["Roles"],
      summary: "Change a role",
      request: { params: IdParam, body: jsonBody(RolePatch) },
      responses: { 200: jsonResponse(Role, "The role"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateRole(writeContext(c), c.req.valid("param").id, c.req.valid("json"), c.get("principal")?.permissions ?? new Set()), 200),
  )
  .openapi(
    apiRoute("roles:manage", {
      method: "delete",
      path: "/roles/{id}",
      tags: ["Roles"],
      summary: "Delete a custom role nobody holds",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await deleteRole(writeContext(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  // API keys
  .openapi(
    apiRoute("api_keys:manage", {
      method: "get",
      path: "/api-keys",
      tags: ["API keys"],
      summary: "List API keys",
      responses: { 200: jsonResponse(z.object({ data: z.array(ApiKey) }), "Keys (never their secrets)"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listApiKeys(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("api_keys:manage", {
      method: "post",
      path: "/api-keys",
      tags: ["API keys"],
      summary: "Create an API key",
      description: "Permissions must be a subset of yours. The secret (`ocrm_<prefix>_<secret>`) is returned once; only a hash is kept.",
      request: { body: jsonBody(ApiKeyCreate) },
      responses: { 201: jsonResponse(ApiKeyWithSecret, "The key with its secret"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => c.json(await createApiKey(writeContext(c), c.req.valid("json"), c.get("principal")?.permissions ?? new Set()), 201),
  )
  .openapi(
    apiRoute("api_keys:manage", {
      method: "get",
      path: "/api-keys/{id}",
      tags: ["API keys"],
      summary: "Get an API key",
      request: { params: IdParam },
      responses: { 200: jsonResponse(ApiKey, "The key"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const key = await getApiKey(c.get("db"), c.req.valid("param").id);
      if (!key) throw new NotFound("No API key with this id.");
      return c.json(key, 200);
    },
  )
  .openapi(
    apiRoute("api_keys:manage", {
      method: "post",
      path: "/api-keys/{id}/revoke",
      tags: ["API keys"],
      summary: "Revoke an API key",
      request: { params: IdParam },
      responses: { 200: jsonResponse(ApiKey, "The revoked key"), ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const key = await revokeApiKey(writeContext(c), c.req.valid("param").id);
      forgetPrincipal(`k:${key.prefix}`);
      return c.json(key, 200);
    },
  )
  .openapi(
    apiRoute("api_keys:manage", {
      method: "post",
      path: "/api-keys/{id}/regenerate",
      tags: ["API keys"],
      summary: "Issue a new secret for an API key",
      request: { params: IdParam },
      responses: { 200: jsonResponse(ApiKeyWithSecret, "The key with its new secret"), ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const before = await getApiKey(c.get("db"), c.req.valid("param").id);
      const key = await regenerateApiKey(writeContext(c), c.req.valid("param").id);
      if (before) forgetPrincipal(`k:${before.prefix}`);
      return c.json(key, 200);
    },
  )
  // Outbox
  .openapi(
    apiRoute("outbox:read", {
      method: "get",
      path: "/outbox",
      tags: ["Email"],
      summary: "The email outbox",
      request: { query: z.object({ status: z.enum(["pending", "sending", "sent", "failed"]).optional(), limit: pageLimit, cursor: cursorParam }) },
      responses: { 200: jsonResponse(pageOf(OutboxEmail), "Emails, newest first"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await listOutbox(c.get("db"), q);
      return c.json(
        {
          data: page.data.map((e) => ({
            id: e.id,
            template: e.template,
            to_email: e.toEmail,
            subject: e.subject,
            status: e.status,
            attempts: e.attempts,
            next_attempt_at: e.nextAttemptAt,
            last_error: e.lastError,
            provider_message_id: e.providerMessageId,
            created_at: e.createdAt,
            sent_at: e.sentAt,
          })),
          next_cursor: page.next_cursor,
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("outbox:retry", {
      method: "post",
      path: "/outbox/{id}/retry",
      tags: ["Email"],
      summary: "Send a failed email again",
      request: { params: IdParam },
      responses: { 202: { description: "Queued" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await retryFailedEmail(writeContext(c), c.req.valid("param").id);
      kickOutbox(c);
      return c.body(null, 202);
    },
  )
  // Portal invitations
  .openapi(
    apiRoute("portal:invite", {
      method: "post",
      path: "/contacts/{id}/portal-invitation",
      tags: ["Contacts"],
      summary: "Invite a contact to the customer portal",
      description: "Creates (or re-invites) the contact's portal account and emails a single-use link (72 hours).",
      request: { params: IdParam },
      responses: {
        202: jsonResponse(
          z.object({
            id: z.string(),
            customer_id: z.string(),
            contact_id: z.string().nullable(),
            email: z.string(),
            status: z.string(),
            last_login_at: z.string().nullable(),
            created_at: z.string(),
          }),
          "The portal account (invited)",
        ),
        ...problems(401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const account = await invitePortalContact(writeContext(c), c.req.valid("param").id, await links(c));
      kickOutbox(c);
      if (!account) throw new NotFound();
      return c.json(account, 202);
    },
  )
  .openapi(
    apiRoute("portal:invite", {
      method: "post",
      path: "/contacts/{id}/portal-2fa-reset",
      tags: ["Contacts"],
      summary: "Remove the two-factor authentication of a contact's portal account",
      description:
        "For a customer who lost their authenticator: the account signs in with its password alone until the customer turns 2FA on again. The customer is told by email. 404 when the contact has no portal account, 409 when it has no 2FA.",
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await resetPortalTwoFactor(writeContext(c), c.req.valid("param").id, await requestSettings(c));
      kickOutbox(c);
      return c.body(null, 204);
    },
  );
