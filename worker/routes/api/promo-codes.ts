import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { createPromoCode, getPromoCode, listPromoCodes, updatePromoCode } from "../../domain/billing/promo-codes/promo-codes";
import { PromoCode, PromoCodeCreate, PromoCodePatch } from "../../domain/billing/promo-codes/schemas";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, problems } from "./helpers";

export const promoCodesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/promo-codes",
      tags: ["Billing"],
      summary: "List promo codes, newest first",
      request: { query: PageQuery },
      responses: { 200: jsonResponse(z.object({ data: z.array(PromoCode), next_cursor: z.string().nullable() }), "Promo codes"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await listPromoCodes(c.get("db"), q.limit, q.cursor), 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/promo-codes",
      tags: ["Billing"],
      summary: "Create a promo code",
      description:
        "Percent or fixed amount off a service's recurring charges for `months` periods, or `value` free months; redeemed by an order naming it (`promo_code`), at most `max_redemptions` times whatever the concurrency, within its validity window, for its eligible products. The discount appears on each invoice it covers as a discount line.",
      request: { body: jsonBody(PromoCodeCreate) },
      responses: { 201: jsonResponse(PromoCode, "The promo code"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createPromoCode(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/promo-codes/{id}",
      tags: ["Billing"],
      summary: "Get a promo code with its redemption count",
      request: { params: IdParam },
      responses: { 200: jsonResponse(PromoCode, "The promo code"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const promo = await getPromoCode(c.get("db"), c.req.valid("param").id);
      if (!promo) throw new NotFound("No promo code with this id.");
      return c.json(promo, 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "patch",
      path: "/promo-codes/{id}",
      tags: ["Billing"],
      summary: "Change a promo code's window, limit, products or status",
      description: "Its terms (kind, value, months) never change: services that redeemed it keep what they were sold.",
      request: { params: IdParam, body: jsonBody(PromoCodePatch) },
      responses: { 200: jsonResponse(PromoCode, "The promo code"), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => c.json(await updatePromoCode(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  );
