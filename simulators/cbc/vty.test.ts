/** The CBC simulator's VTY over a real TCP connection: osmo-cbc's exact text for per-cell results. */
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { type SimCbcMessage, startCbcSimulator } from "./server";
import { ctime } from "./vty";

/** Two 2G cells of a BSC, a 4G cell of an MME (its TAC printed in the LAC's place) and a cell known by its CI only. */
const CELLS = [
  { mcc: "901", mnc: "70", lac: 1, cell_id: 1234 },
  { mcc: "901", mnc: "70", lac: 1, cell_id: 1235 },
  { mcc: "208", mnc: "15", tac: 6901, cell_id: 20815001 },
  "4711",
];
let sim: RunningSimulator & { vtyPort: number | null };
let clock = new Date();
beforeAll(async () => {
  sim = await startCbcSimulator(0, {
    vtyPort: 0,
    cells: CELLS,
    now: () => clock,
  });
});
afterAll(() => sim.close());
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
});

/** Types `lines` into the VTY at once and returns everything it sent until it closed the connection. */
function session(lines: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(sim.vtyPort ?? 0, "127.0.0.1", () => socket.write(Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "latin1")));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

const post = (body: unknown) =>
  fetch(`${sim.url}/api/ecbe/v1/message`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const active = async () => ((await (await fetch(`${sim.url}/_sim/state`)).json()) as { active: SimCbcMessage[] }).active;

/** Message 4371 (0x1113), serial 0x4051, twice 1 octet of data, three broadcasts every 10 × 1.883 s. */
const message = {
  cbe_name: "open-bss",
  category: "high_priority",
  repetition_period: 10,
  num_of_bcast: 3,
  warning_period_sec: 5,
  scope: { scope_plmn: {} },
  smscb_message: { message_id: 4371, serial_nr: { serial_nr_encoded: 0x4051 }, payload: { payload_encoded: { dcs: 0x0f, pages: ["c8", "AB"] } } },
};
const page = (octet: string) => octet.padEnd(164, "0");

describe("CBC simulator VTY", () => {
  it("shows a message's cells per peer: installed, failed with their CBSP cause, broadcasts completed", async () => {
    expect((await fetch(`${sim.url}/_sim/state`).then((r) => r.json())).vty_port).toBe(sim.vtyPort);
    const configured = await fetch(`${sim.url}/_sim/cells`, {
      method: "POST",
      body: JSON.stringify({
        cells: CELLS,
        failing: ["901-70-1-1235"],
      }),
    });
    expect(configured.status).toBe(200);
    expect((await post(message)).status).toBe(201);
    const created = new Date((await active())[0]?.received_at ?? "");
    clock = new Date(created.getTime() + 20_000);
    const text = (await session(["show message id 4371", "show messages cbs", "exit"])).toString("latin1");
    const shown = [
      "Message ID 1113, Serial Number 4051, State: ACTIVE",
      ` Created by CBE 'open-bss' at ${ctime(created)}`,
      " Repetition Period: 10 (18.83s), Number of broadcasts: 3",
      " Warning Period: 5s",
      " DCS: 0x0f, Number of pages: 2, User Data Bytes: 2",
      ` Page 0: ${page("c8")}`,
      ` Page 1: ${page("ab")}`,
      " Peer: 'bsc-sim', State: ACTIVE",
      "  Cells Installed:",
      "   CGI 901-70-1-1234",
      "   CI 4711",
      "  Cells Failed:",
      "   CGI 901-70-1-1235 (cause=10)",
      "  Number of Broadcasts Completed:",
      "   CGI 901-70-1-1234 (2/3)",
      "   CI 4711 (2/3)",
      " Peer: 'mme-sim', State: ACTIVE",
      "  Cells Installed:",
      "   CGI 208-15-6901-20815001",
      "  Cells Failed:",
      "  Number of Broadcasts Completed:",
      "   CGI 208-15-6901-20815001 (2/3)",
    ];
    const table = [
      "|MsgId|SerNo|      CBE Name      |  Category   |Period|E|DCS|",
      "|-----|-----|--------------------|-------------|------|-|---|",
      "| 1113| 4051|open-bss            |High Priority|  10  |N| 0f|",
    ];
    const welcome = "\xff\xfb\x01\xff\xfb\x03\xff\xfe\x22Welcome to the OsmoCBC VTY interface\r\n\r\nOsmoCBC> ";
    const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join("");
    expect(text).toBe(`${welcome}show message id 4371\r\n${crlf(shown)}OsmoCBC> show messages cbs\r\n${crlf(table)}OsmoCBC> exit\r\n`);
    // No more than num_of_bcast, however long it has been on air.
    clock = new Date(created.getTime() + 3_600_000);
    expect((await session(["show message id 4371", "exit"])).toString("latin1")).toContain("   CI 4711 (3/3)\r\n");
  });

  it("counts without end for a message broadcast until deleted, and forgets a deleted message", async () => {
    expect((await post({ ...message, repetition_period: 1, num_of_bcast: 0 })).status).toBe(201);
    const created = new Date((await active())[0]?.received_at ?? "");
    clock = new Date(created.getTime() + 10_000);
    // 1 at once, then one per 1.883 s: 1 + ⌊10 / 1.883⌋ = 6.
    const live = (await session(["show message id 4371", "exit"])).toString("latin1");
    expect(live).toContain(" Repetition Period: 1 ( 1.88s), Number of broadcasts: 0\r\n");
    expect(live).toContain("   CGI 901-70-1-1234 (6/0)\r\n");
    expect((await fetch(`${sim.url}/api/ecbe/v1/message/4371`, { method: "DELETE" })).status).toBe(200);
    const gone = (await session(["show message id 4371", "exit"])).toString("latin1");
    expect(gone).toContain("OsmoCBC> show message id 4371\r\nUnknown Messsage ID 4371\r\nOsmoCBC> exit\r\n");
  });

  it("answers an unknown command, ignores telnet negotiation, and closes on quit", async () => {
    const text = (await session(["\xff\xfd\x01\xff\xfa\x18\x00xterm\xff\xf0show bogus", "show message id 70000", "", "quit"])).toString("latin1");
    const typed = text.slice(text.indexOf("OsmoCBC> ") + "OsmoCBC> ".length);
    expect(typed).toBe("show bogus\r\n% Unknown command.\r\nOsmoCBC> show message id 70000\r\n% Unknown command.\r\nOsmoCBC> \r\nOsmoCBC> quit\r\n");
  });
});
