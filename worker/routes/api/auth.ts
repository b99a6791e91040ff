import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ALL_PERMISSIONS, PERMISSIONS } from "../../domain/auth/permissions";
import { login, revokeSession, rotateRefreshToken } from "../../domain/auth/sessions";
import { SYSTEM_ACTOR } from "../../domain/context";
import type { AppEnv } from "../../env";
import { Unauthorized } from "../../lib/errors";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../../lib/jwt";
import { writeContext } from "../../middleware/access";
import { forgetPrincipal } from "../../middleware/authenticate";
import { apiRoute, jsonBody, jsonResponse, problems } from "./helpers";

const Tokens = z
  .object({
    access_token: z.string(),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().meta({ description: "Seconds until the access token expires" }),
    refresh_token: z.string().meta({ description: "Single use: each refresh returns a new one" }),
  })
  .meta({ id: "Tokens" });

const Me = z.object({ id: z.string(), type: z.literal("user"), email: z.string(), name: z.string(), permissions: z.array(z.string()) }).meta({ id: "Me" });

export const authApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/login",
      tags: ["Auth"],
      summary: "Sign in with email and password",
      request: {
        body: jsonBody(z.strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024), otp: z.string().max(20).optional() })),
      },
      responses: { 200: jsonResponse(Tokens, "Tokens"), ...problems(400, 401, 415, 422, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const ctx = { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
      const { token, session, user } = await login(ctx, c.env.PASSWORD_PEPPER, {
        email: body.email,
        password: body.password,
        kind: "api",
        ip: c.req.header("cf-connecting-ip") ?? null,
        userAgent: c.req.header("user-agent") ?? null,
      });
      const access = await signAccessToken(c.env.AUTH_SECRET, { sub: user.id, sid: session.id });
      return c.json({ access_token: access, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: token }, 200);
    },
  )
  .openapi(
    apiRoute("public", {
      method: "post",
      path: "/auth/refresh",
      tags: ["Auth"],
      summary: "Exchange a refresh token for new tokens",
      request: { body: jsonBody(z.strictObject({ refresh_token: z.string().min(1).max(200) })) },
      responses: { 200: jsonResponse(Tokens, "New tokens"), ...problems(400, 401, 415, 422) },
    }),
    async (c) => {
      const ctx = { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
      const { token, session, user } = await rotateRefreshToken(ctx, c.req.valid("json").refresh_token);
      const access = await signAccessToken(c.env.AUTH_SECRET, { sub: user.id, sid: session.id });
      return c.json({ access_token: access, token_type: "Bearer" as const, expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: token }, 200);
    },
  )
  .openapi(
    apiRoute("authenticated", {
      method: "post",
      path: "/auth/logout",
      tags: ["Auth"],
      summary: "Sign out (revokes the session and its refresh token)",
      responses: { 204: { description: "Signed out" }, ...problems(401) },
    }),
    async (c) => {
      const ctx = writeContext(c);
      const principal = c.get("principal");
      if (principal) {
        await revokeSession(ctx, principal.sessionId);
        forgetPrincipal(principal.sessionId);
      }
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
      return c.json({ id: p.id, type: p.type, email: p.email, name: p.name, permissions: [...p.permissions].sort() }, 200);
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
  );
