import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulators } from "../index";
import type { RunningSimulator } from "../lib/server";
import type { CellResult, SimCbcMessage, SimDeletion, SimInjected, SimRefusal } from "./server";
import { startCbcSimulator } from "./server";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startCbcSimulator(0);
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

type Message = ReturnType<typeof validMessage>;
/** What the runner sends for a CMAS extreme alert (4371) in English, GSM 7-bit. */
const validMessage = () => ({
  cbe_name: "open-bss",
  category: "high_priority",
  repetition_period: 10,
  num_of_bcast: 0,
  scope: { scope_plmn: {} },
  smscb_message: {
    message_id: 4371,
    serial_nr: { serial_nr_decoded: { geo_scope: "plmn_wide", msg_code: 5, update_nr: 1 } },
    payload: { payload_decoded: { character_set: "gsm", language: "en", data_utf8: "Flood warning: move to higher ground now." } },
  },
});

type State = {
  active: SimCbcMessage[];
  messages: SimCbcMessage[];
  deletions: SimDeletion[];
  refused: SimRefusal[];
  injected: SimInjected[];
  fail: unknown;
  cells: unknown[];
};
const state = async () => (await (await fetch(`${sim.url}/_sim/state`)).json()) as State;

/** POST /api/ecbe/v1/message → status and plain-text body, as the runner sees them. */
async function post(body: unknown, contentType = "application/json"): Promise<{ status: number; text: string }> {
  const response = await fetch(`${sim.url}/api/ecbe/v1/message`, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}
async function del(id: string | number): Promise<{ status: number; text: string }> {
  const response = await fetch(`${sim.url}/api/ecbe/v1/message/${id}`, { method: "DELETE" });
  return { status: response.status, text: await response.text() };
}
const control = (path: string, body: unknown) => fetch(`${sim.url}/_sim/${path}`, { method: "POST", body: JSON.stringify(body) });

/** A valid message changed by `change` (which edits a deep copy). */
function variant(change: (m: Message & Record<string, unknown>) => void): unknown {
  const m = structuredClone(validMessage()) as Message & Record<string, unknown>;
  change(m);
  return m;
}
const decoded = (m: Message) => m.smscb_message.payload.payload_decoded as Record<string, unknown>;
const serial = (m: Message) => m.smscb_message.serial_nr.serial_nr_decoded as Record<string, unknown>;
const smscb = (m: Message) => m.smscb_message as Record<string, unknown>;

describe("CBC simulator (Osmocom ECBE REST API)", () => {
  it("accepts a valid message with 201 Created and records it with its cbe_name, time, serial number and pages", async () => {
    const before = Date.now();
    expect(await post(validMessage())).toEqual({ status: 201, text: "Created" });
    const s = await state();
    expect(s.active).toHaveLength(1);
    const [m] = s.messages;
    expect(m).toMatchObject({
      message_id: 4371,
      cbe_name: "open-bss",
      category: "high_priority",
      repetition_period: 10,
      num_of_bcast: 0,
      // GS plmn_wide (1) | message code 5 | update 1
      serial_nr: (1 << 14) | (5 << 4) | 1,
      pages: 1,
      kind: "cbs",
      deleted_at: null,
      request: validMessage(),
    });
    expect(Date.parse(m?.received_at ?? "")).toBeGreaterThanOrEqual(before - 1000);
    expect(s.refused).toEqual([]);
  });

  it("accepts the other forms of the schema: encoded serial number, encoded pages, ETWS, defaults for optional fields", async () => {
    const encoded = variant((m) => {
      m.smscb_message.serial_nr = { serial_nr_encoded: 0x4051 } as never;
      m.smscb_message.payload = { payload_encoded: { dcs: 0x0f, pages: ["d4f29c0e", "c8329bfd06"] } } as never;
      delete (m as Record<string, unknown>).category;
      delete (m as Record<string, unknown>).num_of_bcast;
    });
    expect((await post(encoded)).status).toBe(201);
    const etws = variant((m) => {
      m.smscb_message.message_id = 4352;
      m.smscb_message.payload = {
        payload_etws: { warning_type: { warning_type_decoded: "earthquake" }, emergency_user_alert: true, popup_on_display: true },
      } as never;
    });
    expect((await post(etws)).status).toBe(201);
    const [first, second] = (await state()).messages;
    expect(first).toMatchObject({ serial_nr: 0x4051, pages: 2, category: "normal", num_of_bcast: 0 });
    expect(second).toMatchObject({ message_id: 4352, kind: "etws", pages: null });
  });

  it("counts pages as a CBC does: 93 GSM characters a page (an extension character counts two), 41 in UCS-2", async () => {
    const pages = async (id: number, character_set: string, data_utf8: string) => {
      const body = variant((m) => {
        m.smscb_message.message_id = id;
        m.smscb_message.payload.payload_decoded = { character_set, data_utf8 } as never;
      });
      expect(await post(body)).toEqual({ status: 201, text: "Created" });
      return (await state()).messages.find((m) => m.message_id === id)?.pages;
    };
    expect(await pages(1, "gsm", "a".repeat(93))).toBe(1);
    expect(await pages(2, "gsm", "a".repeat(94))).toBe(2);
    expect(await pages(3, "gsm", `${"a".repeat(92)}€`)).toBe(2);
    expect(await pages(4, "gsm", "a".repeat(1395))).toBe(15);
    expect(await pages(5, "ucs2", "Ж".repeat(41))).toBe(1);
    expect(await pages(6, "ucs2", "Ж".repeat(42))).toBe(2);
    expect(await pages(7, "8bit", "00".repeat(83))).toBe(2);
  });

  const refusals: [string, unknown, string][] = [
    ["a body that is not an object", [validMessage()], "CBCMSG must be JSON object"],
    ["an unknown top-level field", variant((m) => Object.assign(m, { priority: 1 })), "unknown field 'priority'"],
    ["an unknown nested field", variant((m) => Object.assign(decoded(m), { text: "x" })), "unknown field 'smscb_message.payload.payload_decoded.text'"],
    ["an unknown serial number field", variant((m) => Object.assign(serial(m), { gs: 1 })), "unknown field 'smscb_message.serial_nr.serial_nr_decoded.gs'"],
    ["no cbe_name", variant((m) => delete (m as Record<string, unknown>).cbe_name), "CBCMSG 'cbe_name' is mandatory"],
    ["an empty cbe_name", variant((m) => Object.assign(m, { cbe_name: "" })), "CBCMSG 'cbe_name' is mandatory"],
    ["a cbe_name that is not a string", variant((m) => Object.assign(m, { cbe_name: 7 })), "CBCMSG 'cbe_name' must be a string"],
    ["an unknown category", variant((m) => Object.assign(m, { category: "emergency" })), "CBCMSG 'category' is invalid"],
    ["no repetition_period", variant((m) => delete (m as Record<string, unknown>).repetition_period), "CBCMSG 'repetition_period' is mandatory"],
    ["repetition_period 0", variant((m) => Object.assign(m, { repetition_period: 0 })), "CBCMSG 'repetition_period' out of range (1–4095)"],
    ["repetition_period 4096", variant((m) => Object.assign(m, { repetition_period: 4096 })), "CBCMSG 'repetition_period' out of range (1–4095)"],
    ["repetition_period as a string", variant((m) => Object.assign(m, { repetition_period: "10" })), "CBCMSG 'repetition_period' must be an integer"],
    ["a fractional repetition_period", variant((m) => Object.assign(m, { repetition_period: 1.5 })), "CBCMSG 'repetition_period' must be an integer"],
    ["num_of_bcast 65536", variant((m) => Object.assign(m, { num_of_bcast: 65536 })), "CBCMSG 'num_of_bcast' out of range (0–65535)"],
    ["num_of_bcast -1", variant((m) => Object.assign(m, { num_of_bcast: -1 })), "CBCMSG 'num_of_bcast' out of range (0–65535)"],
    ["warning_period_sec 3601", variant((m) => Object.assign(m, { warning_period_sec: 3601 })), "CBCMSG 'warning_period_sec' out of range (0–3600)"],
    ["no scope", variant((m) => delete (m as Record<string, unknown>).scope), "CBCMSG 'scope' is mandatory"],
    ["an empty scope", variant((m) => Object.assign(m, { scope: {} })), "CBCMSG only 'scope_plmn' supported"],
    ["another scope", variant((m) => Object.assign(m, { scope: { scope_cell_list: [] } })), "CBCMSG only 'scope_plmn' supported"],
    ["a scope_plmn with members", variant((m) => Object.assign(m, { scope: { scope_plmn: { mcc: "208" } } })), "unknown field 'scope.scope_plmn.mcc'"],
    ["no smscb_message", variant((m) => delete (m as Record<string, unknown>).smscb_message), "CBCMSG 'smscb_message' is mandatory"],
    ["no message_id", variant((m) => delete smscb(m).message_id), "message_id is mandatory"],
    ["message_id 65536", variant((m) => Object.assign(smscb(m), { message_id: 65536 })), "message_id out of range (0–65535)"],
    ["message_id -1", variant((m) => Object.assign(smscb(m), { message_id: -1 })), "message_id out of range (0–65535)"],
    ["no serial_nr", variant((m) => delete smscb(m).serial_nr), "serial_nr is mandatory"],
    [
      "serial_nr flat, as INTEGRATIONS.md wrote it",
      variant((m) => Object.assign(smscb(m), { serial_nr: serial(m) })),
      "Either 'serial_nr_encoded' or 'serial_nr_decoded'",
    ],
    [
      "both serial_nr forms",
      variant((m) => Object.assign(m.smscb_message.serial_nr, { serial_nr_encoded: 1 })),
      "only one of 'serial_nr_encoded', 'serial_nr_decoded'",
    ],
    ["serial_nr_encoded 65536", variant((m) => Object.assign(smscb(m), { serial_nr: { serial_nr_encoded: 65536 } })), "'serial_nr_encoded' out of range"],
    ["no geo_scope", variant((m) => delete serial(m).geo_scope), "'geo_scope' is mandatory"],
    ["an unknown geo_scope", variant((m) => Object.assign(serial(m), { geo_scope: "country_wide" })), "'geo_scope' is invalid"],
    ["msg_code 1024", variant((m) => Object.assign(serial(m), { msg_code: 1024 })), "'msg_code' out of range (0–1023)"],
    ["update_nr 16", variant((m) => Object.assign(serial(m), { update_nr: 16 })), "'update_nr' out of range (0–15)"],
    ["no update_nr", variant((m) => delete serial(m).update_nr), "'update_nr' is mandatory"],
    ["no payload", variant((m) => delete smscb(m).payload), "'payload' is mandatory"],
    ["payload flat, as INTEGRATIONS.md wrote it", variant((m) => Object.assign(smscb(m), { payload: decoded(m) })), "'payload_decoded'"],
    ["two payload forms", variant((m) => Object.assign(m.smscb_message.payload, { payload_encoded: { dcs: 1, pages: ["00"] } })), "only one of"],
    ["no character_set", variant((m) => delete decoded(m).character_set), "'character_set' is mandatory"],
    ["an unknown character_set", variant((m) => Object.assign(decoded(m), { character_set: "utf8" })), "'character_set' is invalid"],
    ["a three-letter language", variant((m) => Object.assign(decoded(m), { language: "eng" })), "Only two-digit 'language' code is supported"],
    ["a language that is not ISO 639-1", variant((m) => Object.assign(decoded(m), { language: "xx" })), "'language' is not an ISO 639-1 code"],
    ["dcs_class 4", variant((m) => Object.assign(decoded(m), { dcs_class: 4 })), "'dcs_class' out of range (0–3)"],
    ["no data_utf8", variant((m) => delete decoded(m).data_utf8), "'data_utf8' is mandatory"],
    ["an empty text", variant((m) => Object.assign(decoded(m), { data_utf8: "" })), "'data_utf8' must not be empty"],
    ["gsm text outside the GSM alphabet", variant((m) => Object.assign(decoded(m), { data_utf8: "Внимание" })), "outside the GSM 7-bit alphabet"],
    ["gsm text over 15 pages", variant((m) => Object.assign(decoded(m), { data_utf8: "a".repeat(1396) })), "does not fit in 15 pages"],
    ["ucs2 text over 15 pages", variant((m) => Object.assign(decoded(m), { character_set: "ucs2", data_utf8: "Ж".repeat(616) })), "does not fit in 15 pages"],
    ["ucs2 text beyond the BMP", variant((m) => Object.assign(decoded(m), { character_set: "ucs2", data_utf8: "Alert 🌊" })), "outside UCS-2"],
    ["8bit data that is not hex", variant((m) => Object.assign(decoded(m), { character_set: "8bit", data_utf8: "hello" })), "must be hex octets"],
    ["dcs 256", variant((m) => Object.assign(m.smscb_message, { payload: { payload_encoded: { dcs: 256, pages: ["00"] } } })), "'dcs' out of range"],
    ["no pages", variant((m) => Object.assign(m.smscb_message, { payload: { payload_encoded: { dcs: 1, pages: [] } } })), "'pages' array size out of range"],
    [
      "16 pages",
      variant((m) => Object.assign(m.smscb_message, { payload: { payload_encoded: { dcs: 1, pages: Array(16).fill("00") } } })),
      "'pages' array size",
    ],
    [
      "a page over 82 octets",
      variant((m) => Object.assign(m.smscb_message, { payload: { payload_encoded: { dcs: 1, pages: ["00".repeat(83)] } } })),
      "up to 82 octets",
    ],
    [
      "an unknown ETWS warning type",
      variant((m) => Object.assign(m.smscb_message, { payload: { payload_etws: { warning_type: { warning_type_decoded: "flood" } } } })),
      "'warning_type_decoded' is invalid",
    ],
    [
      "warning_type_encoded 128",
      variant((m) => Object.assign(m.smscb_message, { payload: { payload_etws: { warning_type: { warning_type_encoded: 128 } } } })),
      "'warning_type_encoded' out of range (0–127)",
    ],
    [
      "a popup flag that is not a boolean",
      variant((m) => Object.assign(m.smscb_message, { payload: { payload_etws: { warning_type: { warning_type_encoded: 1 }, popup_on_display: "yes" } } })),
      "'popup_on_display' must be a boolean",
    ],
  ];

  it.each(refusals)("refuses %s with 400 and a body naming the problem", async (_, body, problem) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(problem);
    const s = await state();
    expect(s.messages).toEqual([]);
    expect(s.refused).toEqual([expect.objectContaining({ method: "POST", path: "/api/ecbe/v1/message", status: 400, error: answer.text })]);
  });

  it("refuses a body that is not JSON, or not sent as JSON, as osmo-cbc does", async () => {
    expect(await post("{not json")).toEqual({ status: 400, text: "REST: No JSON Body" });
    expect(await post(validMessage(), "text/plain")).toEqual({ status: 400, text: "REST: No JSON Body" });
    expect((await post(validMessage(), "application/json; charset=utf-8")).status).toBe(201);
  });

  it("answers 409 for a message_id still active, and takes it again once deleted", async () => {
    expect((await post(validMessage())).status).toBe(201);
    const update = variant((m) => Object.assign(serial(m), { update_nr: 2 }));
    expect(await post(update)).toEqual({ status: 409, text: "Could not allocate" });
    expect((await state()).active).toHaveLength(1);
    expect(await del(4371)).toEqual({ status: 200, text: "OK" });
    expect((await post(update)).status).toBe(201);
    const s = await state();
    expect(s.messages.map((m) => [m.message_id, m.serial_nr & 0xf, m.deleted_at === null])).toEqual([
      [4371, 1, false],
      [4371, 2, true],
    ]);
  });

  it("deletes an active message (recorded with its cbe_name), 404 for an unknown id, 400 for an id that is not one", async () => {
    expect((await post(validMessage())).status).toBe(201);
    expect(await del(4371)).toEqual({ status: 200, text: "OK" });
    const s = await state();
    expect(s.active).toEqual([]);
    expect(s.messages[0]?.deleted_at).toEqual(expect.any(String));
    expect(s.deletions).toEqual([{ message_id: 4371, cbe_name: "open-bss", deleted_at: s.messages[0]?.deleted_at }]);
    expect(await del(4371)).toEqual({ status: 404, text: "Unknown message ID" });
    expect(await del(1234)).toEqual({ status: 404, text: "Unknown message ID" });
    expect(await del(65536)).toEqual({ status: 400, text: "" });
    expect(await del("abc")).toEqual({ status: 400, text: "" });
    expect((await fetch(`${sim.url}/api/ecbe/v1/messages`, { method: "POST" })).status).toBe(404);
  });

  it("fails the next N requests with the chosen status, then serves again", async () => {
    expect((await control("fail", { status: 503, count: 2 })).status).toBe(200);
    expect(await post(validMessage())).toEqual({ status: 503, text: "Service Unavailable" });
    expect(await del(4371)).toEqual({ status: 503, text: "Service Unavailable" });
    expect(await post(validMessage())).toEqual({ status: 201, text: "Created" });
    const s = await state();
    expect(s.injected.map((i) => [i.method, i.answer])).toEqual([
      ["POST", 503],
      ["DELETE", 503],
    ]);
    expect(s.messages).toHaveLength(1);
    expect(s.fail).toBeNull();
  });

  it("fails every request until told otherwise, or drops the connection", async () => {
    await control("fail", { status: 500, body: "Internal Server Error" });
    for (let i = 0; i < 3; i++) expect((await post(validMessage())).status).toBe(500);
    expect((await fetch(`${sim.url}/_sim/fail`, { method: "DELETE" })).status).toBe(204);
    expect((await post(validMessage())).status).toBe(201);
    await control("fail", { drop: true, count: 1 });
    await expect(post(validMessage())).rejects.toThrow();
    expect((await state()).injected.at(-1)).toMatchObject({ method: "POST", answer: "drop", applied: false });
    expect((await control("fail", { status: 200 })).status).toBe(400);
    expect((await control("fail", { status: 500, drop: true })).status).toBe(400);
  });

  it("can lose only the answer: the message is created, and the client's retry meets 409", async () => {
    await control("fail", { drop: true, count: 1, applied: true });
    await expect(post(validMessage())).rejects.toThrow();
    expect((await state()).active).toHaveLength(1);
    expect(await post(validMessage())).toEqual({ status: 409, text: "Could not allocate" });
  });

  it("records a result per known cell for each message: ok by default, failed for the cells told to fail", async () => {
    const configured = await control("cells", {
      cells: ["cell-a", { mcc: "208", mnc: "01", lac: 1234, cell_id: 5678 }, { mcc: "208", mnc: "01", tac: 7, cell_id: 268435455 }],
      failing: ["208-01-1234-5678"],
    });
    expect(configured.status).toBe(200);
    // A failed cell does not change the answer: osmo-cbc answers 201 once every peer has answered, whatever it answered.
    expect((await post(validMessage())).status).toBe(201);
    const results: CellResult[] = (await state()).messages[0]?.cells ?? [];
    expect(results).toEqual([
      { cell: "cell-a", peer: "bsc-sim", result: "ok" },
      { cell: "208-01-1234-5678", peer: "bsc-sim", result: "failed", cause: 10 },
      { cell: "208-01-7-268435455", peer: "mme-sim", result: "ok" },
    ]);
    // The configuration is checked: failing cells must be known, a cell has a lac or a tac, no unknown fields.
    expect((await control("cells", { cells: ["x"], failing: ["y"] })).status).toBe(400);
    expect((await control("cells", { cells: [{ mcc: "208", mnc: "01", cell_id: 1 }] })).status).toBe(400);
    expect((await control("cells", { cells: ["x"], extra: 1 })).status).toBe(400);
    // The cause is a CBSP cause (an integer 0–255), as osmo-cbc's VTY prints it.
    expect((await control("cells", { cells: ["x"], failing: ["x"], cause: "broken" })).status).toBe(400);
    expect((await control("cells", { cells: ["x"], failing: ["x"], cause: 256 })).status).toBe(400);
    expect((await control("cells", { cells: ["x"], failing: ["x"], cause: 3 })).status).toBe(200);
    expect((await del(4371)).status).toBe(200);
    expect((await post(validMessage())).status).toBe(201);
    expect((await state()).active[0]?.cells).toEqual([{ cell: "x", peer: "bsc-sim", result: "failed", cause: 3 }]);
  });

  it("forgets everything on reset: messages, deletions, refusals, cells and failures", async () => {
    await control("cells", { cells: ["cell-a"] });
    expect((await post(validMessage())).status).toBe(201);
    expect((await del(4371)).status).toBe(200);
    expect((await post({})).status).toBe(400);
    await control("fail", { status: 500 });
    expect((await fetch(`${sim.url}/_sim/reset`, { method: "POST" })).status).toBe(204);
    expect(await state()).toEqual({ active: [], messages: [], deletions: [], refused: [], injected: [], cells: [], fail: null, vty_port: null });
    expect((await post(validMessage())).status).toBe(201);
    expect((await state()).messages[0]?.cells).toEqual([]);
  });

  it("is started by startSimulators on the port of CBC_URL, its VTY on CBC_VTY's, knowing the demo operator's cells", async () => {
    const freePort = () =>
      new Promise<number>((resolve) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const address = probe.address();
          probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
      });
    const port = await freePort();
    const vtyPort = await freePort();
    // The other services point elsewhere, so only the CBC simulator starts.
    const elsewhere = "http://services.example.invalid";
    const running = await startSimulators({
      CBC_URL: `http://127.0.0.1:${port}`,
      CBC_VTY: `127.0.0.1:${vtyPort}`,
      GEOCODING_API_BASE: elsewhere,
      MAILJET_API_BASE: elsewhere,
      CGRATES_URL: elsewhere,
      STRIPE_API_BASE: elsewhere,
      SMS_GATEWAY_URL: elsewhere,
      WEBHOOK_RECEIVER_URL: elsewhere,
    });
    try {
      expect(running.map((s) => [s.name, s.port])).toEqual([["cbc", port]]);
      const response = await fetch(`http://127.0.0.1:${port}/api/ecbe/v1/message/1`, { method: "DELETE" });
      expect(response.status).toBe(404);
      const started = (await (await fetch(`http://127.0.0.1:${port}/_sim/state`)).json()) as { vty_port: number; cells: { cell: string; peer: string }[] };
      expect(started.vty_port).toBe(vtyPort);
      // The 30 cells of worker/domain/demo/inventory.ts: ten sites of three sectors, 4G (TAC) behind the MME.
      expect(started.cells).toHaveLength(30);
      expect(started.cells.slice(0, 4).map((c) => [c.cell, c.peer])).toEqual([
        ["208-15-6901-20815001", "mme-sim"],
        ["208-15-6901-20815002", "mme-sim"],
        ["208-15-6901-20815003", "mme-sim"],
        ["208-15-6901-20815011", "mme-sim"],
      ]);
    } finally {
      await Promise.all(running.map((s) => s.close()));
    }
  });
});
