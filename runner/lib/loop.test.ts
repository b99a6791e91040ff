import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startCgratesSimulator } from "../../simulators/cgrates/server";
import type { RunningSimulator } from "../../simulators/lib/server";
import { productCharging } from "../../worker/domain/charging/definition";
import { createRunnerApi, type JobEvent, type JobResult, type JobType, type LeasedMessage } from "./api";
import { aggregateUsage, costToMinor, createJobExecutor, type ExecutionContext, type JobExecutor, minorPerMajor, parseUsage } from "./executor";
import { createLogger } from "./log";
import { createRunnerLoop, type RunnerLoopOptions } from "./loop";
import { openCompletedRecord } from "./record";
import { requireAnsible } from "./test-helpers";

// ---------------------------------------------------------------------------------------------
// A small fake of the worker's runner API: in-memory jobs and leases, every call recorded.
// ---------------------------------------------------------------------------------------------

type FakeJob = {
  id: string;
  type: JobType;
  playbook: string | null;
  serviceId: string | null;
  extraVars: Record<string, unknown>;
  status: "ready" | "leased" | "succeeded" | "failed";
  leaseId: string | null;
  leaseExpiresAt: number;
  attempts: number;
  events: JobEvent[];
  result: JobResult | null;
};
type Call = { path: string; body: Record<string, unknown>; at: number; outcome: number | "network" };

class FakeRunnerApi {
  server: Server;
  url = "";
  jobs = new Map<string, FakeJob>();
  calls: Call[] = [];
  /** Requests answered by a dropped connection: a path suffix → how many more times (Infinity = until changed). */
  dropNext = new Map<string, number>();
  /** Every request answered by a dropped connection (the worker unreachable). */
  down = false;
  /** Event posts with more events than this fail with a 500 (like a store with a bound-parameter limit). */
  maxEventsPerPost = Number.POSITIVE_INFINITY;
  private leaseSeq = 0;

  constructor() {
    this.server = createServer((req, res) => {
      void this.read(req).then((body) => {
        const path = (req.url ?? "").replace(/^\/runner\/v1/, "");
        const call: Call = { path, body, at: Date.now(), outcome: 200 };
        this.calls.push(call);
        const suffix = [...this.dropNext.keys()].find((s) => path.endsWith(s));
        const left = suffix === undefined ? 0 : (this.dropNext.get(suffix) ?? 0);
        if (req.headers.authorization !== "Bearer test-key") {
          call.outcome = 401;
          res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ title: "Unauthorized" }));
          return;
        }
        if (this.down || (suffix !== undefined && left > 0)) {
          if (suffix !== undefined && left > 0) this.dropNext.set(suffix, left - 1);
          call.outcome = "network";
          req.socket.destroy();
          return;
        }
        const [status, reply] = this.handle(path, body);
        call.outcome = status;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(reply));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private read(req: IncomingMessage): Promise<Record<string, unknown>> {
    return new Promise((r) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (c: string) => {
        text += c;
      });
      req.on("end", () => r(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    });
  }

  add(id: string, opts: Partial<Pick<FakeJob, "type" | "playbook" | "serviceId" | "extraVars">> = {}): FakeJob {
    const job: FakeJob = {
      id,
      type: opts.type ?? "provision",
      playbook: opts.playbook === undefined ? "mobile_prepaid" : opts.playbook,
      serviceId: opts.serviceId === undefined ? `svc_${id}` : opts.serviceId,
      extraVars: opts.extraVars ?? { job: { id, type: opts.type ?? "provision", attempt: 0 } },
      status: "ready",
      leaseId: null,
      leaseExpiresAt: 0,
      attempts: 0,
      events: [],
      result: null,
    };
    this.jobs.set(id, job);
    return job;
  }

  job(id: string): FakeJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  /** Another runner took the job: the current lease is no longer valid. */
  stealLease(id: string): void {
    this.job(id).leaseId = `lse_stolen_${id}`;
  }

  /** Every lease runs out now (the runner died). */
  expireLeases(): void {
    for (const job of this.jobs.values()) if (job.status === "leased") job.leaseExpiresAt = 0;
  }

  callsTo(suffix: string): Call[] {
    return this.calls.filter((c) => c.path.endsWith(suffix));
  }

  private byLease(leaseId: unknown): FakeJob | undefined {
    return [...this.jobs.values()].find((j) => j.leaseId === leaseId && j.status === "leased");
  }

  private handle(path: string, body: Record<string, unknown>): [number, unknown] {
    const now = Date.now();
    if (path === "/jobs/pull") {
      const size = Number(body.batch_size ?? 1);
      const visibility = Number(body.visibility_timeout_ms ?? 120_000);
      const messages: LeasedMessage[] = [];
      for (const job of this.jobs.values()) {
        if (messages.length >= size) break;
        if (!(job.status === "ready" || (job.status === "leased" && job.leaseExpiresAt < now))) continue;
        job.status = "leased";
        job.leaseId = `lse_${++this.leaseSeq}`;
        job.leaseExpiresAt = now + visibility;
        job.attempts++;
        messages.push({
          lease_id: job.leaseId,
          id: job.id,
          type: job.type,
          attempts: job.attempts,
          max_attempts: 5,
          lease_expires_at: new Date(job.leaseExpiresAt).toISOString(),
          body: { job_id: job.id, type: job.type, service_id: job.serviceId, playbook: job.playbook, extra_vars: job.extraVars },
        });
      }
      return [200, { messages }];
    }
    if (path === "/jobs/ack") {
      let retried = 0;
      for (const r of (body.retries as { lease_id: string }[]) ?? []) {
        const job = this.byLease(r.lease_id);
        if (job) {
          job.status = "ready";
          job.leaseId = null;
          retried++;
        }
      }
      return [200, { acked: ((body.acks as unknown[]) ?? []).length, retried }];
    }
    const match = /^\/jobs\/([^/]+)\/(events|result)$/.exec(path);
    const job = match ? this.jobs.get(decodeURIComponent(match[1] ?? "")) : undefined;
    if (!match || !job) return [404, { title: "Not found" }];
    if (match[2] === "result" && (job.status === "succeeded" || job.status === "failed")) {
      return [200, { job: { id: job.id, type: job.type, status: job.status, attempts: job.attempts, service_id: job.serviceId }, duplicate: true }];
    }
    if (job.leaseId !== body.lease_id || job.status !== "leased") return [409, { title: "Conflict", detail: "This lease is no longer held." }];
    if (match[2] === "events") {
      if (((body.events as unknown[]) ?? []).length > this.maxEventsPerPost) return [500, { title: "Internal Server Error" }];
      job.events.push(...((body.events as JobEvent[]) ?? []));
      if (typeof body.extend_ms === "number") job.leaseExpiresAt = now + body.extend_ms;
      return [200, { lease_expires_at: new Date(job.leaseExpiresAt).toISOString(), recorded: ((body.events as unknown[]) ?? []).length }];
    }
    job.result = { status: body.status as JobResult["status"], outputs: body.outputs as Record<string, unknown>, error: body.error as JobResult["error"] };
    job.status = job.result.status;
    job.leaseId = null;
    return [200, { job: { id: job.id, type: job.type, status: job.status, attempts: job.attempts, service_id: job.serviceId }, duplicate: false }];
  }
}

// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

let api: FakeRunnerApi;
let stateDir: string;
let logs: Record<string, unknown>[];

beforeEach(async () => {
  api = await new FakeRunnerApi().start();
  stateDir = await mkdtemp(join(tmpdir(), "runner-loop-"));
  logs = [];
});
afterEach(async () => {
  await api.close();
  await rm(stateDir, { recursive: true, force: true });
});

/** A loop on the fake API with fast timings; `overrides` win. */
function makeLoop(executor: JobExecutor, overrides: Partial<RunnerLoopOptions> = {}) {
  return createRunnerLoop({
    api: createRunnerApi({ url: api.url, key: "test-key", timeoutMs: 2_000 }),
    executor,
    record: openCompletedRecord(stateDir),
    logger: createLogger({ minLevel: "debug", write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) }),
    concurrency: 2,
    once: true,
    visibilityMs: 60_000,
    pollIntervalMs: 20,
    graceMs: 2_000,
    eventFlushMs: 20,
    eventBatchSize: 20,
    backoff: { initialMs: 10, maxMs: 80 },
    random: () => 1,
    ...overrides,
  });
}

const ok = (outputs: Record<string, unknown> = {}): JobResult => ({ status: "succeeded", outputs, error: null });
const event = (task: string, status: JobEvent["status"] = "ok"): JobEvent => ({ at: new Date().toISOString(), task, status });
const logged = (msg: string) => logs.filter((l) => l.msg === msg);

describe("runner loop", () => {
  it("runs a job once, streams its events, posts its result and acks", async () => {
    api.add("job_1");
    api.add("job_2", { type: "suspend", playbook: null });
    const seen: string[] = [];
    const loop = makeLoop(async (message, ctx) => {
      seen.push(message.id);
      ctx.onEvent(event("Provision"));
      return message.body.playbook ? ok({ identifiers: { msisdn: "+447700900001" } }) : ok();
    });
    expect(await loop.run()).toBe(0);
    expect(seen.sort()).toEqual(["job_1", "job_2"]);
    expect(api.job("job_1").status).toBe("succeeded");
    expect(api.job("job_1").result?.outputs).toEqual({ identifiers: { msisdn: "+447700900001" } });
    expect(api.job("job_1").events.map((e) => e.task)).toEqual(["Provision"]);
    expect(api.callsTo("/jobs/ack").flatMap((c) => c.body.acks as { lease_id: string }[])).toHaveLength(2);
    // the result is recorded locally before it is posted
    expect(openCompletedRecord(stateDir).get("job_1")?.result.outputs).toEqual({ identifiers: { msisdn: "+447700900001" } });
    for (const line of logs) expect(JSON.stringify(line)).not.toContain("test-key");
  });

  it("turns an executor's exception into a failed result", async () => {
    api.add("job_1");
    const loop = makeLoop(async () => {
      throw new Error("playbook not found: nope");
    });
    expect(await loop.run()).toBe(0);
    expect(api.job("job_1").result).toEqual({ status: "failed", outputs: {}, error: { task: null, message: "playbook not found: nope" } });
  });

  it("gives a job back with a growing delay while CGRateS is unreachable, and reports failed on the last attempt", async () => {
    api.add("job_1");
    const loop = makeLoop(async () => ({
      status: "failed",
      outputs: {},
      error: {
        task: "cgrates : Create the account",
        message: "Status code was -1 and not [200]: Request failed: <urlopen error [Errno 111] Connection refused>",
      },
    }));
    expect(await loop.run()).toBe(0);
    const delays = api.callsTo("/jobs/ack").flatMap((c) => ((c.body.retries as { delay_seconds: number }[]) ?? []).map((r) => r.delay_seconds));
    expect(delays).toEqual([15, 30, 60, 120]);
    expect(api.job("job_1").attempts).toBe(5);
    expect(api.job("job_1").result?.status).toBe("failed");
    expect(api.job("job_1").result?.error?.task).toBe("cgrates : Create the account");
  });

  it("retries a result post that failed on the network", async () => {
    api.add("job_1");
    api.dropNext.set("/result", 2);
    let runs = 0;
    const loop = makeLoop(async () => {
      runs++;
      return ok({ n: 1 });
    });
    expect(await loop.run()).toBe(0);
    expect(runs).toBe(1);
    expect(api.callsTo("/result").map((c) => c.outcome)).toEqual(["network", "network", 200]);
    expect(api.job("job_1").status).toBe("succeeded");
    expect(logged("result not posted, retrying")).toHaveLength(2);
  });

  it("does not execute a job again after a crash: the completed record's result is posted", async () => {
    api.add("job_1");
    let runs = 0;
    const executor: JobExecutor = async () => {
      runs++;
      return ok({ identifiers: { msisdn: "+447700900002" } });
    };
    // first life: the work is done, then neither the result nor the give-back reaches the worker
    api.dropNext.set("/result", Number.POSITIVE_INFINITY);
    api.dropNext.set("/ack", Number.POSITIVE_INFINITY);
    const first = makeLoop(executor, { graceMs: 50 });
    const firstRun = first.run();
    await until(() => api.callsTo("/result").length >= 1);
    first.stop();
    expect(await firstRun).toBe(0);
    expect(api.job("job_1").status).toBe("leased");
    // the lease runs out and a new runner process (same state dir) leases the job again
    api.dropNext.clear();
    api.expireLeases();
    const second = makeLoop(executor);
    expect(await second.run()).toBe(0);
    expect(runs).toBe(1);
    expect(api.job("job_1").attempts).toBe(2);
    expect(api.job("job_1").result).toEqual(ok({ identifiers: { msisdn: "+447700900002" } }));
    expect(logged("job already done here, posting its recorded result again")).toHaveLength(1);
  });

  it("stops reporting when the lease is lost (409)", async () => {
    api.add("job_1");
    const loop = makeLoop(async (_message, ctx) => {
      ctx.onEvent(event("First"));
      await until(() => api.job("job_1").events.length === 1);
      api.stealLease("job_1");
      ctx.onEvent(event("Second"));
      await until(() => logged("lease lost").length > 0);
      ctx.onEvent(event("Third"));
      await sleep(60);
      return ok();
    });
    expect(await loop.run()).toBe(0);
    expect(api.job("job_1").events.map((e) => e.task)).toEqual(["First"]);
    // one refused events post, then nothing: no more events, no result, no ack
    expect(api.callsTo("/events").filter((c) => c.outcome === 409)).toHaveLength(1);
    expect(api.callsTo("/result")).toHaveLength(0);
    expect(api.callsTo("/jobs/ack")).toHaveLength(0);
    expect(logged("lease lost: job dropped")).toHaveLength(1);
    expect(openCompletedRecord(stateDir).get("job_1")).toBeUndefined();
  });

  it("a result refused with 409 drops the job without an ack", async () => {
    api.add("job_1");
    const loop = makeLoop(async () => {
      api.stealLease("job_1");
      return ok();
    });
    expect(await loop.run()).toBe(0);
    expect(api.callsTo("/result").map((c) => c.outcome)).toEqual([409]);
    expect(api.callsTo("/jobs/ack")).toHaveLength(0);
    expect(logged("lease lost")[0]).toMatchObject({ job_id: "job_1", during: "result" });
  });

  it("backs off while the worker is unreachable, then recovers", async () => {
    api.down = true;
    let runs = 0;
    const loop = makeLoop(
      async () => {
        runs++;
        return ok();
      },
      { once: false },
    );
    const running = loop.run();
    await until(() => api.calls.length >= 4);
    api.down = false;
    api.add("job_1");
    await until(() => api.jobs.get("job_1")?.status === "succeeded");
    loop.stop();
    expect(await running).toBe(0);
    expect(runs).toBe(1);
    const pulls = api.callsTo("/jobs/pull");
    const failed = pulls.filter((c) => c.outcome === "network");
    expect(failed.length).toBeGreaterThanOrEqual(4);
    // the delays double (10, 20, 40, 80 ms with this jitter source), capped at 80
    const gaps = failed.slice(1, 4).map((c, i) => c.at - (failed[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    expect(logged("pull failed, backing off").length).toBeGreaterThanOrEqual(4);
    expect(logged("worker reachable again")).toHaveLength(1);
  });

  it("gives --once up when the worker stays unreachable", async () => {
    api.down = true;
    const loop = makeLoop(async () => ok(), { once: true, onceMaxPullFailures: 3 });
    expect(await loop.run()).toBe(1);
    expect(api.callsTo("/jobs/pull")).toHaveLength(3);
  });

  it("on stop, waits for the grace period, then aborts a running job and gives it back", async () => {
    api.add("job_1");
    let aborted = false;
    const loop = makeLoop(
      (_message, ctx: ExecutionContext) =>
        new Promise<JobResult>((done) => {
          ctx.onEvent(event("Long task", "started"));
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            done({ status: "failed", outputs: {}, error: { task: "Long task", message: "killed" } });
          });
        }),
      { graceMs: 100 },
    );
    const running = loop.run();
    await until(() => api.job("job_1").events.length === 1);
    const stoppedAt = Date.now();
    loop.stop();
    expect(await running).toBe(0);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(95);
    expect(aborted).toBe(true);
    const acks = api.callsTo("/jobs/ack");
    expect(acks).toHaveLength(1);
    expect(acks[0]?.body).toMatchObject({ acks: [], retries: [{ lease_id: "lse_1", delay_seconds: 0 }] });
    expect(api.job("job_1").status).toBe("ready");
    expect(api.callsTo("/result")).toHaveLength(0);
    expect(openCompletedRecord(stateDir).get("job_1")).toBeUndefined();
    // no pull after stop()
    expect(api.callsTo("/jobs/pull").every((c) => c.at <= stoppedAt)).toBe(true);
  });

  it("on stop, lets a job that ends within the grace period report its result", async () => {
    api.add("job_1");
    const loop = makeLoop(async () => {
      await sleep(80);
      return ok({ done: true });
    });
    const running = loop.run();
    await until(() => api.job("job_1").status === "leased");
    loop.stop();
    expect(await running).toBe(0);
    expect(api.job("job_1").result).toEqual(ok({ done: true }));
  });

  it("never runs more jobs at once than the concurrency", async () => {
    for (let i = 1; i <= 5; i++) api.add(`job_${i}`);
    let now = 0;
    let max = 0;
    const loop = makeLoop(
      async () => {
        now++;
        max = Math.max(max, now);
        await sleep(40);
        now--;
        return ok();
      },
      { concurrency: 2, once: true },
    );
    expect(await loop.run()).toBe(0);
    expect(max).toBe(2);
    expect([...api.jobs.values()].every((j) => j.status === "succeeded")).toBe(true);
    expect(api.callsTo("/jobs/pull").every((c) => Number(c.body.batch_size) >= 1 && Number(c.body.batch_size) <= 2)).toBe(true);
  });

  it("batches events and extends the lease while a long job runs", async () => {
    api.add("job_1");
    const loop = makeLoop(
      async (_message, ctx) => {
        for (let i = 1; i <= 45; i++) ctx.onEvent(event(`Task ${i}`));
        await sleep(350);
        ctx.onEvent(event("Last"));
        return ok();
      },
      { visibilityMs: 3_000, heartbeatMs: 100, eventFlushMs: 50, eventBatchSize: 20 },
    );
    expect(await loop.run()).toBe(0);
    const job = api.job("job_1");
    expect(job.events.map((e) => e.task)).toEqual([...Array.from({ length: 45 }, (_, i) => `Task ${i + 1}`), "Last"]);
    const posts = api.callsTo("/events");
    const sizes = posts.map((c) => (c.body.events as unknown[]).length);
    // 45 events in posts of at most 20; heartbeats (no events) while the job is quiet
    expect(sizes.every((n) => n <= 20)).toBe(true);
    expect(sizes.filter((n) => n > 0).length).toBeLessThanOrEqual(5);
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThanOrEqual(2);
    expect(posts.every((c) => c.body.extend_ms === 3_000)).toBe(true);
  });
});

describe("event posts failing on the worker's side", () => {
  it("retries events in smaller batches after a 5xx, with a pause, keeping their order", async () => {
    api.add("job_1");
    api.maxEventsPerPost = 6;
    const loop = makeLoop(async (_message, ctx) => {
      for (let i = 1; i <= 30; i++) ctx.onEvent(event(`Task ${i}`));
      return ok();
    });
    expect(await loop.run()).toBe(0);
    expect(api.job("job_1").events.map((e) => e.task)).toEqual(Array.from({ length: 30 }, (_, i) => `Task ${i + 1}`));
    const posts = api.callsTo("/events");
    expect(posts.filter((c) => c.outcome === 500).length).toBeGreaterThanOrEqual(1);
    expect(posts.length).toBeLessThan(20);
    expect(api.job("job_1").status).toBe("succeeded");
  });
});

describe("usage aggregation", () => {
  it("reads Go durations and numbers", () => {
    expect(parseUsage("1m30s")).toBe(90e9);
    expect(parseUsage("1h0m0.5s")).toBe(3600.5e9);
    expect(parseUsage("250ms")).toBe(250e6);
    expect(parseUsage("1024")).toBe(1024);
    expect(parseUsage(60_000_000_000)).toBe(60e9);
    expect(parseUsage("soon")).toBeNull();
  });

  it("sums CDR usage per day and unit", () => {
    const cdr = (ToR: string, SetupTime: string, Usage: string | number) =>
      ({ ToR, SetupTime, AnswerTime: SetupTime, Usage }) as unknown as Parameters<typeof aggregateUsage>[0][number];
    expect(
      aggregateUsage([
        cdr("*voice", "2026-01-02T10:00:00Z", "1m0s"),
        cdr("*voice", "2026-01-02T23:00:00Z", 30e9),
        cdr("*data", "2026-01-02T09:00:00Z", "1048576"),
        cdr("*sms", "2026-01-03T09:00:00Z", "1"),
        cdr("*sms", "2026-01-03T10:00:00Z", 1),
        cdr("*generic", "2026-01-03T10:00:00Z", 5),
      ]),
    ).toEqual([
      { day: "2026-01-02", unit: "data", amount: 1048576 },
      { day: "2026-01-02", unit: "voice", amount: 90 },
      { day: "2026-01-03", unit: "sms", amount: 2 },
    ]);
  });

  it("sums what CGRateS charged per day in minor units of the product's currency, without float drift", () => {
    const cdr = (SetupTime: string, Cost: number) =>
      ({ ToR: "*voice", SetupTime, AnswerTime: SetupTime, Usage: "1m0s", Cost }) as unknown as Parameters<typeof aggregateUsage>[0][number];
    const rows = aggregateUsage([cdr("2026-01-02T10:00:00Z", 0.145), cdr("2026-01-02T11:00:00Z", 0.1), cdr("2026-01-02T12:00:00Z", 0.2)]);
    // 0.145 * 100 is 14.499999… as a float; read as decimals it is 14.5 → 14 (half-even); + 10 + 20.
    expect(rows.find((r) => r.unit === "monetary")).toEqual({ day: "2026-01-02", unit: "monetary", amount: 44 });
    expect(minorPerMajor("JPY")).toBe(1);
    expect(minorPerMajor("BHD")).toBe(1000);
    expect(minorPerMajor("nonsense")).toBe(100);
    expect(costToMinor(1.0005, 1000)).toBe(1000);
    expect(costToMinor(-1, 100)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The real executor: ansible-playbook on a real playbook, and sync_balance, against the CGRateS
// simulator, through the loop and the fake API.
// ---------------------------------------------------------------------------------------------

const AUTH = { user: "runner", password: "sim-secret" };

describe("runner loop with the real executor", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startCgratesSimulator(0, { basicAuth: AUTH, defaultTenant: "cgrates.org" });
  });
  afterAll(async () => {
    await sim.close();
  });
  const executor = () =>
    createJobExecutor({
      playbooksDir: resolve(import.meta.dirname, "../../playbooks"),
      jobTimeoutMs: 90_000,
      cgrates: { url: `${sim.url}/jsonrpc`, tenant: "cgrates.org", ...AUTH },
    });

  it("provisions a prepaid line with mobile_prepaid.yml: events and outputs reach the API, with the account read back", async () => {
    requireAnsible();
    const GB = 2 ** 30;
    const mobile = {
      id: "prd_mobile",
      slug: "mobile-prepaid",
      name: "Mobile Prepaid",
      type: "standalone" as const,
      version: 1,
      currency: "EUR",
      recurring_period: "monthly" as const,
      allow_negative: false,
      low_balance_thresholds: {},
      service_type: "mobile",
      provisioning_json_vars: {},
      cgrates: { account_options: { allow_negative: false, disabled: false }, action_plan: null, actions: null },
      included_balances: [
        { unit: "data" as const, amount: 5 * GB, validity_days: 30 },
        { unit: "voice" as const, amount: 600, validity_days: 30 },
      ],
    };
    api.add("job_prov", {
      serviceId: "svc_runner_1",
      extraVars: {
        job: { id: "job_prov", type: "provision", attempt: 0 },
        service: { id: "svc_runner_1", customer_id: "cus_1", product_id: "prd_mobile", status: "provisioning", identifiers: {}, vars: {} },
        customer: { id: "cus_1", name: "Ada Lovelace", type: "individual" },
        site: null,
        contact: null,
        product: mobile,
        inventory: [
          { id: "itm_sim", type: "sim", fields: { iccid: "8944100000000000099", imsi: "234150000000099" } },
          { id: "itm_num", type: "phone_number", fields: { msisdn: "+447700900099" } },
        ],
        ip_allocations: [],
        components: [],
        charging: { account: "svc_runner_1", currency: "EUR", report: [{ account: "svc_runner_1", since: null }], product: productCharging(mobile) },
      },
    });
    const loop = makeLoop(executor(), { once: true, eventFlushMs: 200 });
    expect(await loop.run()).toBe(0);
    const job = api.job("job_prov");
    expect(job.result).toMatchObject({
      status: "succeeded",
      outputs: { identifiers: { msisdn: "+447700900099", iccid: "8944100000000000099", imsi: "234150000000099" } },
      error: null,
    });
    // The account as CGRateS holds it after the playbook, for the worker to adopt.
    const report = ((job.result?.outputs.charging_report ?? { accounts: [] }) as { accounts: { account: string; balances: { id: string; value: number }[] }[] })
      .accounts;
    expect(report.map((a) => [a.account, a.balances.map((b) => [b.id, b.value])])).toEqual([
      [
        "svc_runner_1",
        [
          ["inc-mobile-prepaid-0", 5 * GB],
          ["inc-mobile-prepaid-1", 600e9],
        ],
      ],
    ]);
    const tasks = job.events.map((e) => `${e.task}:${e.status}`);
    expect(tasks).toContain("Check the SIM and the phone number:started");
    expect(tasks).toContain("Check the SIM and the phone number:ok");
    expect(tasks).toContain("Play recap:info");
    expect(job.events.every((e) => !JSON.stringify(e).includes(AUTH.password))).toBe(true);
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as { accounts: Record<string, { BalanceMap: Record<string, { Value: number }[]> }> };
    const account = state.accounts["cgrates.org:svc_runner_1"];
    expect(account?.BalanceMap["*data"]?.[0]?.Value).toBe(5 * GB);
    expect(account?.BalanceMap["*voice"]?.[0]?.Value).toBe(600e9);
  });

  it("credits a monetary top-up with the CGRateS client once, in main units (15.00 EUR is 15), even when the job runs again", async () => {
    await fetch(`${sim.url}/jsonrpc`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString("base64")}` },
      body: JSON.stringify({ method: "APIerSv2.SetAccount", params: [{ Tenant: "cgrates.org", Account: "svc_topup" }], id: 1 }),
    });
    const charging = { account: "svc_topup", currency: "EUR", credits: [{ id: "topup:usr_1:k1", unit: "monetary", amount: 1500, validity_days: null }] };
    for (const id of ["job_top_a", "job_top_b"]) {
      api.add(id, { type: "topup", playbook: null, serviceId: "svc_topup", extraVars: { charging } });
      expect(await makeLoop(executor(), { once: true }).run()).toBe(0);
      expect(api.job(id).result?.status).toBe("succeeded");
    }
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
      accounts: Record<string, { BalanceMap: Record<string, { ID: string; Value: number }[]> }>;
    };
    expect(state.accounts["cgrates.org:svc_topup"]?.BalanceMap["*monetary"]).toEqual([expect.objectContaining({ ID: "topup:usr_1:k1", Value: 15 })]);
  });

  it("syncs a service's balances and 30 days of usage from CGRateS", async () => {
    await fetch(`${sim.url}/jsonrpc`, {
      method: "POST",
      headers: { Authorization: `Basic ${Buffer.from(`${AUTH.user}:${AUTH.password}`).toString("base64")}` },
      body: JSON.stringify({ method: "APIerSv1.AddBalance", params: [{ Tenant: "cgrates.org", Account: "svc_sync", BalanceType: "*sms", Value: 50 }], id: 1 }),
    });
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
    await fetch(`${sim.url}/_sim/cdrs`, {
      method: "POST",
      body: JSON.stringify([
        { Account: "svc_sync", ToR: "*voice", SetupTime: day(1), AnswerTime: day(1), Usage: "2m0s" },
        { Account: "svc_sync", ToR: "*data", SetupTime: day(1), AnswerTime: day(1), Usage: "2048" },
        { Account: "svc_sync", ToR: "*voice", SetupTime: day(40), AnswerTime: day(40), Usage: "1m0s" },
        { Account: "svc_other", ToR: "*voice", SetupTime: day(1), AnswerTime: day(1), Usage: "5m0s" },
      ]),
    });
    api.add("job_sync", { type: "sync_balance", playbook: null, serviceId: "svc_sync" });
    const loop = makeLoop(executor(), { once: true });
    expect(await loop.run()).toBe(0);
    const result = api.job("job_sync").result;
    expect(result?.status).toBe("succeeded");
    expect(result?.outputs.usage).toEqual([
      { day: day(1).slice(0, 10), unit: "data", amount: 2048 },
      { day: day(1).slice(0, 10), unit: "voice", amount: 120 },
    ]);
    const balances = (result?.outputs.balances ?? {}) as Record<string, { Value: number }[]>;
    expect(balances["*sms"]?.[0]?.Value).toBe(50);
  });
});
