import { STATUS_CODES } from "node:http";
import { type RunningSimulator, type SimRequest, type SimResponse, serve } from "../lib/server";
import { EcbeRefusal, type ParsedMessage, parseCbcMessage } from "./ecbe";
import { cbsPages } from "./pages";
import { startCbcVty, type VtyMessage } from "./vty";

/**
 * The Osmocom CBC (osmo-cbc) as an external cell broadcast entity sees it: its ECBE REST API, strict.
 * The worker/runner reach it at `CBC_URL` (default http://127.0.0.1:12116; osmo-cbc's own default is 12345).
 *
 * `POST /api/ecbe/v1/message` (Content-Type application/json), a `cbc_message` as osmo-cbc parses it
 * (see ecbe.ts for every rule):
 *   {cbe_name, category?: normal|high_priority|background (default normal), repetition_period: 1–4095,
 *    num_of_bcast?: 0–65535 (default 0 = until deleted), warning_period_sec?: 0–3600, scope: {scope_plmn: {}},
 *    smscb_message: {message_id: 0–65535,
 *      serial_nr: {serial_nr_decoded: {geo_scope: cell_wide_immediate|plmn_wide|lac_sac_tac_wide|cell_wide,
 *                  msg_code: 0–1023, update_nr: 0–15}} | {serial_nr_encoded: 0–65535},
 *      payload: {payload_decoded: {character_set: gsm|8bit|ucs2, language?: ISO 639-1, dcs_class?: 0–3, data_utf8}}
 *             | {payload_encoded: {dcs: 0–255, pages: [hex, 1–15 of ≤82 octets]}}
 *             | {payload_etws: {warning_type: {warning_type_decoded | warning_type_encoded}, emergency_user_alert?,
 *                               popup_on_display?, warning_sec_info?}}}}
 *   → 201 "Created"; 400 <text naming the problem> (also "REST: No JSON Body" for a body that is not
 *   JSON); 409 "Could not allocate" when that message_id is still active (osmo-cbc's duplicate answer).
 * `DELETE /api/ecbe/v1/message/{message_id}` → 200 "OK"; 404 "Unknown message ID"; 400 (empty body) for
 *   an id that is not a decimal 0–65535. A deleted message_id can be used again.
 * Bodies are plain text, as osmo-cbc answers; anything else → 404 "Resource not found". No authentication
 * (osmo-cbc has none: it sits behind a proxy or a packet filter).
 *
 * Per-cell results: osmo-cbc answers 201 once its peers (BSCs over CBSP, MMEs over SBc-AP) have
 * acknowledged or timed out, whatever they answered, and reports per-cell outcomes only in its logs and
 * VTY. Here the cells are configured, all "ok" unless listed as failing, and each accepted message
 * records one result per known cell (`scope_plmn`: every cell):
 *   `POST /_sim/cells {cells: [id | {mcc: "208", mnc: "01", lac | tac, cell_id, peer?}], failing?: [key], cause?}`
 *   replaces the known cells. A cell's key is the id, or `mcc-mnc-lac-cell_id` (tac for lac); its peer
 *   defaults to "bsc-sim" (an id or lac) or "mme-sim" (tac). Results: `{cell, peer, result: "ok"}` or
 *   `{cell, peer, result: "failed", cause}`, cause an integer CBSP cause 0–255 (TS 48.049 §8.2.13; default
 *   10, Cell-broadcast-not-operational). The cells the simulator starts with (`options.cells`, npm start:
 *   the demo operator's 30 cells) come back on reset.
 *
 * The VTY (`options.vtyPort`; npm start: `CBC_VTY`, 127.0.0.1:12117; osmo-cbc's default port is 4264): see
 * vty.ts. `show message id N` lists, per peer, the installed cells, the failed ones with their cause and
 * the broadcasts each installed cell has completed, counted live from the repetition period. A cell
 * given as {mcc, mnc, lac | tac, cell_id} prints as "CGI mcc-mnc-lac-cell_id" — for a 4G cell the TAC in
 * the LAC's place (osmo-cbc's CGI has no TAC) — and a cell given by a bare id as "CI id" (CBC_CELL_ID_CI).
 * A deleted message is unknown there.
 *
 * Failures: `POST /_sim/fail {status: 400–599 | drop: true, count?, hangMs?, body?, applied?}` makes the next
 * `count` ECBE requests (no count: all, until `DELETE /_sim/fail` or reset) answer `status` (body: the
 * given text or the status's reason) or close the connection after `hangMs` (default 0) without an
 * answer. `applied: true`: the request takes effect first (the message is created or deleted) and only
 * the answer is lost — as when osmo-cbc's answer times out on the client's side.
 *
 * `GET /_sim/state` → {active, messages, deletions, refused, injected, cells, fail, vty_port}: active messages, every
 * accepted message in order (request as received, received_at, cbe_name, serial_nr, pages, cells,
 * deleted_at), deletions, refused requests with their answer, injected failures, the VTY's port (null
 * when not started). `POST /_sim/reset` clears all of it (failures too; cells back to those it started with).
 */
export type CellIdentity = string | { mcc: string; mnc: string; lac?: number; tac?: number; cell_id: number; peer?: string };
export type KnownCell = { cell: string; peer: string; identity: CellIdentity; failure: number | null };
export type CellResult = { cell: string; peer: string; result: "ok" } | { cell: string; peer: string; result: "failed"; cause: number };
export type SimCbcMessage = ParsedMessage & { received_at: string; deleted_at: string | null; request: unknown; cells: CellResult[] };
export type SimDeletion = { message_id: number; cbe_name: string; deleted_at: string };
export type SimRefusal = { at: string; method: string; path: string; status: number; error: string };
export type SimInjected = { at: string; method: string; path: string; answer: number | "drop"; applied: boolean };
export type SimFailure = { status: number | null; hangMs: number; body: string | null; remaining: number | null; applied: boolean };

const PREFIX = "/api/ecbe/v1";
/** CBSP cause Cell-broadcast-not-operational (TS 48.049 §8.2.13). */
const DEFAULT_CAUSE = 10;

const text = (status: number, body: string | null): SimResponse => ({ status, body, headers: { "Content-Type": "text/plain; charset=utf-8" } });
const controlError = (error: string): SimResponse => ({ status: 400, body: { error } });

class ControlError extends Error {}
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ControlError(message);
}

/** A control body: a JSON object with only the allowed members. */
function controlBody(req: SimRequest, allowed: string[]): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(req.body || "{}");
  } catch {
    throw new ControlError("body must be JSON");
  }
  check(typeof body === "object" && body !== null && !Array.isArray(body), "body must be a JSON object");
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) check(allowed.includes(key), `unknown field '${key}' (expected ${allowed.join(", ")})`);
  return record;
}

const isCount = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

function knownCell(entry: unknown): KnownCell {
  if (typeof entry === "string") {
    check(entry.length > 0, "a cell id must not be empty");
    return { cell: entry, peer: "bsc-sim", identity: entry, failure: null };
  }
  check(typeof entry === "object" && entry !== null && !Array.isArray(entry), "a cell is an id or {mcc, mnc, lac | tac, cell_id, peer?}");
  const c = entry as Record<string, unknown>;
  for (const key of Object.keys(c)) check(["mcc", "mnc", "lac", "tac", "cell_id", "peer"].includes(key), `unknown cell field '${key}'`);
  check(typeof c.mcc === "string" && /^\d{3}$/.test(c.mcc), "mcc must be 3 digits (a string)");
  check(typeof c.mnc === "string" && /^\d{2,3}$/.test(c.mnc), "mnc must be 2 or 3 digits (a string)");
  check((c.lac === undefined) !== (c.tac === undefined), "a cell has either lac (2G/3G) or tac (4G/5G)");
  check(c.lac === undefined || isCount(c.lac, 0, 65535), "lac must be an integer 0–65535");
  check(c.tac === undefined || isCount(c.tac, 0, 16_777_215), "tac must be an integer 0–16777215");
  check(isCount(c.cell_id, 0), "cell_id must be a non-negative integer");
  check(c.peer === undefined || (typeof c.peer === "string" && c.peer.length > 0), "peer must be a non-empty string");
  const area = (c.lac ?? c.tac) as number;
  const identity = {
    mcc: c.mcc,
    mnc: c.mnc,
    ...(c.lac === undefined ? { tac: area } : { lac: area }),
    cell_id: c.cell_id,
    ...(c.peer ? { peer: c.peer } : {}),
  };
  return { cell: `${c.mcc}-${c.mnc}-${area}-${c.cell_id}`, peer: c.peer ?? (c.lac === undefined ? "mme-sim" : "bsc-sim"), identity, failure: null };
}

function configureCells(req: SimRequest): KnownCell[] {
  const body = controlBody(req, ["cells", "failing", "cause"]);
  check(Array.isArray(body.cells), "cells must be an array");
  const cells = body.cells.map(knownCell);
  const keys = new Set(cells.map((c) => c.cell));
  check(keys.size === cells.length, "cells must not repeat");
  const failing = body.failing ?? [];
  check(Array.isArray(failing) && failing.every((f) => typeof f === "string"), "failing must be an array of cell keys");
  check(body.cause === undefined || isCount(body.cause, 0, 255), "cause must be an integer CBSP cause 0–255");
  for (const key of failing) check(keys.has(key), `failing cell '${key}' is not among the cells (keys: ${[...keys].join(", ")})`);
  const cause = (body.cause as number | undefined) ?? DEFAULT_CAUSE;
  return cells.map((c) => (failing.includes(c.cell) ? { ...c, failure: cause } : c));
}

function configureFailure(req: SimRequest): SimFailure {
  const body = controlBody(req, ["status", "drop", "count", "hangMs", "body", "applied"]);
  check((body.status === undefined) !== (body.drop === undefined), "give either status (400–599) or drop: true");
  check(body.status === undefined || isCount(body.status, 400, 599), "status must be an HTTP error status 400–599");
  check(body.drop === undefined || body.drop === true, "drop must be true");
  check(body.count === undefined || isCount(body.count, 1), "count must be a positive integer (none: every request until reset)");
  check(body.hangMs === undefined || (body.drop === true && isCount(body.hangMs, 0, 600_000)), "hangMs (0–600000) goes with drop");
  check(body.body === undefined || (typeof body.body === "string" && body.status !== undefined), "body (a string) goes with status");
  check(body.applied === undefined || typeof body.applied === "boolean", "applied must be a boolean");
  return {
    status: (body.status as number | undefined) ?? null,
    hangMs: (body.hangMs as number | undefined) ?? 0,
    body: (body.body as string | undefined) ?? null,
    remaining: (body.count as number | undefined) ?? null,
    applied: body.applied === true,
  };
}

/** How the VTY names a cell: "CGI mcc-mnc-lac-ci" (the TAC in the LAC's place for a 4G cell) or "CI id". */
const vtyCellText = (c: KnownCell) => (typeof c.identity === "string" ? `CI ${c.identity}` : `CGI ${c.cell}`);

/** Options of {@link startCbcSimulator}. */
export type CbcSimulatorOptions = {
  /** The VTY's port on 127.0.0.1 (0: any free port); none when absent or null. */
  vtyPort?: number | null;
  /** The cells known from the start (and again after a reset), as `POST /_sim/cells` takes them. */
  cells?: CellIdentity[];
  /** The VTY's clock (tests), for the broadcasts completed. */
  now?: () => Date;
};

/** Starts the CBC simulator on 127.0.0.1:port (0: any free port), and its VTY when `options.vtyPort` is given. */
export async function startCbcSimulator(port = 12116, options: CbcSimulatorOptions = {}): Promise<RunningSimulator & { vtyPort: number | null }> {
  const initialCells = (options.cells ?? []).map(knownCell);
  let messages: SimCbcMessage[] = [];
  let shown = new Map<SimCbcMessage, VtyMessage>();
  let deletions: SimDeletion[] = [];
  let refused: SimRefusal[] = [];
  let injected: SimInjected[] = [];
  let cells: KnownCell[] = initialCells;
  let failure: SimFailure | null = null;
  const active = () => messages.filter((m) => m.deleted_at === null);

  /** The request's effect and osmo-cbc's answer. */
  function ecbe(req: SimRequest): SimResponse {
    const path = req.url.pathname;
    const answer = (status: number, body: string | null): SimResponse => {
      if (status >= 400) refused.push({ at: new Date().toISOString(), method: req.method, path, status, error: body ?? "" });
      return text(status, body);
    };
    if (req.method === "POST" && path === `${PREFIX}/message`) {
      const type = String(req.headers["content-type"] ?? "").toLowerCase();
      let body: unknown;
      try {
        if (!type.startsWith("application/json")) throw new Error("not JSON");
        body = JSON.parse(req.body);
      } catch {
        return answer(400, "REST: No JSON Body");
      }
      let parsed: ParsedMessage;
      try {
        parsed = parseCbcMessage(body);
      } catch (error) {
        if (error instanceof EcbeRefusal) return answer(400, error.message);
        throw error;
      }
      if (active().some((m) => m.message_id === parsed.message_id)) return answer(409, "Could not allocate");
      const results: CellResult[] = cells.map((c) =>
        c.failure === null ? { cell: c.cell, peer: c.peer, result: "ok" } : { cell: c.cell, peer: c.peer, result: "failed", cause: c.failure },
      );
      const created = new Date();
      const message: SimCbcMessage = { ...parsed, received_at: created.toISOString(), deleted_at: null, request: body, cells: results };
      messages.push(message);
      const request = body as { warning_period_sec?: number; smscb_message: { payload: unknown } };
      const { dcs, pages, userDataBytes } = cbsPages(request.smscb_message.payload);
      shown.set(message, {
        ...parsed,
        warning_period_sec: request.warning_period_sec ?? 0,
        etws: parsed.kind === "etws",
        dcs,
        pages,
        user_data_bytes: userDataBytes,
        created,
        cells: cells.map((c) => ({ text: vtyCellText(c), peer: c.peer, cause: c.failure })),
      });
      return answer(201, "Created");
    }
    const del = new RegExp(`^${PREFIX}/message/([^/]+)$`).exec(path);
    if (req.method === "DELETE" && del) {
      const id = /^\d{1,5}$/.test(del[1] ?? "") ? Number(del[1]) : -1;
      if (id < 0 || id > 65535) return answer(400, null);
      const message = active().find((m) => m.message_id === id);
      if (!message) return answer(404, "Unknown message ID");
      message.deleted_at = new Date().toISOString();
      deletions.push({ message_id: id, cbe_name: message.cbe_name, deleted_at: message.deleted_at });
      return answer(200, "OK");
    }
    return answer(404, "Resource not found");
  }

  function control(req: SimRequest): SimResponse {
    const path = req.url.pathname;
    try {
      if (req.method === "POST" && path === "/_sim/cells") {
        cells = configureCells(req);
        return { status: 200, body: { cells } };
      }
      if (req.method === "POST" && path === "/_sim/fail") {
        failure = configureFailure(req);
        return { status: 200, body: { fail: failure } };
      }
      if (req.method === "DELETE" && path === "/_sim/fail") {
        failure = null;
        return { status: 204, body: null };
      }
    } catch (error) {
      if (error instanceof ControlError) return controlError(error.message);
      throw error;
    }
    return { status: 404, body: { error: `no simulator control ${req.method} ${path}` } };
  }

  const vty =
    options.vtyPort === undefined || options.vtyPort === null
      ? null
      : await startCbcVty(options.vtyPort, () => active().flatMap((m) => shown.get(m) ?? []), options.now);
  const http = await serve(
    "cbc",
    port,
    (req) => {
      if (req.url.pathname.startsWith("/_sim/")) return control(req);
      const injectedFailure = failure;
      if (!injectedFailure) return ecbe(req);
      if (injectedFailure.remaining !== null && --injectedFailure.remaining <= 0) failure = null;
      if (injectedFailure.applied) ecbe(req);
      const at = new Date().toISOString();
      const path = req.url.pathname;
      if (injectedFailure.status === null) {
        injected.push({ at, method: req.method, path, answer: "drop", applied: injectedFailure.applied });
        return { status: 0, body: null, dropAfterMs: injectedFailure.hangMs };
      }
      injected.push({ at, method: req.method, path, answer: injectedFailure.status, applied: injectedFailure.applied });
      return text(injectedFailure.status, injectedFailure.body ?? STATUS_CODES[injectedFailure.status] ?? "Error");
    },
    () => ({ active: active(), messages, deletions, refused, injected, cells, fail: failure, vty_port: vty?.port ?? null }),
    () => {
      messages = [];
      shown = new Map();
      deletions = [];
      refused = [];
      injected = [];
      cells = initialCells;
      failure = null;
    },
  ).catch(async (error: unknown) => {
    await vty?.close();
    throw error;
  });
  return {
    ...http,
    vtyPort: vty?.port ?? null,
    close: async () => {
      await Promise.all([http.close(), vty?.close()]);
    },
  };
}
