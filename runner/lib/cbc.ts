/**
 * The runner's side of cell broadcast: the ECBE REST API of the Osmocom CBC (`CBC_URL`). The worker
 * gives each job the exact request bodies; this sends them. `send`: POST each message — 201 is sent;
 * 409 ("Could not allocate": the message id is already active) after an earlier attempt means that
 * attempt went through, so it counts as sent. `stop`: DELETE each message id — 404 means it is
 * already gone. Any other 4xx fails the job with the CBC's words; a 5xx or no answer throws, so the
 * job is retried.
 *
 * Per-cell results come from osmo-cbc's VTY (`CBC_VTY`, host:port; its REST API has no read): after a
 * send, and for `status` (no HTTP at all), `show message id N` for each message gives, per peer, the
 * cells installed, failed (CBSP cause) and their broadcasts completed. A send whose results cannot be
 * read stays sent (`cells_error`); a status job whose every read fails throws, so it is retried.
 */
import { type CbcMessageCells, queryCbcMessage } from "./cbc-vty";

/** What a read of the VTY gave: the cells, or why they could not be read. */
export type CbcCellsRead = { cells?: CbcMessageCells; cells_error?: string };
export type CbcCallResult = { message_id: number; status: "sent" | "already_active" | "stopped" | "already_gone"; http_status: number } & CbcCellsRead;
/** `status`: active (with its cells), unknown to the CBC (never sent, stopped or expired), or unreachable (`cells_error`). */
export type CbcStatusResult = { message_id: number; status: "active" | "unknown" | "unreachable" } & CbcCellsRead;
export type CbcJob = {
  action: "send" | "stop" | "status";
  messages?: { smscb_message: { message_id: number } }[];
  message_ids?: number[];
  /** A send that updates an alert: the message ids on air to delete first (the CBC refuses an active id). */
  replaces?: number[];
};
type Step = <T>(task: string, work: () => Promise<T>, message: (value: T) => string) => Promise<T>;

/** Options of {@link runCbcJob}. */
export type CbcJobOptions = {
  fetch?: typeof fetch;
  /** Per ECBE request (default 30 s). */
  timeoutMs?: number;
  /** The VTY's host:port (`CBC_VTY`); without it a send reports no cells and a status job cannot run. */
  vtyAddress?: string | null;
  /** Per VTY query (default 10 s). */
  vtyTimeoutMs?: number;
};

export class CbcRefused extends Error {
  override readonly name = "CbcRefused";
}

/** One line about a message's cells, for the job's events. */
function describeCells(read: CbcCellsRead): string {
  if (!read.cells) return `not read: ${read.cells_error ?? "unknown to the CBC"}`;
  const count = (pick: (p: CbcMessageCells["peers"][number]) => unknown[]) => read.cells?.peers.reduce((n, p) => n + pick(p).length, 0) ?? 0;
  return `${count((p) => p.installed)} cells installed, ${count((p) => p.failed)} failed, at ${read.cells.peers.length} peers`;
}

/** `show message id` through `step`; a VTY that cannot be reached gives `cells_error` instead of failing the step. */
async function readCells(vtyAddress: string, id: number, step: Step, timeoutMs: number): Promise<CbcCellsRead & { known: boolean }> {
  return step(
    `Read cell results for message ${id}`,
    async () => {
      try {
        const cells = await queryCbcMessage(vtyAddress, id, timeoutMs);
        return cells ? { known: true, cells } : { known: false };
      } catch (error) {
        return { known: false, cells_error: error instanceof Error ? error.message : String(error) };
      }
    },
    describeCells,
  );
}

/** Sends, stops or reads (`status`) a broadcast job's messages; each call reported through `step`. */
export async function runCbcJob(cbcUrl: string, job: CbcJob, step: Step, options: CbcJobOptions = {}): Promise<(CbcCallResult | CbcStatusResult)[]> {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const vty = options.vtyAddress ?? null;
  const vtyTimeoutMs = options.vtyTimeoutMs ?? 10_000;
  if (job.action === "status") {
    if (!vty) throw new CbcRefused("the CBC's VTY is not configured on this runner (CBC_VTY): no per-cell results to read");
    const statuses: CbcStatusResult[] = [];
    for (const id of job.message_ids ?? []) {
      const { known, ...read } = await readCells(vty, id, step, vtyTimeoutMs);
      statuses.push({ message_id: id, status: read.cells_error ? "unreachable" : known ? "active" : "unknown", ...read });
    }
    const failed = statuses.filter((r) => r.cells_error);
    if (failed.length > 0 && failed.length === statuses.length) throw new Error(failed[0]?.cells_error ?? "the CBC's VTY cannot be reached");
    return statuses;
  }
  const base = cbcUrl.replace(/\/+$/, "");
  const results: CbcCallResult[] = [];
  const call = async (method: "POST" | "DELETE", path: string, body?: unknown) => {
    // The real CBC answers once its BSCs/MMEs have (or after its own 15 s timeout): wait longer than that.
    const response = await fetchImpl(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = (await response.text()).slice(0, 500);
    if (response.status >= 500) throw new Error(`the CBC answered ${response.status}: ${text}`);
    return { status: response.status, text };
  };
  const stopMessages = async (ids: number[]) => {
    const stopped: CbcCallResult[] = [];
    for (const id of ids) {
      const done = await step(
        `Stop message ${id} at the CBC`,
        async () => {
          const { status, text } = await call("DELETE", `/api/ecbe/v1/message/${id}`);
          if (status === 200 || status === 204) return { message_id: id, status: "stopped" as const, http_status: status };
          if (status === 404) return { message_id: id, status: "already_gone" as const, http_status: status };
          throw new CbcRefused(`the CBC refused to stop message ${id} (${status}): ${text}`);
        },
        (r) => (r.status === "stopped" ? "stopped" : "not active at the CBC"),
      );
      stopped.push(done);
    }
    return stopped;
  };
  if (job.action === "send") {
    // An update: the messages of the alert it replaces go first (same ids are refused while active).
    await stopMessages(job.replaces ?? []);
    for (const message of job.messages ?? []) {
      const id = message.smscb_message.message_id;
      const done = await step(
        `Send message ${id} to the CBC`,
        async () => {
          const { status, text } = await call("POST", "/api/ecbe/v1/message", message);
          if (status === 201 || status === 200) return { message_id: id, status: "sent" as const, http_status: status };
          if (status === 409) return { message_id: id, status: "already_active" as const, http_status: status };
          throw new CbcRefused(`the CBC refused message ${id} (${status}): ${text}`);
        },
        (r) => (r.status === "sent" ? "sent" : "already active (an earlier attempt sent it)"),
      );
      results.push(done);
    }
    if (!vty) return results;
    for (const result of results) {
      const { known, ...read } = await readCells(vty, result.message_id, step, vtyTimeoutMs);
      Object.assign(result, known || read.cells_error ? read : { cells_error: `the CBC does not know message ${result.message_id}` });
    }
    return results;
  }
  return stopMessages(job.message_ids ?? []);
}
