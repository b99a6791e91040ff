import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  replayDelivery,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointPatch,
} from "../../domain/webhooks/webhooks";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems } from "./helpers";

const SIGNING = `Each delivery is a POST of \`{id, object: "event", type, created, customer_id, data: {object}}\` signed like Stripe's: header \`OpenBSS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the endpoint's secret>\`; refuse a timestamp older than 5 minutes. A non-2xx answer (or none in 10 s) is retried after 1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h; each event is delivered once per endpoint (use its \`id\` to deduplicate a replay). Event types: ${WEBHOOK_EVENT_TYPES.join(", ")}.`;

export const webhookEndpointsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("webhooks:manage", {
      method: "get",
      path: "/webhook-endpoints",
      tags: ["Webhooks"],
      summary: "List outbound webhook endpoints",
      responses: { 200: jsonResponse(z.object({ data: z.array(WebhookEndpoint) }), "Endpoints"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listEndpoints(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "post",
      path: "/webhook-endpoints",
      tags: ["Webhooks"],
      summary: "Subscribe an endpoint to event types (its signing secret is shown once)",
      description: SIGNING,
      request: { body: jsonBody(WebhookEndpointCreate) },
      responses: { 201: jsonResponse(WebhookEndpoint, "The endpoint, with `secret` this once"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const endpoint = await createEndpoint(writeContext(c), c.env.ENCRYPTION_KEY, c.req.valid("json"));
      return c.json(endpoint, 201, { Location: `/api/v1/webhook-endpoints/${endpoint.id}` });
    },
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "get",
      path: "/webhook-endpoints/{id}",
      tags: ["Webhooks"],
      summary: "Get an endpoint",
      request: { params: IdParam },
      responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const endpoint = await getEndpoint(c.get("db"), c.req.valid("param").id);
      if (!endpoint) throw new NotFound("No webhook endpoint with this id.");
      return c.json(endpoint, 200);
    },
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "patch",
      path: "/webhook-endpoints/{id}",
      tags: ["Webhooks"],
      summary: "Change an endpoint's URL, events or status (disabled: nothing is sent)",
      request: { params: IdParam, body: jsonBody(WebhookEndpointPatch) },
      responses: { 200: jsonResponse(WebhookEndpoint, "The endpoint"), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => c.json(await updateEndpoint(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "delete",
      path: "/webhook-endpoints/{id}",
      tags: ["Webhooks"],
      summary: "Delete an endpoint (its pending deliveries are dropped)",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      await deleteEndpoint(writeContext(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "get",
      path: "/webhook-endpoints/{id}/deliveries",
      tags: ["Webhooks"],
      summary: "An endpoint's delivery log, newest first",
      request: { params: IdParam, query: PageQuery },
      responses: { 200: jsonResponse(pageOf(WebhookDelivery), "Deliveries"), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      if (!(await getEndpoint(c.get("db"), id))) throw new NotFound("No webhook endpoint with this id.");
      const q = c.req.valid("query");
      return c.json(await listDeliveries(c.get("db"), id, q.limit, q.cursor), 200);
    },
  )
  .openapi(
    apiRoute("webhooks:manage", {
      method: "post",
      path: "/webhook-deliveries/{id}/replay",
      tags: ["Webhooks"],
      summary: "Send a delivery's event again (a new delivery with the same body)",
      request: { params: IdParam },
      responses: { 202: jsonResponse(WebhookDelivery, "The new delivery, due now"), ...problems(401, 403, 404) },
    }),
    async (c) => c.json(await replayDelivery(writeContext(c), c.req.valid("param").id), 202),
  );
