import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { runBatch } from "../../db/client";
import { getRole, type RoleView } from "../../db/queries/auth";
import { roles, userRoles } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { Permission } from "./permissions";
import type { RoleCreate, RolePatch } from "./schemas";

function assertGrantable(permissions: string[], granter: ReadonlySet<Permission>): void {
  // Nobody hands out more than they hold, and the runner permission belongs to runner keys only.
  const beyond = permissions.filter((p) => p === "runner:access" || !granter.has(p as Permission));
  if (beyond.length > 0)
    throw new Invalid(
      "A role cannot grant permissions you do not hold.",
      beyond.map((p) => ({ path: "permissions", message: `Cannot grant ${p}` })),
    );
}

/** Creates a custom role. */
export async function createRole(ctx: WriteContext, input: z.infer<typeof RoleCreate>, granter: ReadonlySet<Permission>): Promise<RoleView> {
  assertGrantable(input.permissions, granter);
  const taken = await ctx.db.select({ id: roles.id }).from(roles).where(eq(roles.name, input.name)).get();
  if (taken) throw new Conflict(`A role named ${input.name} already exists.`);
  const row = {
    id: newId("role"),
    name: input.name,
    description: input.description ?? null,
    permissions: input.permissions,
    builtIn: false,
    requireTwoFactor: input.require_two_factor,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.insert(roles).values(row),
    recordActivity(ctx, {
      entity: "role",
      entityId: row.id,
      customerId: null,
      action: "role.create",
      after: { name: row.name, permissions: row.permissions, require_two_factor: row.requireTwoFactor },
    }),
  ]);
  return (await getRole(ctx.db, row.id)) as RoleView;
}

/** Changes a role. Built-in roles keep their permissions; only their 2FA requirement can change. */
export async function updateRole(ctx: WriteContext, id: string, patch: z.infer<typeof RolePatch>, granter: ReadonlySet<Permission>): Promise<RoleView> {
  const before = await getRole(ctx.db, id);
  if (!before) throw new NotFound("No role with this id.");
  if (before.built_in && (patch.permissions !== undefined || patch.description !== undefined)) {
    throw new Conflict("Built-in roles keep their permissions; create a custom role instead.");
  }
  if (patch.permissions) assertGrantable(patch.permissions, granter);
  const after = {
    ...before,
    description: patch.description === undefined ? before.description : patch.description,
    permissions: patch.permissions ?? before.permissions,
    require_two_factor: patch.require_two_factor ?? before.require_two_factor,
    updated_at: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db
      .update(roles)
      .set({ description: after.description, permissions: after.permissions, requireTwoFactor: after.require_two_factor, updatedAt: ctx.now })
      .where(eq(roles.id, id)),
    recordActivity(ctx, { entity: "role", entityId: id, customerId: null, action: "role.update", before, after }),
  ]);
  return after;
}

/** Deletes a custom role nobody holds. */
export async function deleteRole(ctx: WriteContext, id: string): Promise<void> {
  const role = await getRole(ctx.db, id);
  if (!role) throw new NotFound("No role with this id.");
  if (role.built_in) throw new Conflict("Built-in roles cannot be deleted.");
  const holders = await ctx.db.select({ n: sql<number>`count(*)` }).from(userRoles).where(eq(userRoles.roleId, id)).get();
  if (holders?.n) throw new Conflict(`${holders.n} user(s) hold this role; change their roles first.`);
  await runBatch(ctx.db, [
    ctx.db.delete(roles).where(eq(roles.id, id)),
    recordActivity(ctx, { entity: "role", entityId: id, customerId: null, action: "role.delete", before: role }),
  ]);
}
