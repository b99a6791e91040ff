import http from "node:http";
import { loadavg } from "node:os";
import Database from "better-sqlite3";
import { PASSWORD_ITERATIONS, verifyPassword } from "../worker/lib/password";
import {
  ADMIN_EMAIL,
  type BenchWorker,
  benchState,
  expect,
  machineInfo,
  measure,
  ms,
  PASSWORD,
  printTable,
  type Stats,
  send,
  statsRow,
  summarize,
  verdict,
  writeResults,
} from "./lib";

// The login guard keeps one Durable Object per account: rotating over many accounts is what many
// people signing in looks like, rather than one account hammered.
const ACCOUNTS = 20;
const LOGIN_WARMUP = 10;
const LOGIN_ITERATIONS = 100;
const CONCURRENCY = [4, 8];
const CONCURRENT_LOGINS = 100;
const AUTH_WARMUP = 50;
const AUTH_BLOCKS = 4;
const AUTH_ROUNDS = 500;
const NODE_HASH_ITERATIONS = 20;
const TARGETS = { authOverheadP95Ms: 1 };
const STAFF_ROLE = "rol_support";

/** HTTP calls against the worker; every sign-in comes from its own address. */
function client(worker: BenchWorker) {
  const base = new URL(worker.url);
  let addresses = 0;
  return {
    get: (agent: http.Agent, path: string, token: string | null, status = 200) =>
      expect(status, `GET ${path}`, send(agent, base, "GET", path, token ? { authorization: `Bearer ${token}` } : {})),
    post: async (agent: http.Agent, path: string, token: string, body: unknown) =>
      JSON.parse((await expect(201, `POST ${path}`, send(agent, base, "POST", path, { authorization: `Bearer ${token}` }, body))).body) as Record<
        string,
        unknown
      >,
    /** Signs in and returns the access token. */
    login: async (agent: http.Agent, email: string) => {
      // Real sign-ins come from many addresses, and each address has its own guard object: one shared
      // address would measure a single hot per-IP counter instead of what production sees.
      const n = ++addresses;
      const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      const reply = await expect(
        200,
        `login ${email}`,
        send(agent, base, "POST", "/api/v1/auth/login", { "cf-connecting-ip": ip, "user-agent": "bench/auth" }, { email, password: PASSWORD }),
      );
      return (JSON.parse(reply.body) as { access_token: string }).access_token;
    },
  };
}

type Client = ReturnType<typeof client>;

type Burst = { concurrency: number; logins: number; seconds: number; loginsPerSecond: number; latency: Stats };

/** `total` sign-ins with `concurrency` of them in flight at all times, each lane on its own keep-alive connection. */
async function loginBurst(api: Client, emails: readonly string[], total: number, concurrency: number): Promise<Burst> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const start = performance.now();
      await api.login(agent, emails[i % emails.length] ?? ADMIN_EMAIL);
      latencies.push(performance.now() - start);
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return { concurrency, logins: total, seconds, loginsPerSecond: total / seconds, latency: summarize(latencies) };
}

export type AuthOptions = { keep?: boolean };

/** Measures sign-in latency and throughput and per-request authorization overhead over HTTP, prints and saves the results. */
export async function run(options: AuthOptions = {}) {
  // One keep-alive connection, as an integrator's HTTP client would hold.
  return benchState("auth", { keep: options.keep, sockets: 1 }, async ({ startedAt, vars, file, passwordHash: adminHash, agent, startWorker }) => {
    // Hashes must use the pepper the worker gets, or login fails.
    const pepper = vars.PASSWORD_PEPPER ?? "";

    // The hash alone, in Node, before the worker runs: how much of a sign-in is PBKDF2 itself.
    await verifyPassword(PASSWORD, pepper, adminHash);
    const nodeHash = await measure(NODE_HASH_ITERATIONS, async () => {
      if (!(await verifyPassword(PASSWORD, pepper, adminHash))) throw new Error("verifyPassword rejected the admin password");
    });

    // Another process competing for the CPUs skews every figure, so the load is recorded with them.
    const loadAtStart = loadavg();
    const worker = await startWorker();
    const api = client(worker);
    console.log(`  worker on ${worker.url}; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);

    const admin = await api.login(agent, ADMIN_EMAIL);
    const emails = Array.from({ length: ACCOUNTS }, (_, i) => `bench-staff-${String(i + 1).padStart(2, "0")}@example.com`);
    const createStarted = performance.now();
    for (const [i, email] of emails.entries()) {
      await api.post(agent, "/api/v1/users", admin, { email, name: `Bench Staff ${i + 1}`, roles: [STAFF_ROLE], password: PASSWORD });
    }
    const createSeconds = (performance.now() - createStarted) / 1000;
    const key = await api.post(agent, "/api/v1/api-keys", admin, { name: "bench", permissions: ["customers:read"] });
    const apiKey = String(key.secret);
    console.log(`  ${ACCOUNTS} staff users created through the API in ${createSeconds.toFixed(1)} s (each hashes its password)`);

    // Sign-in latency, one after another.
    for (let i = 0; i < LOGIN_WARMUP; i++) await api.login(agent, emails[i % ACCOUNTS] ?? ADMIN_EMAIL);
    const freshTokens: string[] = [];
    const sequentialStarted = performance.now();
    const loginSamples = await measure(LOGIN_ITERATIONS, async (i) => freshTokens.push(await api.login(agent, emails[i % ACCOUNTS] ?? ADMIN_EMAIL)));
    const sequentialSeconds = (performance.now() - sequentialStarted) / 1000;
    const bursts: Burst[] = [
      {
        concurrency: 1,
        logins: LOGIN_ITERATIONS,
        seconds: sequentialSeconds,
        loginsPerSecond: LOGIN_ITERATIONS / sequentialSeconds,
        latency: summarize(loginSamples),
      },
    ];
    for (const concurrency of CONCURRENCY) bursts.push(await loginBurst(api, emails, CONCURRENT_LOGINS, concurrency));

    // Authorization overhead: the same cheap handler (/api/v1/me) with each kind of caller, against
    // /healthz, which no authentication middleware touches. A staff token is the typical caller.
    const staff = await api.login(agent, emails[0] ?? ADMIN_EMAIL);
    const me = (token: string) => api.get(agent, "/api/v1/me", token);
    const checkType = async (token: string, type: string) => {
      const body = JSON.parse((await me(token)).body) as { type: string };
      if (body.type !== type) throw new Error(`/api/v1/me answered type ${body.type}, expected ${type}`);
    };
    await checkType(staff, "user");
    await checkType(apiKey, "api_key");
    const probes = [
      { name: "healthz", call: () => api.get(agent, "/healthz", null) },
      { name: "noToken", call: () => api.get(agent, "/api/v1/me", null, 401) },
      { name: "jwt", call: () => me(staff) },
      { name: "apiKey", call: () => me(apiKey) },
    ];
    // Interleaved, with the order rotating each round, so drift from a competing process hits every
    // series alike. Rounds take a few ms, so the 5 s principal cache stays warm except when an entry
    // expires (it is not extended on use): then one request takes the cold path, as in production.
    // Several blocks rather than one: a 0.2 ms difference sits under milliseconds of scheduling noise
    // at p95, so the pooled samples narrow it and the spread between blocks shows how much is left.
    const blocks = Array.from({ length: AUTH_BLOCKS }, (): Record<string, number[]> => Object.fromEntries(probes.map((p) => [p.name, []])));
    for (let round = -AUTH_WARMUP; round < AUTH_BLOCKS * AUTH_ROUNDS; round++) {
      const block = round < 0 ? undefined : blocks[Math.floor(round / AUTH_ROUNDS)];
      for (let k = 0; k < probes.length; k++) {
        const probe = probes[(round + AUTH_WARMUP + k) % probes.length];
        if (!probe) continue;
        const start = performance.now();
        await probe.call();
        block?.[probe.name]?.push(performance.now() - start);
      }
    }
    const pooled = (name: string) => blocks.flatMap((b) => b[name] ?? []);
    const blockP95Overhead = (name: string) => blocks.map((b) => summarize(b[name] ?? []).p95 - summarize(b.healthz ?? []).p95);
    // Cold path: the first request of each token from the measured sign-ins, whose sessions no
    // request has looked up yet (JWT check plus the session/permissions query in D1).
    const coldSamples = await measure(freshTokens.length, (i) => me(freshTokens[i] ?? ""));

    // The worker is idle now: confirm every account hashes with the production parameters.
    const check = new Database(file, { readonly: true, fileMustExist: true });
    const hashes = check.prepare(`SELECT password_hash AS hash FROM users`).all() as { hash: string | null }[];
    check.close();
    const realCost = hashes.filter((h) => h.hash?.startsWith(`pbkdf2-sha256$${PASSWORD_ITERATIONS}$`)).length;
    if (realCost !== hashes.length) throw new Error(`${hashes.length - realCost} of ${hashes.length} users do not hash with ${PASSWORD_ITERATIONS} iterations`);

    const stats = {
      loginSequential: summarize(loginSamples),
      nodeHash: summarize(nodeHash),
      healthz: summarize(pooled("healthz")),
      meNoToken: summarize(pooled("noToken")),
      meJwtCached: summarize(pooled("jwt")),
      meApiKeyCached: summarize(pooled("apiKey")),
      meJwtCold: summarize(coldSamples),
    };
    const over = (s: Stats) => ({ p50: s.p50 - stats.healthz.p50, p95: s.p95 - stats.healthz.p95 });
    const overheadMs = {
      jwtCached: over(stats.meJwtCached),
      apiKeyCached: over(stats.meApiKeyCached),
      jwtCold: over(stats.meJwtCold),
      noToken: over(stats.meNoToken),
    };
    const p95OverheadByBlockMs = { jwtCached: blockP95Overhead("jwt"), apiKeyCached: blockP95Overhead("apiKey"), noToken: blockP95Overhead("noToken") };
    const targets = [
      { name: "auth overhead p95, access JWT", value: overheadMs.jwtCached.p95, limit: TARGETS.authOverheadP95Ms },
      { name: "auth overhead p95, API key", value: overheadMs.apiKeyCached.p95, limit: TARGETS.authOverheadP95Ms },
    ].map((t) => ({ ...t, pass: t.value <= t.limit }));

    console.log("");
    const row = (label: string, s: Stats, overhead?: { p50: number; p95: number }) =>
      statsRow(label, s, overhead ? ms(overhead.p50) : "", overhead ? ms(overhead.p95) : "");
    printTable([
      ["latency (ms)", "n", "mean", "p50", "p95", "p99", "max", "+ p50", "+ p95"],
      row("login  POST /api/v1/auth/login (sequential)", stats.loginSequential),
      row(`login  PBKDF2 verify alone (Node, ${PASSWORD_ITERATIONS.toLocaleString("en")} it.)`, stats.nodeHash),
      row("base   GET /healthz (no authentication)", stats.healthz),
      row("auth   GET /api/v1/me, no token (401)", stats.meNoToken, overheadMs.noToken),
      row("auth   GET /api/v1/me, access JWT (cached)", stats.meJwtCached, overheadMs.jwtCached),
      row("auth   GET /api/v1/me, API key (cached)", stats.meApiKeyCached, overheadMs.apiKeyCached),
      row("auth   GET /api/v1/me, fresh JWT (cold, D1)", stats.meJwtCold, overheadMs.jwtCold),
    ]);
    console.log("(+ p50/+ p95: minus the /healthz baseline of the same run)");
    console.log(
      `+ p95 by block of ${AUTH_ROUNDS} rounds (their spread is noise): access JWT ${p95OverheadByBlockMs.jwtCached.map(ms).join(" ")}; ` +
        `API key ${p95OverheadByBlockMs.apiKeyCached.map(ms).join(" ")}; no token ${p95OverheadByBlockMs.noToken.map(ms).join(" ")}`,
    );
    console.log("");
    printTable([
      ["sign-in throughput", "in flight", "logins", "seconds", "logins/s", "p50 ms", "p95 ms"],
      ...bursts.map((b) => [
        b.concurrency === 1 ? "sequential" : "concurrent",
        String(b.concurrency),
        String(b.logins),
        b.seconds.toFixed(2),
        b.loginsPerSecond.toFixed(1),
        ms(b.latency.p50),
        ms(b.latency.p95),
      ]),
    ]);
    console.log("");
    printTable([["target", "value", "limit", "result"], ...targets.map((t) => [t.name, `${ms(t.value)} ms`, `<= ${t.limit} ms`, verdict(t.pass)])]);
    const machine = { ...machineInfo(), loadAverageAtStart: loadAtStart };
    console.log("");
    console.log(
      `${hashes.length} accounts, all PBKDF2-SHA256 ${PASSWORD_ITERATIONS.toLocaleString("en")} iterations; ${machine.cpus} CPUs, ` +
        `load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")} at start, ${machine.loadAverage.map((l) => l.toFixed(2)).join(" ")} at end`,
    );

    const result = {
      benchmark: "auth",
      startedAt: startedAt.toISOString(),
      machine,
      dataset: {
        accounts: ACCOUNTS,
        staffRole: STAFF_ROLE,
        passwordIterations: PASSWORD_ITERATIONS,
        usersChecked: hashes.length,
        createUsersSeconds: createSeconds,
      },
      method: {
        loginWarmup: LOGIN_WARMUP,
        loginIterations: LOGIN_ITERATIONS,
        concurrency: CONCURRENCY,
        concurrentLogins: CONCURRENT_LOGINS,
        authWarmup: AUTH_WARMUP,
        authBlocks: AUTH_BLOCKS,
        authRoundsPerBlock: AUTH_ROUNDS,
        authInterleaved: true,
        coldTokens: freshTokens.length,
        nodeHashIterations: NODE_HASH_ITERATIONS,
        distinctClientIpPerLogin: true,
      },
      latencyMs: stats,
      overheadMs,
      p95OverheadByBlockMs,
      throughput: bursts,
      targets,
    };
    console.log(`results: ${writeResults("auth", result, startedAt)}`);
    return result;
  });
}
