import { OpenAPIHono } from "@hono/zod-openapi";
import { getSettings } from "../../db/queries/settings";
import { SettingsPatch, SettingsResponse } from "../../domain/settings/schemas";
import { updateSettings } from "../../domain/settings/update-settings";
import type { AppEnv } from "../../env";
import { integrationStatuses } from "../../integrations/status";
import { writeContext } from "../../middleware/access";
import { apiRoute, jsonBody, jsonResponse, problems } from "./helpers";

export const settingsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("settings:read", {
      method: "get",
      path: "/settings",
      tags: ["Settings"],
      summary: "Operator settings and integration status",
      responses: { 200: jsonResponse(SettingsResponse, "Settings"), ...problems(401, 403) },
    }),
    async (c) => {
      const { data, updatedAt } = await getSettings(c.get("db"));
      return c.json({ ...data, updated_at: updatedAt, integrations: integrationStatuses(c.env) }, 200);
    },
  )
  .openapi(
    apiRoute("settings:manage", {
      method: "patch",
      path: "/settings",
      tags: ["Settings"],
      summary: "Change operator settings",
      description: "Branding (name, logo, colours) is used by pages, emails and invoices. Changes are audited.",
      request: { body: jsonBody(SettingsPatch) },
      responses: { 200: jsonResponse(SettingsResponse, "Settings after the change"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const data = await updateSettings(writeContext(c), c.req.valid("json"));
      const { updatedAt } = await getSettings(c.get("db"));
      return c.json({ ...data, updated_at: updatedAt, integrations: integrationStatuses(c.env) }, 200);
    },
  );
