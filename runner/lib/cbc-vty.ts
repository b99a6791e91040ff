import { connect } from "node:net";

/**
 * osmo-cbc's VTY (telnet; its default port is 4264), where it reports what each peer (BSC over CBSP,
 * MME over SBc-AP) did with a message: `show message id N` (src/cbc_vty.c). Its REST API has no read.
 */

export type CbcPeerCells = {
  peer: string;
  state: string;
  /** Cell ids (the CI of "CGI mcc-mnc-lac-ci" or "CI n"), as the inventory's cell_id. */
  installed: string[];
  failed: { cell: string; cause: number }[];
  completed: { cell: string; done: number; of: number }[];
};
export type CbcMessageCells = { message_id: number; serial_nr: number; state: string; peers: CbcPeerCells[] };

/** The cell id of osmo-cbc's cell text: the last part of "CGI mcc-mnc-lac-ci", the n of "CI n", else the text. */
function cellId(text: string): string {
  const cgi = /^CGI \d+-\d+-\d+-(\d+)$/.exec(text);
  if (cgi?.[1]) return cgi[1];
  const ci = /^CI (\S+)$/.exec(text);
  return ci?.[1] ?? text;
}

/** Reads the answer to `show message id N`; null when osmo-cbc does not know the message ("Unknown Messsage ID"). */
export function parseShowMessage(text: string): CbcMessageCells | null {
  const lines = text.split(/\r?\n/);
  if (lines.some((l) => /^Unknown Messs?age ID \d+/.test(l.trim()))) return null;
  let message: CbcMessageCells | null = null;
  let peer: CbcPeerCells | null = null;
  let section: "installed" | "failed" | "completed" | null = null;
  for (const line of lines) {
    const head = /^Message ID ([0-9A-Fa-f]+), Serial Number ([0-9A-Fa-f]+), State: (\S+)/.exec(line);
    if (head) {
      message = { message_id: Number.parseInt(head[1] ?? "", 16), serial_nr: Number.parseInt(head[2] ?? "", 16), state: head[3] ?? "", peers: [] };
      continue;
    }
    if (!message) continue;
    const peerLine = /^ Peer: '(.*)', State: (\S+)/.exec(line);
    if (peerLine) {
      peer = { peer: peerLine[1] ?? "", state: peerLine[2] ?? "", installed: [], failed: [], completed: [] };
      message.peers.push(peer);
      section = null;
      continue;
    }
    if (!peer) continue;
    const title = line.trim();
    if (title === "Cells Installed:") section = "installed";
    else if (title === "Cells Failed:") section = "failed";
    else if (title === "Number of Broadcasts Completed:") section = "completed";
    else if (section === "installed" && title) peer.installed.push(cellId(title));
    else if (section === "failed") {
      const failed = /^(.*) \(cause=(-?\d+)\)$/.exec(title);
      if (failed) peer.failed.push({ cell: cellId(failed[1] ?? ""), cause: Number(failed[2]) });
    } else if (section === "completed") {
      const done = /^(.*) \((\d+)\/(\d+)\)$/.exec(title);
      if (done) peer.completed.push({ cell: cellId(done[1] ?? ""), done: Number(done[2]), of: Number(done[3]) });
    }
  }
  if (!message) throw new Error(`not an answer to show message id: ${JSON.stringify(text.slice(0, 200))}`);
  return message;
}

/** Telnet commands (IAC x y; IAC SB … IAC SE) are not text; IAC IAC is the octet 0xFF. */
export function stripTelnet(data: Buffer): string {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] ?? 0;
    if (byte !== 0xff) out.push(byte);
    else if (data[i + 1] === 0xff) {
      out.push(0xff);
      i += 1;
    } else if (data[i + 1] === 0xfa) {
      const end = data.indexOf(Buffer.from([0xff, 0xf0]), i + 2);
      i = end < 0 ? data.length : end + 1;
    } else i += (data[i + 1] ?? 0) >= 0xfb ? 2 : 1;
  }
  return Buffer.from(out).toString("latin1");
}

const PROMPT = /\r?\n?[\w.-]+[>#] $/;

/** Splits "host:port" ("[::1]:4264" for IPv6). */
export function vtyAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`the CBC VTY address must be host:port (got ${JSON.stringify(address)})`);
  return { host: match[1], port };
}

/**
 * `show message id N` at osmo-cbc's VTY (`address`: host:port): waits for the prompt, sends the
 * command, reads up to the next prompt, says `exit`. Rejects when the VTY cannot be reached, closes
 * early or takes longer than `timeoutMs` in all.
 */
export function queryCbcMessage(address: string, messageId: number, timeoutMs = 10_000): Promise<CbcMessageCells | null> {
  const { host, port } = vtyAddress(address);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = "";
    let sent = false;
    let settled = false;
    const finish = (error: Error | null, value?: CbcMessageCells | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) socket.destroy();
      else socket.end("exit\r\n");
      if (error) reject(error);
      else resolve(value ?? null);
    };
    const timer = setTimeout(() => finish(new Error(`the CBC VTY at ${address} did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on("error", (error) => finish(new Error(`the CBC VTY at ${address} cannot be reached: ${error.message}`)));
    socket.on("close", () => finish(new Error(`the CBC VTY at ${address} closed the connection`)));
    socket.on("data", (chunk: Buffer) => {
      buffer += stripTelnet(chunk);
      if (!PROMPT.test(buffer)) return;
      if (!sent) {
        sent = true;
        buffer = "";
        socket.write(`show message id ${messageId}\r\n`);
        return;
      }
      try {
        finish(null, parseShowMessage(buffer.replace(PROMPT, "")));
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
