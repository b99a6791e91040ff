import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { stripTelnet } from "../../runner/lib/cbc-vty";

/**
 * osmo-cbc's VTY (telnet, port 4264 by default) as far as per-cell results go: `show message id <0-65535>`
 * and `show messages cbs`, with the text osmo-cbc's src/cbc_vty.c prints ("\r\n" line ends). On connect:
 * the telnet options (IAC WILL ECHO, IAC WILL SUPPRESS-GO-AHEAD, IAC DONT LINEMODE), the banner, a blank
 * line and the prompt "OsmoCBC> ". Each line typed is echoed (the VTY echoes in character mode), then
 * answered and followed by the prompt; anything else → "% Unknown command."; `exit`/`quit` closes.
 * No authentication, as osmo-cbc's VTY (it binds to loopback).
 */

/** One cell of a message: its VTY text ("CGI mcc-mnc-lac-ci" or "CI id"), its peer, and its failure cause (null: installed). */
export type VtyCell = { text: string; peer: string; cause: number | null };

/** What `show message id` prints of one active message. */
export type VtyMessage = {
  message_id: number;
  serial_nr: number;
  cbe_name: string;
  category: "normal" | "high_priority" | "background";
  repetition_period: number;
  num_of_bcast: number;
  warning_period_sec: number;
  etws: boolean;
  dcs: number;
  pages: string[];
  user_data_bytes: number;
  created: Date;
  cells: VtyCell[];
};

export type RunningVty = { port: number; close: () => Promise<void> };

const NL = "\r\n";
export const VTY_PROMPT = "OsmoCBC> ";
const TELNET_OPTIONS = Buffer.from([0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03, 0xff, 0xfe, 0x22]);
/** A repetition period counts in units of 1.883 s (TS 48.049 §8.2.8). */
export const REPETITION_UNIT_S = 1.883;
const CATEGORY_NAMES = { high_priority: "High Priority", background: "Background", normal: "Normal" } as const;

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** C's ctime() without its newline, in local time: "Sun Jan 24 11:10:31 2021". */
export function ctime(date: Date): string {
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][date.getDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date.getMonth()];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${day} ${month} ${String(date.getDate()).padStart(2, " ")} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`;
}

/** Broadcasts a cell has completed by `now`: one at once, then one per repetition period, up to num_of_bcast (0: no end). */
export function broadcastsCompleted(message: VtyMessage, now: Date): number {
  const elapsed = Math.max(0, (now.getTime() - message.created.getTime()) / 1000);
  const done = 1 + Math.floor(elapsed / (message.repetition_period * REPETITION_UNIT_S));
  return message.num_of_bcast === 0 ? done : Math.min(message.num_of_bcast, done);
}

/** The answer to `show message id N` for a known message. */
export function showMessage(message: VtyMessage, now: Date): string {
  const lines = [
    `Message ID ${hex4(message.message_id)}, Serial Number ${hex4(message.serial_nr)}, State: ACTIVE`,
    ` Created by CBE '${message.cbe_name}' at ${ctime(message.created)}`,
    ` Repetition Period: ${message.repetition_period} (${(message.repetition_period * REPETITION_UNIT_S).toFixed(2).padStart(5, " ")}s), Number of broadcasts: ${message.num_of_bcast}`,
    ` Warning Period: ${message.warning_period_sec}s`,
    ` DCS: 0x${hex2(message.dcs)}, Number of pages: ${message.pages.length}, User Data Bytes: ${message.user_data_bytes}`,
    ...message.pages.map((page, i) => ` Page ${i}: ${page}`),
  ];
  const peers = [...new Set(message.cells.map((c) => c.peer))];
  const done = broadcastsCompleted(message, now);
  for (const peer of peers) {
    const cells = message.cells.filter((c) => c.peer === peer);
    const installed = cells.filter((c) => c.cause === null);
    lines.push(
      ` Peer: '${peer}', State: ACTIVE`,
      "  Cells Installed:",
      ...installed.map((c) => `   ${c.text}`),
      "  Cells Failed:",
      ...cells.filter((c) => c.cause !== null).map((c) => `   ${c.text} (cause=${c.cause})`),
      "  Number of Broadcasts Completed:",
      ...installed.map((c) => `   ${c.text} (${done}/${message.num_of_bcast})`),
    );
  }
  return lines.map((l) => l + NL).join("");
}

/** The answer to `show messages cbs`: a table of the active CBS (not ETWS) messages. */
export function showMessagesCbs(messages: VtyMessage[]): string {
  const rows = messages
    .filter((m) => !m.etws)
    .map(
      (m) =>
        `| ${hex4(m.message_id)}| ${hex4(m.serial_nr)}|${m.cbe_name.padEnd(20, " ")}|${CATEGORY_NAMES[m.category].padEnd(13, " ")}|  ${String(m.repetition_period).padEnd(4, " ")}|N| ${hex2(m.dcs)}|`,
    );
  return ["|MsgId|SerNo|      CBE Name      |  Category   |Period|E|DCS|", "|-----|-----|--------------------|-------------|------|-|---|", ...rows]
    .map((l) => l + NL)
    .join("");
}

/** What the client typed: telnet commands out, CR NUL as a line end. */
const typed = (data: Buffer) => stripTelnet(data).replaceAll("\r\0", "\n").replaceAll("\0", "");

/** Starts the VTY on 127.0.0.1:port (0: any free port); `messages` gives the active messages at each command. */
export async function startCbcVty(port: number, messages: () => VtyMessage[], now: () => Date = () => new Date()): Promise<RunningVty> {
  const sockets = new Set<Socket>();
  const answer = (line: string): string | null => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    const command = words.join(" ");
    if (command === "") return "";
    if (command === "exit" || command === "quit") return null;
    if (command === "show messages cbs") return showMessagesCbs(messages());
    const id = /^show message id (\d{1,5})$/.exec(command);
    if (id && Number(id[1]) <= 65535) {
      const message = messages().find((m) => m.message_id === Number(id[1]));
      return message ? showMessage(message, now()) : `Unknown Messsage ID ${Number(id[1])}${NL}`;
    }
    return `% Unknown command.${NL}`;
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.write(Buffer.concat([TELNET_OPTIONS, Buffer.from(`Welcome to the OsmoCBC VTY interface${NL}${NL}${VTY_PROMPT}`, "latin1")]));
    let pending = "";
    socket.on("data", (data: Buffer) => {
      pending += typed(data);
      // A line ends with CR LF, LF, or CR followed by anything but LF (telnet's CR NUL); a CR last waits for what follows.
      const lineEnd = /\r\n|\n|\r(?=[^\n])/;
      for (let end = pending.search(lineEnd); end >= 0; end = pending.search(lineEnd)) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + (pending.startsWith("\r\n", end) ? 2 : 1));
        const reply = answer(line);
        if (reply === null) {
          socket.end(`${line}${NL}`);
          return;
        }
        socket.write(`${line}${NL}${reply}${VTY_PROMPT}`, "latin1");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
