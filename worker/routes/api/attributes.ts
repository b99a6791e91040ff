import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getAttributeDefinition, listAttributeDefinitions } from "../../db/queries/attributes";
import { defineAttribute, deleteAttribute, updateAttribute } from "../../domain/attributes/definitions";
import { AttributeDefinition, AttributeDefinitionCreate, AttributeDefinitionPatch } from "../../domain/attributes/schemas";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, jsonBody, jsonResponse, problems } from "./helpers";

const KeyParam = z.object({
  key: z
    .string()
    .max(64)
    .meta({ param: { name: "key", in: "path" } }),
});

export const attributesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("customers:read", {
      method: "get",
      path: "/attribute-definitions",
      tags: ["Attributes"],
      summary: "List custom attribute definitions",
      responses: { 200: jsonResponse(z.object({ data: z.array(AttributeDefinition) }), "All definitions"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listAttributeDefinitions(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("attributes:manage", {
      method: "post",
      path: "/attribute-definitions",
      tags: ["Attributes"],
      summary: "Define a custom attribute",
      request: { body: jsonBody(AttributeDefinitionCreate) },
      responses: { 201: jsonResponse(AttributeDefinition, "The new definition"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await defineAttribute(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("customers:read", {
      method: "get",
      path: "/attribute-definitions/{key}",
      tags: ["Attributes"],
      summary: "Get an attribute definition",
      request: { params: KeyParam },
      responses: { 200: jsonResponse(AttributeDefinition, "The definition"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const def = await getAttributeDefinition(c.get("db"), c.req.valid("param").key);
      if (!def) throw new NotFound("No attribute with this key.");
      return c.json(def, 200);
    },
  )
  .openapi(
    apiRoute("attributes:manage", {
      method: "patch",
      path: "/attribute-definitions/{key}",
      tags: ["Attributes"],
      summary: "Update an attribute definition",
      request: { params: KeyParam, body: jsonBody(AttributeDefinitionPatch) },
      responses: { 200: jsonResponse(AttributeDefinition, "The updated definition"), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => c.json(await updateAttribute(writeContext(c), c.req.valid("param").key, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("attributes:manage", {
      method: "delete",
      path: "/attribute-definitions/{key}",
      tags: ["Attributes"],
      summary: "Delete an unused attribute definition",
      request: { params: KeyParam },
      responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await deleteAttribute(writeContext(c), c.req.valid("param").key);
      return c.body(null, 204);
    },
  );
