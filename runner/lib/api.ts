import type { JOB_EVENT_STATUSES, JobEvent, JobResult, LeasedMessage } from "../../worker/domain/jobs/contract";
import { postJsonText } from "./http";

/**
 * HTTP client of the worker's runner API (`/runner/v1`, Cloudflare Queues pull semantics): lease
 * jobs, stream their events, report their result, acknowledge or give them back. Every failure is a
 * {@link RunnerApiError} telling a network problem (retry later) from an HTTP answer.
 */

/** The job contract the worker defines (job types, the leased message, events, results). */
export type { JobEvent, JobResult, JobType, LeasedMessage } from "../../worker/domain/jobs/contract";

/** Statuses of a task event. */
export type JobEventStatus = (typeof JOB_EVENT_STATUSES)[number];

/** A failed call: `network` (no HTTP answer, or a timeout) or `http` (an answer with a non-2xx status). */
export class RunnerApiError extends Error {
  override readonly name = "RunnerApiError";
  constructor(
    readonly kind: "network" | "http",
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }

  /** Worth trying again later: no answer, a 5xx, or 429. */
  get retryable(): boolean {
    return this.kind === "network" || this.status === null || this.status >= 500 || this.status === 429;
  }

  /** 409: the lease is no longer ours (the job was leased again or finished). */
  get leaseLost(): boolean {
    return this.status === 409;
  }
}

/** The runner API's calls. */
export type RunnerApi = {
  /** Leases up to `batchSize` (1–10) jobs for `visibilityMs`. */
  pull(batchSize: number, visibilityMs: number): Promise<LeasedMessage[]>;
  /** Appends events to a leased job; `extendMs` pushes its lease out. */
  events(jobId: string, leaseId: string, events: JobEvent[], extendMs: number | null): Promise<{ lease_expires_at: string | null; recorded: number }>;
  /** Reports a job's outcome (`duplicate: true` when it was already finished). */
  result(jobId: string, leaseId: string, result: JobResult): Promise<{ job: { id: string; status: string }; duplicate: boolean }>;
  /** Acknowledges leases (results posted) and gives others back to be leased again after `delay_seconds`. */
  ack(acks: string[], retries: { lease_id: string; delay_seconds: number }[]): Promise<{ acked: number; retried: number }>;
};

/** Options of {@link createRunnerApi}. */
export type RunnerApiOptions = {
  /** The worker's origin (`https://bss.example.com`) or the runner API base (`…/runner/v1`). */
  url: string;
  /** The runner key (`Authorization: Bearer …`). */
  key: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
};

/** `…/runner/v1` for a worker origin or an API base, without a trailing slash. */
export function runnerApiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/runner/v1") ? trimmed : `${trimmed}/runner/v1`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the shape of one pulled message (a malformed one is refused rather than half-run). */
function asMessage(value: unknown): LeasedMessage {
  if (
    !isRecord(value) ||
    typeof value.lease_id !== "string" ||
    typeof value.id !== "string" ||
    typeof value.attempts !== "number" ||
    !isRecord(value.body) ||
    typeof value.body.job_id !== "string" ||
    !isRecord(value.body.extra_vars) ||
    !(typeof value.body.playbook === "string" || value.body.playbook === null)
  ) {
    throw new RunnerApiError("http", "pull: malformed message in the answer", 200);
  }
  return value as LeasedMessage;
}

/** Creates the runner API client. The key only ever goes in the Authorization header. */
export function createRunnerApi(options: RunnerApiOptions): RunnerApi {
  const base = runnerApiBase(options.url);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function post(path: string, body: unknown): Promise<unknown> {
    const headers = { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${options.key}` };
    const { res, text } = await postJsonText(
      doFetch,
      `${base}${path}`,
      headers,
      body,
      timeoutMs,
      (failure) => new RunnerApiError("network", `${path}: ${failure.message}`),
    );
    let parsed: unknown = null;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.status < 200 || res.status >= 300) {
      const detail = isRecord(parsed) ? (parsed.detail ?? parsed.title ?? parsed.error) : null;
      const reason = typeof detail === "string" ? detail : text.slice(0, 200);
      throw new RunnerApiError("http", `${path}: HTTP ${res.status}${reason ? ` ${reason}` : ""}`, res.status);
    }
    if (!isRecord(parsed)) throw new RunnerApiError("http", `${path}: the answer is not a JSON object`, res.status);
    return parsed;
  }

  return {
    async pull(batchSize, visibilityMs) {
      const reply = (await post("/jobs/pull", { batch_size: batchSize, visibility_timeout_ms: visibilityMs })) as { messages?: unknown };
      if (!Array.isArray(reply.messages)) throw new RunnerApiError("http", "/jobs/pull: no messages in the answer", 200);
      return reply.messages.map(asMessage);
    },
    async events(jobId, leaseId, events, extendMs) {
      const body: Record<string, unknown> = { lease_id: leaseId, events };
      if (extendMs !== null) body.extend_ms = extendMs;
      const reply = (await post(`/jobs/${encodeURIComponent(jobId)}/events`, body)) as { lease_expires_at?: unknown; recorded?: unknown };
      return {
        lease_expires_at: typeof reply.lease_expires_at === "string" ? reply.lease_expires_at : null,
        recorded: typeof reply.recorded === "number" ? reply.recorded : 0,
      };
    },
    async result(jobId, leaseId, result) {
      const reply = (await post(`/jobs/${encodeURIComponent(jobId)}/result`, { lease_id: leaseId, ...result })) as { job?: unknown; duplicate?: unknown };
      const job = isRecord(reply.job) ? reply.job : {};
      return { job: { id: String(job.id ?? jobId), status: String(job.status ?? "") }, duplicate: reply.duplicate === true };
    },
    async ack(acks, retries) {
      const reply = (await post("/jobs/ack", { acks: acks.map((lease_id) => ({ lease_id })), retries })) as { acked?: unknown; retried?: unknown };
      return { acked: Number(reply.acked ?? 0), retried: Number(reply.retried ?? 0) };
    },
  };
}
