/** Reading osmo-cbc's per-cell results from its VTY: the exact text, and a real telnet session with the simulator. */
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCbcSimulator } from "../../simulators/cbc/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { parseShowMessage, queryCbcMessage, vtyAddress } from "./cbc-vty";

/** osmo-cbc's answer to `show message id 4660` (src/cbc_vty.c), with the VTY's echo of the command and CR LF line ends. */
const SAMPLE = [
  "show message id 4660",
  "Message ID 1234, Serial Number 3000, State: ACTIVE",
  " Created by CBE 'open-bss' at Sun Jan 24 11:10:31 2021",
  " Repetition Period: 10 (18.83s), Number of broadcasts: 0",
  " Warning Period: 4294967295s",
  " DCS: 0x0f, Number of pages: 1, User Data Bytes: 9",
  ` Page 0: ${"e8329bfd4697d9ec37".padEnd(164, "0")}`,
  " Peer: 'bsc-1', State: ACTIVE",
  "  Cells Installed:",
  "   CGI 901-70-1-1234",
  "   CI 77",
  "  Cells Failed:",
  "   CGI 901-70-1-1235 (cause=10)",
  "  Number of Broadcasts Completed:",
  "   CGI 901-70-1-1234 (3/0)",
  "   CI 77 (2/0)",
  " Peer: 'mme-1', State: ACTIVE",
  "  Cells Installed:",
  "  Cells Failed:",
  "   CGI 208-15-6901-20815001 (cause=4)",
  "  Number of Broadcasts Completed:",
  "",
].join("\r\n");

describe("parseShowMessage", () => {
  it("reads the message and, per peer, the cells installed, failed (with the CBSP cause) and their broadcasts", () => {
    expect(parseShowMessage(SAMPLE)).toEqual({
      message_id: 0x1234,
      serial_nr: 0x3000,
      state: "ACTIVE",
      peers: [
        {
          peer: "bsc-1",
          state: "ACTIVE",
          installed: ["1234", "77"],
          failed: [{ cell: "1235", cause: 10 }],
          completed: [
            { cell: "1234", done: 3, of: 0 },
            { cell: "77", done: 2, of: 0 },
          ],
        },
        { peer: "mme-1", state: "ACTIVE", installed: [], failed: [{ cell: "20815001", cause: 4 }], completed: [] },
      ],
    });
  });

  it("answers null for a message osmo-cbc does not know, and refuses text that is no answer", () => {
    expect(parseShowMessage("show message id 7\r\nUnknown Messsage ID 7\r\n")).toBeNull();
    expect(() => parseShowMessage("% Unknown command.\r\n")).toThrow(/not an answer/);
  });

  it("takes host:port addresses only", () => {
    expect(vtyAddress("127.0.0.1:4264")).toEqual({ host: "127.0.0.1", port: 4264 });
    expect(vtyAddress("[::1]:4264")).toEqual({ host: "::1", port: 4264 });
    expect(() => vtyAddress("cbc.example")).toThrow(/host:port/);
  });
});

describe("queryCbcMessage against the simulator's VTY", () => {
  let sim: RunningSimulator & { vtyPort: number | null };
  let silent: Server;
  let silentPort = 0;
  const held: Socket[] = [];
  beforeAll(async () => {
    sim = await startCbcSimulator(0, { vtyPort: 0 });
    // Accepts the connection and never shows a prompt.
    silent = createServer((socket) => held.push(socket)).listen(0, "127.0.0.1");
    await new Promise((r) => silent.once("listening", r));
    const address = silent.address();
    silentPort = typeof address === "object" && address ? address.port : 0;
  });
  afterAll(async () => {
    await sim.close();
    for (const socket of held) socket.destroy();
    await new Promise((r) => silent.close(r));
  });

  it("logs in, asks, reads up to the next prompt and leaves", async () => {
    await fetch(`${sim.url}/_sim/cells`, {
      method: "POST",
      body: JSON.stringify({ cells: [{ mcc: "208", mnc: "15", tac: 6901, cell_id: 20815001 }, "99"], failing: ["99"], cause: 2 }),
    });
    const sent = await fetch(`${sim.url}/api/ecbe/v1/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        cbe_name: "open-bss",
        repetition_period: 30,
        num_of_bcast: 5,
        scope: { scope_plmn: {} },
        smscb_message: { message_id: 4380, serial_nr: { serial_nr_encoded: 17 }, payload: { payload_decoded: { character_set: "gsm", data_utf8: "Test" } } },
      }),
    });
    expect(sent.status).toBe(201);
    const address = `127.0.0.1:${sim.vtyPort}`;
    expect(await queryCbcMessage(address, 4380, 5_000)).toEqual({
      message_id: 4380,
      serial_nr: 17,
      state: "ACTIVE",
      peers: [
        { peer: "mme-sim", state: "ACTIVE", installed: ["20815001"], failed: [], completed: [{ cell: "20815001", done: 1, of: 5 }] },
        { peer: "bsc-sim", state: "ACTIVE", installed: [], failed: [{ cell: "99", cause: 2 }], completed: [] },
      ],
    });
    expect(await queryCbcMessage(address, 4381, 5_000)).toBeNull();
  });

  it("rejects when the VTY is not there or does not answer in time", async () => {
    await expect(queryCbcMessage(`127.0.0.1:${silentPort}`, 1, 300)).rejects.toThrow(/did not answer within 300 ms/);
    silent.close();
    await expect(queryCbcMessage(`127.0.0.1:${silentPort}`, 1, 2_000)).rejects.toThrow(/cannot be reached/);
  });
});
