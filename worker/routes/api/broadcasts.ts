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
  refreshResults,
  submitBroadcast,
} from "../../domain/broadcasts/broadcasts";
import { cellResults, resultSummary } from "../../domain/broadcasts/results";
import { archiveTemplate, BroadcastTemplateCreate, createTemplate, getTemplate, listTemplates } from "../../domain/broadcasts/templates";
import { optionalText } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { toCapXml } from "../../lib/cell-broadcast/cap";
import { AppError, Forbidden, Invalid, NotFound } from "../../lib/errors";
import { allowed, writeContext } from "../../middleware/access";
import { cappedErrors, zodErrors } from "../../middleware/errors";
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
    supersedes_id: z.string().nullable().meta({ description: "An update (CAP Update): the alert it replaces" }),
    template_id: z.string().nullable(),
    results_at: z.string().nullable().meta({ description: "When the CBC last reported the alert's cells" }),
    created_at: z.string(),
    updated_at: z.string(),
    job_id: z.string().optional().meta({ description: "The broadcast job an approval (send) or a cancellation (stop) queued" }),
  })
  .passthrough()
  .meta({ id: "Broadcast" });

const CellResult = z
  .object({
    message_id: z.number().int(),
    peer: z.string(),
    cell: z.string(),
    result: z.enum(["installed", "failed"]),
    cause: z.number().int().nullable().meta({ description: "CBSP cause (TS 48.049) of a failed cell" }),
    cause_text: z.string().nullable(),
    completed: z.number().int().nullable().meta({ description: "Broadcasts completed so far in the cell" }),
    requested: z.number().int().nullable().meta({ description: "Broadcasts asked (0: until stopped)" }),
    reported_at: z.string(),
  })
  .meta({ id: "BroadcastCellResult" });

const Results = z
  .object({
    results_at: z.string().nullable(),
    summary: z.object({
      installed: z.number().int().meta({ description: "Target cells installed" }),
      failed: z.number().int(),
      not_reported: z.number().int(),
      outside_area: z.number().int().meta({ description: "Cells outside the area that broadcast it too (the CBC's scope is network-wide)" }),
    }),
    cells: z.array(CellResult),
  })
  .meta({ id: "BroadcastResults" });

const Template = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    alert: z.record(z.string(), z.unknown()),
    duration_minutes: z.number().int(),
    blanks: z.array(z.string()).meta({ description: "The {{blanks}} a broadcaster fills in" }),
    author: z.string(),
    created_at: z.string(),
  })
  .meta({ id: "BroadcastTemplate" });

const MAX_CAP_BYTES = 256 * 1024;

/** A JSON `BroadcastCreate` body, checked (the API's 415/400/422 answers). */
async function alertBody(c: { req: { header: (name: string) => string | undefined; json: () => Promise<unknown> } }) {
  const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new AppError(415, "Unsupported media type", "Send JSON, or CAP 1.2 as application/cap+xml.");
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new AppError(400, "Malformed JSON", "The body is not valid JSON.");
  }
  const parsed = BroadcastCreate.safeParse(body);
  if (!parsed.success) throw new Invalid("The alert is not valid.", cappedErrors(zodErrors(parsed.error)));
  return parsed.data;
}

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
        "JSON (`BroadcastCreate`), or CAP 1.2 XML with `Content-Type: application/cap+xml` — errors name the element (`alert/info[1]/urgency`). A CAP `Cancel` cancels the alert it references; a CAP `Update` drafts an alert that replaces it (same message code, update number + 1) once approved and sent. The message identifier of each language is computed from the CAP fields (TS 23.041); `message_id` overrides it (needs `broadcasts:approve`, audited). The target cells are the cell sites inside the area, in the chosen networks.",
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
      return c.json(await createBroadcast(ctx, await alertBody(c), allowed(c, "broadcasts:approve")), 201);
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
  )
  .openapi(
    apiRoute("broadcasts:write", {
      method: "post",
      path: "/broadcasts/{id}/update",
      tags: ["Cell broadcast"],
      summary: "Draft an update of an alert (CAP Update)",
      description:
        "A new draft that replaces the alert: same message code, update number + 1 (TS 23.041 serial number). It is approved like any alert; once sent, the CBC's messages of the old alert are replaced and the old alert is completed. An alert not yet approved is replaced at once (cancelled).",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: BroadcastCreate } } } },
      responses: { 201: jsonResponse(Broadcast, "The update, a draft"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) =>
      c.json(await createBroadcast(writeContext(c), await alertBody(c), allowed(c, "broadcasts:approve"), { supersedes: c.req.valid("param").id }), 201),
  )
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcasts/{id}/results",
      tags: ["Cell broadcast"],
      summary: "The CBC's per-cell results of an alert",
      description:
        "Per message and cell: installed, or failed with its CBSP cause, and broadcasts completed — as the CBC last reported them (its VTY, read by the runner).",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Results, "The results"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const found = await getBroadcast(c.get("db"), id);
      if (!found) throw new NotFound("No broadcast with this id.");
      const cells = await cellResults(c.get("db"), id);
      return c.json({ results_at: found.results_at, summary: resultSummary(found.target_cells, cells), cells }, 200);
    },
  )
  .openapi(
    apiRoute("broadcasts:write", {
      method: "post",
      path: "/broadcasts/{id}/results/refresh",
      tags: ["Cell broadcast"],
      summary: "Read the per-cell results from the CBC again",
      request: { params: IdParam },
      responses: { 202: jsonResponse(z.object({ job_id: z.string() }), "The status job"), ...problems(401, 403, 404, 409) },
    }),
    async (c) => c.json(await refreshResults(writeContext(c), c.req.valid("param").id, (ids) => serviceDeps(c.env).enqueue(ids)), 202),
  )
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcast-templates",
      tags: ["Cell broadcast"],
      summary: "Pre-approved alert templates",
      responses: { 200: jsonResponse(z.object({ data: z.array(Template) }), "The templates"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: await listTemplates(c.get("db")) }, 200),
  )
  .openapi(
    apiRoute("broadcasts:approve", {
      method: "post",
      path: "/broadcast-templates",
      tags: ["Cell broadcast"],
      summary: "Write a pre-approved template (needs broadcasts:approve)",
      request: { body: jsonBody(BroadcastTemplateCreate) },
      responses: { 201: jsonResponse(Template, "The template"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createTemplate(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("broadcasts:read", {
      method: "get",
      path: "/broadcast-templates/{id}",
      tags: ["Cell broadcast"],
      summary: "A template",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Template, "The template"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const found = await getTemplate(c.get("db"), c.req.valid("param").id);
      if (!found) throw new NotFound("No template with this id.");
      return c.json(found, 200);
    },
  )
  .openapi(
    apiRoute("broadcasts:approve", {
      method: "delete",
      path: "/broadcast-templates/{id}",
      tags: ["Cell broadcast"],
      summary: "Retire a template",
      request: { params: IdParam },
      responses: { 204: { description: "Retired" }, ...problems(401, 403, 404) },
    }),
    async (c) => {
      await archiveTemplate(writeContext(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
