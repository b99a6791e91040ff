import http from "node:http";
import { loadavg } from "node:os";
import Database from "better-sqlite3";
import {
  benchState,
  type Client,
  type CpuClock,
  cpuShare,
  machineReport,
  ms,
  pool,
  postRetrying,
  printTable,
  prng,
  type Reply,
  type Stats,
  settle,
  signedInWorker,
  summarize,
  verdict,
  writeResults,
} from "./lib";

const TOPUPS = Number(process.env.BENCH_TOPUPS ?? 3_000);
const REPLAYS = Number(process.env.BENCH_REPLAYS ?? 300);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 1_000);
const CONCURRENCY = [16, 64];
// Setting up 1,000 services is not what is measured: a few in flight keep it short without
// drowning the worker (each order is several D1 statements and a Durable Object write).
const SETUP_CONCURRENCY = 8;
const BASELINE_REQUESTS = 2_000;
const WARMUP = 50;
// A request the worker could not finish (500, or 409 while the same key is still in flight) is sent
// again with the same key, as a client following the idempotency contract would.
const MAX_ATTEMPTS = 5;
// Throughput per slice of a run: whether a service slows down as its history grows.
const SLICE = 500;
const TARGETS = { singleTopUpsPerSecond: 300, cpuRatio: 2, rateShare: 0.5 };
const HEALTHZ_BEFORE = "GET /healthz, just before";
const HEALTHZ_AFTER = "GET /healthz, just after";
const CURRENCY = "EUR";

type Bucket = { unit: string; amount: number; pending_amount: number };

/** The service's monetary balance as its ServiceState object reports it (GET /balance). */
async function monetary(api: Client, agent: http.Agent, serviceId: string): Promise<{ amount: number; pending: number }> {
  const balance = (await api.get(agent, `/api/v1/services/${serviceId}/balance`)) as { buckets: Bucket[] };
  const buckets = balance.buckets.filter((b) => b.unit === "monetary");
  return { amount: buckets.reduce((s, b) => s + b.amount, 0), pending: buckets.reduce((s, b) => s + b.pending_amount, 0) };
}

type TopUpPlan = { serviceId: string; key: string; amount: number };

type Burst = {
  scenario: "single" | "spread";
  concurrency: number;
  keyPrefix: string;
  services: number;
  topUps: number;
  seconds: number;
  topUpsPerSecond: number;
  latency: Stats;
  replays: { sent: number; accepted: number; sameBody: number; replayedHeader: number; latency: Stats };
  retries: number;
  rejected: { topUps: number; replays: number; examples: string[] };
  distinctEntries: number;
  expectedTotal: number;
  workerdCpu: { msPerRequest: number; coreShare: number } | null;
  topUpsPerSecondBySlice: number[];
  loadAverageAtStart: number[];
};

/**
 * Sends `plan` (every top-up with its own key) with `concurrency` in flight, then `replays` repeats
 * of keys that already succeeded, mixed in behind the last writes still in flight; each replay must
 * come back 202 with the first body and the Idempotent-Replayed header.
 */
async function topUpBurst(
  api: Client,
  clock: CpuClock | null,
  scenario: Burst["scenario"],
  keyPrefix: string,
  plan: readonly TopUpPlan[],
  replays: number,
  concurrency: number,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const random = prng(concurrency * 7919 + plan.length);
  const latencies: number[] = [];
  const replayLatencies: number[] = [];
  const firstBodies = new Map<string, string>();
  const done: number[] = [];
  const doneAt: number[] = [];
  const entries = new Set<string>();
  const rejected: string[] = [];
  let retries = 0;
  let rejectedTopUps = 0;
  let acceptedReplays = 0;
  let sameBody = 0;
  let replayedHeader = 0;
  let lastTopUpAt = 0;
  const topUp = (t: TopUpPlan): Promise<Reply> =>
    postRetrying(agent, api, `/api/v1/services/${t.serviceId}/top-ups`, t.key, { amount: t.amount, currency: CURRENCY }, MAX_ATTEMPTS, () => retries++);
  await settle(clock);
  const loadAverageAtStart = loadavg();
  const cpuAtStart = clock?.() ?? null;
  const started = performance.now();
  try {
    await pool(plan.length + replays, concurrency, async (i) => {
      if (i < plan.length) {
        const t = plan[i] as TopUpPlan;
        const start = performance.now();
        const reply = await topUp(t);
        const end = performance.now();
        latencies.push(end - start);
        if (reply.status !== 202) {
          rejectedTopUps++;
          rejected.push(`${t.key}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
          return;
        }
        lastTopUpAt = end;
        doneAt.push(end);
        firstBodies.set(t.key, reply.body);
        entries.add((JSON.parse(reply.body) as { id: string }).id);
        done.push(i);
        return;
      }
      // A random key among those already answered: replaying one still in flight would get 409.
      const t = plan[done[Math.floor(random() * done.length)] ?? 0] as TopUpPlan;
      const start = performance.now();
      const reply = await topUp(t);
      replayLatencies.push(performance.now() - start);
      if (reply.status !== 202) {
        rejected.push(`replay ${t.key}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
        return;
      }
      acceptedReplays++;
      if (reply.body === firstBodies.get(t.key)) sameBody++;
      if (reply.headers["idempotent-replayed"] === "true") replayedHeader++;
    });
  } finally {
    agent.destroy();
  }
  // Throughput counts the distinct top-ups up to the last one answered; the replays trailing it are timed apart.
  const seconds = ((lastTopUpAt || performance.now()) - started) / 1000;
  // Over the whole run, replays included (they cost workerd CPU too, less than a top-up), and the
  // work it left behind: the last queue deliveries of its jobs.
  await settle(clock);
  const workerdCpu = cpuShare(clock, cpuAtStart, plan.length + replays, (performance.now() - started) / 1000);
  const accepted = plan.filter((t) => firstBodies.has(t.key));
  const bySlice: number[] = [];
  for (let from = 0; from + SLICE <= doneAt.length; from += SLICE) {
    const sliceStart = from === 0 ? started : (doneAt[from - 1] ?? started);
    bySlice.push(SLICE / (((doneAt[from + SLICE - 1] ?? sliceStart) - sliceStart) / 1000));
  }
  const burst: Burst = {
    scenario,
    concurrency,
    keyPrefix,
    services: new Set(plan.map((t) => t.serviceId)).size,
    topUps: plan.length,
    seconds,
    topUpsPerSecond: accepted.length / seconds,
    latency: summarize(latencies),
    replays: { sent: replays, accepted: acceptedReplays, sameBody, replayedHeader, latency: summarize(replayLatencies) },
    retries,
    rejected: { topUps: rejectedTopUps, replays: replays - acceptedReplays, examples: rejected.slice(0, 5) },
    distinctEntries: entries.size,
    expectedTotal: accepted.reduce((s, t) => s + t.amount, 0),
    workerdCpu,
    topUpsPerSecondBySlice: bySlice,
    loadAverageAtStart,
  };
  return { burst, accepted };
}

type BaselineRun = {
  name: string;
  concurrency: number;
  requests: number;
  seconds: number;
  perSecond: number;
  latency: Stats;
  workerdCpu: { msPerRequest: number; coreShare: number } | null;
};

/** `total` identical requests with `concurrency` in flight: the request path's own cost, for comparison. */
async function baseline(
  clock: CpuClock | null,
  name: string,
  call: (agent: http.Agent) => Promise<unknown>,
  total: number,
  concurrency: number,
): Promise<BaselineRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  try {
    await settle(clock);
    await pool(WARMUP, concurrency, async () => void (await call(agent)));
    const cpuAtStart = clock?.() ?? null;
    const started = performance.now();
    await pool(total, concurrency, async () => {
      const start = performance.now();
      await call(agent);
      latencies.push(performance.now() - start);
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      name,
      concurrency,
      requests: total,
      seconds,
      perSecond: total / seconds,
      latency: summarize(latencies),
      workerdCpu: cpuShare(clock, cpuAtStart, total, seconds),
    };
  } finally {
    agent.destroy();
  }
}

type D1Check = {
  ledgerRows: number;
  ledgerKeys: number;
  ledgerTotal: number;
  charges: number;
  chargesTotal: number;
  jobs: number;
  bucketPending: number | null;
};

export type TopUpsOptions = { keep?: boolean };

/** Measures top-ups/s and latency on one service and over 1,000, checks for lost updates, prints and saves the results. */
export async function run(options: TopUpsOptions = {}) {
  return benchState("topups", { keep: options.keep, sockets: SETUP_CONCURRENCY }, async ({ startedAt, file, agent, startWorker, onCleanup }) => {
    let raw: Database.Database | undefined;
    onCleanup(() => {
      raw?.close();
      raw = undefined;
    });

    const { loadAtStart, api, clock } = await signedInWorker({ startWorker, agent }, "bench/topups");

    // No price and no setup fee: ordering adds no charge, so every charge on a service is a top-up.
    const product = await api.post(
      agent,
      "/api/v1/products",
      {
        name: "Bench prepaid",
        slug: "bench-prepaid",
        type: "standalone",
        service_type: "mobile",
        status: "active",
        currency: CURRENCY,
        retail_price: 0,
        recurring_period: "none",
        provisioning_play: "charging_account",
      },
      201,
    );
    const productId = String(product.id);

    // One customer per service, as 1,000 prepaid subscribers would be; services stay pending, since
    // a top-up is accepted from any status but terminating/terminated/failed and activation needs the runner.
    const total = CONCURRENCY.length + SERVICES;
    const customerIds: string[] = new Array(total);
    const setupStarted = performance.now();
    await pool(total, SETUP_CONCURRENCY, async (i) => {
      const customer = await api.post(agent, "/api/v1/customers", { name: `Bench Prepaid ${i + 1}`, type: "individual", currency: CURRENCY }, 201);
      customerIds[i] = String(customer.id);
    });
    const customersSeconds = (performance.now() - setupStarted) / 1000;
    const serviceIds: string[] = new Array(total);
    const orderStarted = performance.now();
    await pool(total, SETUP_CONCURRENCY, async (i) => {
      const order = await api.post(agent, `/api/v1/customers/${customerIds[i]}/services`, { product_id: productId }, 202, `order-${i}`);
      serviceIds[i] = String((order.service as { id: string }).id);
    });
    const orderSeconds = (performance.now() - orderStarted) / 1000;
    console.log(
      `  ${total} customers in ${customersSeconds.toFixed(1)} s, ${total} services ordered in ${orderSeconds.toFixed(1)} s ` +
        `(${(total / orderSeconds).toFixed(1)} orders/s, ${SETUP_CONCURRENCY} in flight)`,
    );
    const singleIds = serviceIds.slice(0, CONCURRENCY.length);
    const spreadIds = serviceIds.slice(CONCURRENCY.length);

    // Baselines at the same concurrency: authentication plus one D1 read here; the bare request path
    // (GET /healthz) just before and just after each single-service run, below.
    const baselines: BaselineRun[] = [];
    for (const concurrency of CONCURRENCY) {
      baselines.push(await baseline(clock, "GET /api/v1/services/{id}", (a) => api.get(a, `/api/v1/services/${singleIds[0]}`), BASELINE_REQUESTS, concurrency));
    }
    const healthz = (name: string, concurrency: number) => baseline(clock, name, (a) => api.get(a, "/healthz", false), BASELINE_REQUESTS, concurrency);

    // Varying amounts: a lost, doubled or altered top-up shows in the sums checked afterwards.
    const amountOf = (i: number) => 100 + (i % 50);
    const bursts: Burst[] = [];
    const expectedBySpreadService = new Map<string, number>(spreadIds.map((id) => [id, 0]));
    const singleBalances: { serviceId: string; amount: number; pending: number }[] = [];
    for (const [n, concurrency] of CONCURRENCY.entries()) {
      const serviceId = singleIds[n] ?? "";
      const keyPrefix = `single${concurrency}`;
      await api.login(agent);
      const plan = Array.from({ length: TOPUPS }, (_, i) => ({ serviceId, key: `${keyPrefix}-${i}`, amount: amountOf(i) }));
      // The workerd process's cost per request drifts during a run (JIT, heap, a noisy neighbour on
      // a shared host): /healthz is measured on both sides of the run and the targets use the mean.
      baselines.push(await healthz(HEALTHZ_BEFORE, concurrency));
      const { burst } = await topUpBurst(api, clock, "single", keyPrefix, plan, REPLAYS, concurrency);
      baselines.push(await healthz(HEALTHZ_AFTER, concurrency));
      bursts.push(burst);
      singleBalances.push({ serviceId, ...(await monetary(api, agent, serviceId)) });
      console.log(`  single service, ${concurrency} in flight: ${burst.topUpsPerSecond.toFixed(1)} top-ups/s, p95 ${ms(burst.latency.p95)} ms`);
    }
    for (const concurrency of CONCURRENCY) {
      const keyPrefix = `spread${concurrency}`;
      await api.login(agent);
      const random = prng(20_260_715 + concurrency);
      const plan = Array.from({ length: TOPUPS }, (_, i) => ({
        serviceId: spreadIds[Math.floor(random() * spreadIds.length)] ?? "",
        key: `${keyPrefix}-${i}`,
        amount: amountOf(i),
      }));
      const { burst, accepted } = await topUpBurst(api, clock, "spread", keyPrefix, plan, REPLAYS, concurrency);
      for (const t of accepted) expectedBySpreadService.set(t.serviceId, (expectedBySpreadService.get(t.serviceId) ?? 0) + t.amount);
      bursts.push(burst);
      console.log(`  ${burst.services} services, ${concurrency} in flight: ${burst.topUpsPerSecond.toFixed(1)} top-ups/s, p95 ${ms(burst.latency.p95)} ms`);
    }

    // Every spread service's balance through the API: what its object holds, against what was sent to it.
    await api.login(agent);
    const spreadBalances = new Map<string, { amount: number; pending: number }>();
    await pool(spreadIds.length, SETUP_CONCURRENCY, async (i) => {
      const id = spreadIds[i] ?? "";
      spreadBalances.set(id, await monetary(api, agent, id));
    });
    const spreadMismatches = spreadIds.filter((id) => {
      const b = spreadBalances.get(id);
      return b?.amount !== 0 || b.pending !== expectedBySpreadService.get(id);
    });

    // The worker is idle now: D1, the system of record, read beside it.
    raw = new Database(file, { readonly: true, fileMustExist: true });
    const db = raw;
    // Keys are stored as topup:<principal>:<Idempotency-Key>, charges as topup:<service>:<principal>:<Idempotency-Key>.
    const ledgerOf = db.prepare(
      `SELECT count(*) AS n, count(DISTINCT idempotency_key) AS keys, coalesce(sum(amount), 0) AS total FROM balance_ledger
       WHERE kind = 'topup' AND idempotency_key LIKE ?`,
    );
    const chargesOf = db.prepare(
      `SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM transactions WHERE kind = 'charge' AND source_key LIKE 'topup:%' AND source_key LIKE ?`,
    );
    const jobsOf = db.prepare(`SELECT count(*) AS n FROM jobs WHERE type = 'topup' AND json_extract(payload, '$.top_up_keys[0]') LIKE ?`);
    const d1Of = (keyPrefix: string, serviceId?: string): D1Check => {
      const like = `%:${keyPrefix}-%`;
      const ledger = ledgerOf.get(like) as { n: number; keys: number; total: number };
      const charges = chargesOf.get(like) as { n: number; total: number };
      const jobs = jobsOf.get(like) as { n: number };
      const bucket = serviceId
        ? (db.prepare(`SELECT sum(pending_amount) AS p FROM service_buckets WHERE service_id = ? AND unit = 'monetary'`).get(serviceId) as { p: number | null })
        : undefined;
      return {
        ledgerRows: ledger.n,
        ledgerKeys: ledger.keys,
        ledgerTotal: ledger.total,
        charges: charges.n,
        chargesTotal: charges.total,
        jobs: jobs.n,
        bucketPending: bucket ? bucket.p : null,
      };
    };
    // Each single-service run has its own service: everything on it must be exactly that run's top-ups.
    const singleServiceTotals = db.prepare(
      `SELECT (SELECT count(*) FROM balance_ledger WHERE service_id = ?1 AND kind = 'topup') AS ledger,
              (SELECT count(*) FROM transactions WHERE service_id = ?1 AND kind = 'charge') AS charges`,
    );
    const spreadBuckets = new Map(
      (
        db
          .prepare(
            `SELECT service_id AS id, sum(pending_amount) AS pending, sum(amount) AS amount FROM service_buckets WHERE unit = 'monetary' GROUP BY service_id`,
          )
          .all() as { id: string; pending: number; amount: number }[]
      ).map((r) => [r.id, r]),
    );
    const spreadD1Mismatches = spreadIds.filter((id) => {
      const expected = expectedBySpreadService.get(id) ?? 0;
      const row = spreadBuckets.get(id);
      return expected === 0 ? row !== undefined && (row.pending !== 0 || row.amount !== 0) : row?.pending !== expected || row.amount !== 0;
    });

    const checks = bursts.map((b) => {
      const single = b.scenario === "single" ? singleBalances.find((s) => s.serviceId === singleIds[CONCURRENCY.indexOf(b.concurrency)]) : undefined;
      const d1 = d1Of(b.keyPrefix, single?.serviceId);
      const onService = single ? (singleServiceTotals.get({ 1: single.serviceId }) as { ledger: number; charges: number }) : undefined;
      const n = b.topUps;
      const failures = [
        b.rejected.topUps > 0 && `${b.rejected.topUps} top-ups rejected`,
        b.distinctEntries !== n && `${b.distinctEntries} distinct ledger entries answered for ${n} top-ups`,
        single && single.pending !== b.expectedTotal && `balance API pending ${single.pending}, expected ${b.expectedTotal}`,
        single && single.amount !== 0 && `balance API available ${single.amount}, expected 0`,
        (d1.ledgerRows !== n || d1.ledgerKeys !== n) && `D1 ledger ${d1.ledgerRows} rows / ${d1.ledgerKeys} keys, expected ${n}`,
        d1.ledgerTotal !== b.expectedTotal && `D1 ledger sums to ${d1.ledgerTotal}, expected ${b.expectedTotal}`,
        (d1.charges !== n || d1.chargesTotal !== b.expectedTotal) && `D1 ${d1.charges} top-up charges summing to ${d1.chargesTotal}`,
        d1.jobs !== n && `D1 ${d1.jobs} top-up jobs, expected ${n}`,
        single && d1.bucketPending !== b.expectedTotal && `D1 bucket pending ${d1.bucketPending}, expected ${b.expectedTotal}`,
        onService && (onService.ledger !== n || onService.charges !== n) && `service has ${onService.ledger} ledger rows, ${onService.charges} charges`,
      ].filter((f): f is string => typeof f === "string");
      // A replay must change nothing (the sums above) and answer as the first request did.
      const replayFailures = [
        b.rejected.replays > 0 && `${b.rejected.replays} not 202`,
        b.replays.sameBody !== b.replays.sent && `${b.replays.sent - b.replays.sameBody} with another body`,
      ].filter((f): f is string => typeof f === "string");
      return { scenario: b.scenario, concurrency: b.concurrency, d1, failures, replayFailures, pass: failures.length === 0 };
    });
    const spreadCheck = {
      services: spreadIds.length,
      expectedTotal: [...expectedBySpreadService.values()].reduce((s, v) => s + v, 0),
      balanceApiTotal: [...spreadBalances.values()].reduce((s, b) => s + b.pending, 0),
      d1BucketTotal: [...spreadBuckets.entries()].filter(([id]) => expectedBySpreadService.has(id)).reduce((s, [, r]) => s + r.pending, 0),
      balanceApiMismatches: spreadMismatches.length,
      d1BucketMismatches: spreadD1Mismatches.length,
    };
    const spreadPass = spreadMismatches.length === 0 && spreadD1Mismatches.length === 0;
    raw.close();
    raw = undefined;

    const replaysSent = bursts.reduce((s, b) => s + b.replays.sent, 0);
    const replayedHeaders = bursts.reduce((s, b) => s + b.replays.replayedHeader, 0);
    const targets = [
      ...checks.map((c) => ({
        name: `zero lost updates, ${c.scenario === "single" ? "one service" : `${SERVICES} services`}, ${c.concurrency} in flight`,
        value: c.failures.length === 0 ? "none" : c.failures.join("; "),
        limit: "none lost or doubled",
        pass: c.pass,
      })),
      {
        name: `zero lost updates, every one of ${SERVICES} balances (API and D1)`,
        value: spreadPass ? "all equal" : `${spreadMismatches.length} API, ${spreadD1Mismatches.length} D1 mismatches`,
        limit: "all equal",
        pass: spreadPass,
      },
      {
        name: "replays of used keys: 202 with the first body",
        value: checks.every((c) => c.replayFailures.length === 0)
          ? `${replaysSent} of ${replaysSent}`
          : checks
              .filter((c) => c.replayFailures.length > 0)
              .map((c) => `${c.scenario} ${c.concurrency}: ${c.replayFailures.join(", ")}`)
              .join("; "),
        limit: `all ${replaysSent}`,
        pass: checks.every((c) => c.replayFailures.length === 0),
      },
      {
        name: "replays of used keys: Idempotent-Replayed: true",
        value: `${replayedHeaders} of ${replaysSent}`,
        limit: `all ${replaysSent}`,
        pass: replayedHeaders === replaysSent,
      },
      ...bursts
        .filter((b) => b.scenario === "single")
        .map((b) => ({
          name: `top-ups/s, one service, ${b.concurrency} in flight`,
          value: b.topUpsPerSecond.toFixed(1),
          limit: `>= ${TARGETS.singleTopUpsPerSecond}`,
          pass: b.topUpsPerSecond >= TARGETS.singleTopUpsPerSecond,
        })),
      // Relative to GET /healthz at the same concurrency, just before and after the run (issue 11): one local
      // workerd thread runs everything, so CPU per request is the figure that moves the rate.
      ...bursts
        .filter((b) => b.scenario === "single")
        .flatMap((b) => {
          const beside = baselines.filter((h) => (h.name === HEALTHZ_BEFORE || h.name === HEALTHZ_AFTER) && h.concurrency === b.concurrency);
          if (beside.length === 0) return [];
          const mean = (f: (h: BaselineRun) => number) => beside.reduce((s, h) => s + f(h), 0) / beside.length;
          const cpuRatio = (b.workerdCpu?.msPerRequest ?? Number.NaN) / mean((h) => h.workerdCpu?.msPerRequest ?? Number.NaN);
          const rateShare = b.topUpsPerSecond / mean((h) => h.perSecond);
          return [
            {
              name: `top-up CPU / healthz CPU, one service, ${b.concurrency} in flight`,
              value: `${cpuRatio.toFixed(2)}×`,
              limit: `<= ${TARGETS.cpuRatio}×`,
              pass: cpuRatio <= TARGETS.cpuRatio,
            },
            {
              name: `top-ups/s as a share of healthz/s, one service, ${b.concurrency} in flight`,
              value: `${(rateShare * 100).toFixed(0)} %`,
              limit: `>= ${TARGETS.rateShare * 100} %`,
              pass: rateShare >= TARGETS.rateShare,
            },
          ];
        }),
    ];

    console.log("");
    printTable([
      [
        "top-ups",
        "in flight",
        "services",
        "n",
        "seconds",
        "top-ups/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "retries",
        "replay p50",
        "replay p95",
        "workerd ms/req",
        "core",
        "load",
      ],
      ...bursts.map((b) => [
        b.scenario === "single" ? "one service" : "spread",
        String(b.concurrency),
        String(b.services),
        String(b.topUps),
        b.seconds.toFixed(2),
        b.topUpsPerSecond.toFixed(1),
        ms(b.latency.p50),
        ms(b.latency.p95),
        ms(b.latency.p99),
        ms(b.latency.max),
        String(b.retries),
        ms(b.replays.latency.p50),
        ms(b.replays.latency.p95),
        ms(b.workerdCpu?.msPerRequest ?? Number.NaN),
        b.workerdCpu ? `${Math.round(b.workerdCpu.coreShare * 100)}%` : "-",
        b.loadAverageAtStart[0]?.toFixed(2) ?? "-",
      ]),
    ]);
    console.log(
      `(top-ups/s: distinct top-ups / time to the last one answered; ${REPLAYS} replays of used keys trail each run, timed apart; ` +
        "workerd ms/req: CPU time of the workerd process per request, replays included; core: its share of one core)",
    );
    for (const b of bursts) {
      console.log(
        `top-ups/s by ${SLICE}, ${b.scenario === "single" ? "one service" : "spread"}, ${b.concurrency} in flight: ${b.topUpsPerSecondBySlice.map((v) => v.toFixed(0)).join(" ")}`,
      );
    }
    console.log("");
    printTable([
      ["baseline", "in flight", "n", "req/s", "p50 ms", "p95 ms", "p99 ms", "workerd ms/req", "core"],
      ...baselines.map((b) => [
        b.name,
        String(b.concurrency),
        String(b.requests),
        b.perSecond.toFixed(1),
        ms(b.latency.p50),
        ms(b.latency.p95),
        ms(b.latency.p99),
        ms(b.workerdCpu?.msPerRequest ?? Number.NaN),
        b.workerdCpu ? `${Math.round(b.workerdCpu.coreShare * 100)}%` : "-",
      ]),
    ]);
    console.log("");
    printTable([["target", "value", "limit", "result"], ...targets.map((t) => [t.name, t.value, t.limit, verdict(t.pass)])]);
    console.log("");
    console.log(
      `setup: ${total} customers ${customersSeconds.toFixed(1)} s, ${total} orders ${orderSeconds.toFixed(1)} s (${SETUP_CONCURRENCY} in flight); ` +
        `spread total ${spreadCheck.expectedTotal} expected, ${spreadCheck.balanceApiTotal} in the objects, ${spreadCheck.d1BucketTotal} in D1 buckets`,
    );
    const machine = machineReport(loadAtStart);

    const result = {
      benchmark: "topups",
      startedAt: startedAt.toISOString(),
      machine,
      dataset: {
        product: productId,
        singleServices: singleIds,
        spreadServices: SERVICES,
        customers: total,
        customersSeconds,
        orderSeconds,
        ordersPerSecond: total / orderSeconds,
        setupConcurrency: SETUP_CONCURRENCY,
      },
      method: {
        topUpsPerRun: TOPUPS,
        replaysPerRun: REPLAYS,
        concurrency: CONCURRENCY,
        amounts: "100 + i % 50 (minor units)",
        spread: "uniformly random service per top-up, seeded",
        maxAttempts: MAX_ATTEMPTS,
        baselineRequests: BASELINE_REQUESTS,
        servicesStatus: "pending (top-ups are accepted before activation)",
      },
      throughput: bursts,
      baselines,
      checks,
      spreadCheck,
      targets,
    };
    console.log(`results: ${writeResults("topups", result, startedAt)}`);
    return result;
  });
}
