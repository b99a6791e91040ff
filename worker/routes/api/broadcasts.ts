import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  approveBroadcast,
  BROADCAST_STATUSES,
  BroadcastCreate,
  broadcastCap,
  cancelBroadcast,
  createBroadcast,
  createBroadcastFromCap,
  getBroadcast,
  listBroadcasts,
  submitBroadcast,
} from "../../domain/broadcasts/broadcasts";
import { optionalText } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { toCapXml } from "../../lib/cell-broadcast/cap";
import { AppError, Forbidden, Invalid, NotFound } from "../../lib/errors";
import { allowed, writeContext } from "../../middleware/access";
import { zodErrors } from "../../middleware/errors";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems } from "./helpers";

const Broadcast = z
  .object({
    id: z.string(),
    identifier: z.string(),
    sender: z.string(),
    status: z.enum(BROADCAST_STATUSES),
    cap_status: z.string(),
    exercise: z.boolean().meta({ description: "An Exercise or Test alert, shown as such everywhere" }),
    event: z.string(),
    category: z.string(),
    urgency: z.string(),
    severity: z.string(),
    certainty: z.string(),
    message_id: z.number().int(),
    message_id_overridden: z.boolean(),
    messages: z.array(z.object({ language: z.string(), text: z.string(), pages: z.number().int(), encoding: z.string(), message_id: z.number().int() })),
    area: z.record(z.string(), z.unknown()),
    target_cells: z.array(z.string()),
    plmns: z.array(z.object({ mcc: z.string(), mnc: z.string() })),
    repetition_period: z.number().int(),
    num_of_bcast: z.number().int(),
    serial: z.object({ msg_code: z.number().int(), update_nr: z.number().int() }),
    expires_at: z.string(),
    author: z.string(),
    approver: z.string().nullable(),
    submitted_at: z.string().nullable(),
    approved_at: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    cancel_reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    job_id: z.string().optional().meta({ description: "The broadcast job an approval (send) or a cancellation (stop) queued" }),
  })
  .passthrough()
  .meta({ id: "Broadcast" });

const MAX_CAP_BYTES = 256 * 1024;

export const broadcastsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcasts",
      tags: ["Cell broadcast"],
      summary: "Cell broadcast alerts, newest first",
      request: { query: PageQuery.extend({ status: z.enum(BROADCAST_STATUSES).optional() }) },
      responses: { 200: jsonResponse(pageOf(Broadcast), "A page of alerts"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await listBroadcasts(c.get("db"), { status: q.status, limit: q.limit, cursor: q.cursor }), 200);
    },
  )
  .openapi(
    apiRoute("broadcasts:write", {
      method: "post",
      path: "/broadcasts",
      tags: ["Cell broadcast"],
      summary: "Draft an alert (JSON, or a CAP 1.2 document)",
      description:
        "JSON (`BroadcastCreate`), or CAP 1.2 XML with `Content-Type: application/cap+xml` — errors name the element (`alert/info[1]/urgency`). A CAP `Cancel` cancels the alert it references. The message identifier of each language is computed from the CAP fields (TS 23.041); `message_id` overrides it (needs `broadcasts:approve`, audited). The target cells are the cell sites inside the area, in the chosen networks.",
      request: {
        // Not marked required: the JSON validator then leaves CAP (another content type) to the handler.
        body: {
          required: false,
          content: { "application/json": { schema: BroadcastCreate }, "application/cap+xml": { schema: z.string() } },
        },
      },
      responses: { 201: jsonResponse(Broadcast, "The draft (or the cancelled alert, for a CAP Cancel)"), ...problems(400, 401, 403, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      const ctx = writeContext(c);
      if (type === "application/cap+xml") {
        if (Number(c.req.header("content-length") ?? 0) > MAX_CAP_BYTES) throw new AppError(413, "Payload too large", "At most 256 kB of CAP.");
        return c.json(await createBroadcastFromCap(ctx, await c.req.text(), (ids) => serviceDeps(c.env).enqueue(ids)), 201);
      }
      if (type !== "application/json") throw new AppError(415, "Unsupported media type", "Send JSON, or CAP 1.2 as application/cap+xml.");
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new AppError(400, "Malformed JSON", "The body is not valid JSON.");
      }
      const parsed = BroadcastCreate.safeParse(body);
      if (!parsed.success) throw new Invalid("The alert is not valid.", zodErrors(parsed.error));
      return c.json(await createBroadcast(ctx, parsed.data, allowed(c, "broadcasts:approve")), 201);
    },
  )
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcasts/{id}",
      tags: ["Cell broadcast"],
      summary: "An alert with its messages and target cells",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Broadcast, "The alert"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const found = await getBroadcast(c.get("db"), c.req.valid("param").id);
      if (!found) throw new NotFound("No broadcast with this id.");
      return c.json(found, 200);
    },
  )
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcasts/{id}/cap",
      tags: ["Cell broadcast"],
      summary: "The alert as CAP 1.2 XML (as received or as built from the form)",
      request: { params: IdParam },
      responses: { 200: { description: "CAP 1.2", content: { "application/cap+xml": { schema: z.string() } } }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      const cap = await broadcastCap(c.get("db"), c.req.valid("param").id);
      if (!cap) throw new NotFound("No broadcast with this id.");
      return c.body(toCapXml(cap), 200, { "content-type": "application/cap+xml; charset=utf-8" });
    },
  )
  .openapi(
    apiRoute("broadcasts:write", {
      method: "post",
      path: "/broadcasts/{id}/submit",
      tags: ["Cell broadcast"],
      summary: "Submit a draft for approval",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Broadcast, "The submitted alert"), ...problems(401, 403, 404, 409) },
    }),
    async (c) => c.json(await submitBroadcast(writeContext(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute("broadcasts:approve", {
      method: "post",
      path: "/broadcasts/{id}/approve",
      tags: ["Cell broadcast"],
      summary: "Approve a submitted alert (a second person, with a fresh TOTP code)",
      description:
        "The author cannot approve their own alert (403). The approver needs two-factor authentication on; a backup code is refused and a code works once.",
      request: { params: IdParam, body: jsonBody(z.strictObject({ otp: z.string().min(1).max(20) })) },
      responses: { 200: jsonResponse(Broadcast, "The approved alert"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const principal = c.get("principal");
      if (principal?.type !== "user") throw new Forbidden("Alerts are approved by a person, signed in with their own account.");
      const approved = await approveBroadcast(writeContext(c), c.req.valid("param").id, principal.id, c.req.valid("json").otp, c.env.ENCRYPTION_KEY, (ids) =>
        serviceDeps(c.env).enqueue(ids),
      );
      return c.json(approved, 200);
    },
  )
  .openapi(
    apiRoute("broadcasts:write", {
      method: "post",
      path: "/broadcasts/{id}/cancel",
      tags: ["Cell broadcast"],
      summary: "Cancel an alert (with a reason, in the activity log)",
      request: { params: IdParam, body: jsonBody(z.strictObject({ reason: optionalText(500) })) },
      responses: { 200: jsonResponse(Broadcast, "The cancelled alert"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) =>
      c.json(
        await cancelBroadcast(writeContext(c), c.req.valid("param").id, c.req.valid("json").reason ?? null, (ids) => serviceDeps(c.env).enqueue(ids)),
        200,
      ),
  );
