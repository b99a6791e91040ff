/** Identity and access shapes: one zod schema per input, shared by the API, the pages and OpenAPI. */
import { z } from "zod";
import { email, optionalText, requiredText } from "../validation";
import { ALL_PERMISSIONS, type Permission } from "./permissions";

const permission = z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]]);
const roleId = z.string().trim().min(1).max(64);
const password = z.string().min(1, { message: "Required" }).max(256);

export const Login = z.strictObject({
  email: z.string().trim().min(1, { message: "Required" }).max(254),
  password: z.string().min(1, { message: "Required" }).max(1024),
  otp: z.string().trim().max(20).optional().meta({ description: "TOTP code or backup code, when 2FA is enabled" }),
  remember: z.boolean().default(false).meta({ description: "Keep the session for the remember-me period" }),
});

export const UserCreate = z
  .strictObject({
    email,
    name: requiredText(100),
    roles: z.array(roleId).min(1, { message: "Give at least one role" }).max(20),
    password: password.optional().meta({ description: "Without a password an invitation email is sent" }),
  })
  .meta({ id: "UserCreate" });

export const UserPatch = z
  .strictObject({
    name: requiredText(100).optional(),
    roles: z.array(roleId).min(1, { message: "Give at least one role" }).max(20).optional(),
  })
  .meta({ id: "UserPatch" });

export const User = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(["active", "invited", "disabled"]),
    roles: z.array(z.string()),
    two_factor_enabled: z.boolean(),
    last_login_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "User" });

export const RoleCreate = z
  .strictObject({
    name: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z][a-z0-9 _-]{1,39}$/, { message: "2–40 lowercase letters, digits, spaces, - or _" }),
    description: optionalText(300),
    permissions: z
      .array(permission)
      .max(ALL_PERMISSIONS.length)
      .transform((p) => [...new Set(p)].sort()),
    require_two_factor: z.boolean().default(false),
  })
  .meta({ id: "RoleCreate" });

export const RolePatch = z
  .strictObject({
    description: optionalText(300),
    permissions: z
      .array(permission)
      .max(ALL_PERMISSIONS.length)
      .transform((p) => [...new Set(p)].sort())
      .optional(),
    require_two_factor: z.boolean().optional(),
  })
  .meta({ id: "RolePatch", description: "Built-in roles only accept require_two_factor" });

export const Role = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    permissions: z.array(z.string()),
    built_in: z.boolean(),
    require_two_factor: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Role" });

export const ApiKeyCreate = z
  .strictObject({
    name: requiredText(100),
    description: optionalText(500),
    permissions: z
      .array(permission)
      .min(1, { message: "Give at least one permission" })
      .transform((p) => [...new Set(p)].sort()),
    expires_at: z.iso.datetime({ offset: true, message: "Must be an ISO 8601 date-time" }).nullable().optional().meta({ description: "Optional expiry (UTC)" }),
    kind: z.enum(["standard", "runner"]).default("standard").meta({ description: "runner keys only reach the runner API" }),
  })
  .meta({ id: "ApiKeyCreate" });

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(["standard", "runner"]),
    prefix: z.string(),
    permissions: z.array(z.string()),
    created_by: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    last_used_ip: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: "ApiKey" });

export const ApiKeyWithSecret = ApiKey.extend({ secret: z.string().meta({ description: "Shown once: store it now" }) }).meta({ id: "ApiKeyWithSecret" });

export const NewPassword = (field = "password") =>
  z.strictObject({ token: z.string().min(10).max(200), [field]: password } as { token: z.ZodString; password: typeof password });

export const SessionView = z
  .object({
    id: z.string(),
    kind: z.enum(["web", "api"]),
    current: z.boolean(),
    remember: z.boolean(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    created_at: z.string(),
    last_seen_at: z.string(),
    expires_at: z.string(),
  })
  .meta({ id: "Session" });
