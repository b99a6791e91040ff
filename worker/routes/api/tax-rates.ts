import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getTaxRate, listTaxRates } from "../../db/queries/tax-rates";
import { TaxRate, TaxRateCreate, TaxRatePatch } from "../../domain/billing/tax-rates/schemas";
import { createTaxRate, updateTaxRate } from "../../domain/billing/tax-rates/tax-rates";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, problems } from "./helpers";

export const taxRatesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/tax-rates",
      tags: ["Billing"],
      summary: "List tax rates (one per tax class)",
      responses: { 200: jsonResponse(z.object({ data: z.array(TaxRate), next_cursor: z.null() }), "Every tax rate, by class"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listTaxRates(c.get("db")), next_cursor: null }, 200),
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/tax-rates",
      tags: ["Billing"],
      summary: "Create the tax rate of a tax class",
      description: "One rate per class (409 otherwise). Charges recorded from now on use it; existing transactions keep their rate.",
      request: { body: jsonBody(TaxRateCreate) },
      responses: { 201: jsonResponse(TaxRate, "The tax rate"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createTaxRate(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/tax-rates/{id}",
      tags: ["Billing"],
      summary: "Get a tax rate",
      request: { params: IdParam },
      responses: { 200: jsonResponse(TaxRate, "The tax rate"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const rate = await getTaxRate(c.get("db"), c.req.valid("param").id);
      if (!rate) throw new NotFound("No tax rate with this id.");
      return c.json(rate, 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "patch",
      path: "/tax-rates/{id}",
      tags: ["Billing"],
      summary: "Change a tax rate's name, rate or jurisdiction",
      description: "Applies to charges recorded from now on (top-ups within a minute); transactions already recorded keep their rate.",
      request: { params: IdParam, body: jsonBody(TaxRatePatch) },
      responses: { 200: jsonResponse(TaxRate, "The tax rate"), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => c.json(await updateTaxRate(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );
