/** The runner's CBC calls against the strict ECBE simulator, with the requests the worker builds. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCbcSimulator } from "../../simulators/cbc/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { ecbeMessage } from "../../worker/lib/cell-broadcast/ecbe";
import { cbsTextSize } from "../../worker/lib/cell-broadcast/encoding";
import { CbcRefused, runCbcJob } from "./cbc";

let sim: RunningSimulator & { vtyPort: number | null };
let vty = "";
beforeAll(async () => {
  sim = await startCbcSimulator(0, { vtyPort: 0 });
  vty = `127.0.0.1:${sim.vtyPort}`;
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

const state = async () => (await (await fetch(`${sim.url}/_sim/state`)).json()) as { active: unknown[]; messages: unknown[]; deletions: unknown[] };
const events: string[] = [];
const step = async <T>(task: string, work: () => Promise<T>, describe: (v: T) => string) => {
  const value = await work();
  events.push(`${task}: ${describe(value)}`);
  return value;
};

/** An alert in French (GSM 7-bit) and English with an emoji (UCS-2), as the worker prepares them. */
function messages() {
  const alert = { repetitionPeriod: 30, numOfBcast: 0, msgCode: 517, updateNr: 0 };
  return [
    { language: "fr", text: "Alerte inondation : montez aux étages.", messageId: 4394 },
    { language: "en", text: "Flood alert: go upstairs now ⚠", messageId: 4381 },
  ].map((m) => ecbeMessage(alert, { ...m, encoding: cbsTextSize(m.text).encoding }));
}

describe("runner → CBC (ECBE)", () => {
  it("sends each language as an ECBE message the strict simulator accepts, then stops them", async () => {
    const bodies = messages();
    const sent = await runCbcJob(sim.url, { action: "send", messages: bodies, message_ids: [] }, step);
    expect(sent.map((r) => [r.message_id, r.status])).toEqual([
      [4394, "sent"],
      [4381, "sent"],
    ]);
    // The other side: exactly what we sent, encodings chosen per text.
    type Recorded = { request: { smscb_message: { message_id: number; payload: { payload_decoded: { character_set: string } } } } };
    const after = (await state()) as unknown as { active: Recorded[] };
    expect(after.active.map((m) => [m.request.smscb_message.message_id, m.request.smscb_message.payload.payload_decoded.character_set])).toEqual([
      [4394, "gsm"],
      [4381, "ucs2"],
    ]);
    // A repeat after a lost answer finds them active: counted as sent, nothing doubled.
    const again = await runCbcJob(sim.url, { action: "send", messages: bodies, message_ids: [] }, step);
    expect(again.map((r) => r.status)).toEqual(["already_active", "already_active"]);
    expect((await state()).messages).toHaveLength(2);
    const stopped = await runCbcJob(sim.url, { action: "stop", messages: [], message_ids: [4394, 4381, 4399] }, step);
    expect(stopped.map((r) => r.status)).toEqual(["stopped", "stopped", "already_gone"]);
    expect((await state()).active).toEqual([]);
  });

  it("sends an update by deleting the replaced messages first: the CBC holds the new serial number only", async () => {
    await runCbcJob(sim.url, { action: "send", messages: messages(), message_ids: [] }, step);
    const update = messages().map((m) => ({
      ...m,
      smscb_message: { ...m.smscb_message, serial_nr: { serial_nr_decoded: { ...m.smscb_message.serial_nr.serial_nr_decoded, update_nr: 1 } } },
    }));
    // Without the replacement the CBC refuses the active ids (they count as already sent).
    const sent = await runCbcJob(sim.url, { action: "send", messages: update, message_ids: [], replaces: [4394, 4381] }, step);
    expect(sent.map((r) => r.status)).toEqual(["sent", "sent"]);
    type Active = { request: { smscb_message: { message_id: number; serial_nr: { serial_nr_decoded: { update_nr: number } } } } };
    const active = (await state()).active as Active[];
    expect(active.map((m) => [m.request.smscb_message.message_id, m.request.smscb_message.serial_nr.serial_nr_decoded.update_nr])).toEqual([
      [4394, 1],
      [4381, 1],
    ]);
    expect((await state()).deletions).toHaveLength(2);
  });

  it("fails on a refusal with the CBC's words, and throws on a 5xx so the job is tried again", async () => {
    const bad = messages()[0];
    if (!bad) throw new Error("no message");
    bad.repetition_period = 5000;
    await expect(runCbcJob(sim.url, { action: "send", messages: [bad], message_ids: [] }, step)).rejects.toBeInstanceOf(CbcRefused);
    await fetch(`${sim.url}/_sim/fail`, { method: "POST", body: JSON.stringify({ status: 503, count: 1 }) });
    const error = await runCbcJob(sim.url, { action: "send", messages: messages(), message_ids: [] }, step).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(CbcRefused);
    expect(String(error)).toContain("503");
  });

  it("reads each sent message's per-cell results from the VTY: a failing cell with its CBSP cause", async () => {
    const configured = await fetch(`${sim.url}/_sim/cells`, {
      method: "POST",
      body: JSON.stringify({
        cells: [
          { mcc: "208", mnc: "15", tac: 6901, cell_id: 20815001 },
          { mcc: "208", mnc: "15", tac: 6901, cell_id: 20815002 },
        ],
        failing: ["208-15-6901-20815002"],
      }),
    });
    expect(configured.status).toBe(200);
    events.length = 0;
    const sent = await runCbcJob(sim.url, { action: "send", messages: messages(), message_ids: [] }, step, { vtyAddress: vty });
    // Serial number 0x6050: PLMN-wide (01), message code 517, update 0.
    const peer = {
      peer: "mme-sim",
      state: "ACTIVE",
      installed: ["20815001"],
      failed: [{ cell: "20815002", cause: 10 }],
      completed: [{ cell: "20815001", done: 1, of: 0 }],
    };
    expect(sent).toEqual([
      { message_id: 4394, status: "sent", http_status: 201, cells: { message_id: 4394, serial_nr: 0x6050, state: "ACTIVE", peers: [peer] } },
      { message_id: 4381, status: "sent", http_status: 201, cells: { message_id: 4381, serial_nr: 0x6050, state: "ACTIVE", peers: [peer] } },
    ]);
    expect(events).toContain("Read cell results for message 4394: 1 cells installed, 1 failed, at 1 peers");

    // status: only the VTY — active with its cells, or unknown once stopped.
    await runCbcJob(sim.url, { action: "stop", messages: [], message_ids: [4381] }, step);
    const status = await runCbcJob("", { action: "status", message_ids: [4394, 4381] }, step, { vtyAddress: vty });
    expect(status).toEqual([
      { message_id: 4394, status: "active", cells: { message_id: 4394, serial_nr: 0x6050, state: "ACTIVE", peers: [peer] } },
      { message_id: 4381, status: "unknown" },
    ]);
    await expect(runCbcJob("", { action: "status", message_ids: [4394] }, step)).rejects.toBeInstanceOf(CbcRefused);
  });

  it("keeps a send sent when the VTY cannot be reached (cells_error); a status job then throws, to be tried again", async () => {
    const closed = await startCbcSimulator(0, { vtyPort: 0 });
    const nowhere = `127.0.0.1:${closed.vtyPort}`;
    await closed.close();
    const sent = await runCbcJob(sim.url, { action: "send", messages: messages().slice(0, 1), message_ids: [] }, step, {
      vtyAddress: nowhere,
      vtyTimeoutMs: 2_000,
    });
    expect(sent).toEqual([{ message_id: 4394, status: "sent", http_status: 201, cells_error: expect.stringContaining("cannot be reached") }]);
    expect((await state()).active).toHaveLength(1);
    const status = runCbcJob("", { action: "status", message_ids: [4394] }, step, { vtyAddress: nowhere, vtyTimeoutMs: 2_000 });
    await expect(status).rejects.toThrow(/cannot be reached/);
    await expect(status).rejects.not.toBeInstanceOf(CbcRefused);
  });
});
