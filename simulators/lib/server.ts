import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type SimRequest = { method: string; url: URL; headers: IncomingMessage["headers"]; body: string };
/** `dropAfterMs`: answer nothing and close the connection after that delay (a timeout, as the client sees it). */
export type SimResponse = { status: number; body: unknown; headers?: Record<string, string>; dropAfterMs?: number };
export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export type RunningSimulator = { name: string; url: string; port: number; close: () => Promise<void> };

/**
 * A loopback HTTP server for a simulator. Every simulator offers `GET /_sim/state` (what it holds
 * or received) and `POST /_sim/reset`.
 */
export async function serve(name: string, port: number, handler: SimHandler, state: () => unknown, reset: () => void): Promise<RunningSimulator> {
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    let result: SimResponse;
    try {
      if (url.pathname === "/_sim/state" && req.method === "GET") result = { status: 200, body: state() };
      else if (url.pathname === "/_sim/reset" && req.method === "POST") {
        reset();
        result = { status: 204, body: null };
      } else result = await handler({ method: req.method ?? "GET", url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    } catch (error) {
      result = { status: 500, body: { error: String(error) } };
    }
    if (result.dropAfterMs !== undefined) {
      setTimeout(() => req.socket.destroy(), result.dropAfterMs).unref();
      return;
    }
    const payload = result.body === null ? "" : typeof result.body === "string" ? result.body : JSON.stringify(result.body);
    res.writeHead(result.status, { "Content-Type": "application/json; charset=utf-8", ...result.headers });
    res.end(payload);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Held connections (dropAfterMs) and keep-alive sockets must not keep the server open.
        server.closeAllConnections();
      }),
  };
}
