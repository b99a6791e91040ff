import http from "node:http";
import { loadavg } from "node:os";
import Database from "better-sqlite3";
import { luhnCheckDigit } from "../worker/lib/identifiers";
import { open } from "../worker/lib/secret-box";
import {
  benchState,
  type Check,
  type Client,
  type CpuClock,
  countCheck,
  cpuShare,
  expect,
  machineReport,
  ms,
  pool,
  postRetrying,
  printTable,
  prng,
  type Reply,
  type Stats,
  send,
  signedInWorker,
  summarize,
  verdict,
  writeResults,
} from "./lib";

const SIM_ROWS = Number(process.env.BENCH_SIM_ROWS ?? 100_000);
const MIXED_ROWS = Number(process.env.BENCH_MIXED_ROWS ?? 10_000);
// One row in a hundred has a wrong ICCID check digit.
const BAD_EVERY = 100;
const NUMBERS = Number(process.env.BENCH_NUMBERS ?? 2_000);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 400);
const BASELINE_ORDERS = Number(process.env.BENCH_BASELINE_ORDERS ?? 100);
const CONCURRENCY = 20;
// Orders of the product without inventory before anything is measured: workerd compiles and warms up.
const WARMUP_ORDERS = 20;
// An order the worker could not finish (500, or 409 while the same key is still in flight) is sent
// again with the same key, as a client following the idempotency contract would.
const MAX_ATTEMPTS = 5;
// Rows looked up in D1 and opened with the encryption key after the import.
const SPOT_CHECKS = 500;
const TARGETS = { importRowsPerSecond: 5_000 };
const SIM_HEADER = "iccid,imsi,pin,puk,ki,location";
const LOCATIONS = ["Paris DC1", "Lyon DC2", "Marseille depot", "Lille depot"];
// Serial ranges of the two SIM files: apart, so no identifier of one is in the other.
const SIM_SERIALS = 100_000_000;
const MIXED_SERIALS = 500_000_000;

type SimRow = { iccid: string; pin: string; puk: string; ki: string };
type SimFile = { body: Buffer; rows: SimRow[]; bad: number };
type ImportSummary = { import_id: string | null; dry_run: boolean; mode: string; total: number; imported: number; rejected: number; errors_truncated: boolean };

/** An ICCID of the bench's issuer: "893315", a 12-digit serial and its Luhn check digit (or a wrong one when `bad`). */
function iccidOf(serial: number, bad = false): string {
  const partial = `893315${String(serial).padStart(12, "0")}`;
  const check = Number(luhnCheckDigit(partial));
  return `${partial}${bad ? (check + 1) % 10 : check}`;
}

/** A 15-digit IMSI ("20815" + 10 digits): the serial times a prime modulo 10^10 is one-to-one, so IMSIs are unique yet not sequential. */
function imsiOf(serial: number): string {
  return `20815${String((serial * 7_919 + 1_234_567) % 10_000_000_000).padStart(10, "0")}`;
}

/** `count` SIM rows as a CSV Buffer, serials from `firstSerial`; every `badEvery`-th row (when given) has a bad ICCID check digit. */
function simFile(count: number, firstSerial: number, seed: number, badEvery?: number): SimFile {
  const random = prng(seed);
  const digits = (n: number) => String(Math.floor(random() * 10 ** n)).padStart(n, "0");
  const hex = () =>
    Math.floor(random() * 2 ** 32)
      .toString(16)
      .toUpperCase()
      .padStart(8, "0");
  const lines = [SIM_HEADER];
  const rows: SimRow[] = [];
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const isBad = badEvery !== undefined && i % badEvery === badEvery - 1;
    if (isBad) bad++;
    const serial = firstSerial + i;
    const row = { iccid: iccidOf(serial, isBad), pin: digits(4), puk: digits(8), ki: `${hex()}${hex()}${hex()}${hex()}` };
    rows.push(row);
    lines.push(`${row.iccid},${imsiOf(serial)},${row.pin},${row.puk},${row.ki},${LOCATIONS[i % LOCATIONS.length]}`);
  }
  return { body: Buffer.from(`${lines.join("\n")}\n`, "utf8"), rows, bad };
}

/** `count` unique French mobile numbers in E.164 ("+3366" + 7 digits, a one-to-one shuffle of 0..count-1) as a CSV Buffer. */
function numberFile(count: number): Buffer {
  const lines = ["msisdn,pool"];
  for (let i = 0; i < count; i++) lines.push(`+3366${String((i * 7_919 + 4_321) % 10_000_000).padStart(7, "0")},bench`);
  return Buffer.from(`${lines.join("\n")}\n`, "utf8");
}

type ImportRun = {
  name: string;
  type: string;
  mode: "all_or_nothing" | "valid_rows";
  dryRun: boolean;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  summary: ImportSummary;
  workerdCpu: { seconds: number; coreShare: number } | null;
  loadAverageAtStart: number[];
};

/** One import request (CSV Buffer with its content-length and an Idempotency-Key), timed from the first byte sent to the last received. */
async function importOnce(
  api: Client,
  clock: CpuClock | null,
  p: { name: string; type: string; mode: ImportRun["mode"]; dryRun: boolean; rows: number; body: Buffer; key: string },
): Promise<ImportRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const path = `/api/v1/inventory/import?type=${p.type}&mode=${p.mode}&dry_run=${p.dryRun}`;
    const headers = { ...api.auth(), "content-type": "text/csv", "idempotency-key": p.key };
    const loadAverageAtStart = loadavg();
    const cpuAtStart = clock?.() ?? null;
    const started = performance.now();
    const reply = await expect(200, `${p.name} (POST ${path})`, send(agent, api.base, "POST", path, headers, p.body));
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuShare(clock, cpuAtStart, 1, seconds);
    const summary = JSON.parse(reply.body) as ImportSummary;
    return {
      name: p.name,
      type: p.type,
      mode: p.mode,
      dryRun: p.dryRun,
      rows: p.rows,
      bytes: p.body.length,
      seconds,
      rowsPerSecond: p.rows / seconds,
      summary,
      workerdCpu: cpu ? { seconds: cpu.msPerRequest / 1000, coreShare: cpu.coreShare } : null,
      loadAverageAtStart,
    };
  } finally {
    agent.destroy();
  }
}

/**
 * The 100,000-row import as D1 holds it afterwards: items, both identifier keys of each, one search
 * document each, and secrets sealed (`pin,puk,ki|v1.…`), nowhere in the public fields; a sample of
 * rows opened with the worker's key gives back exactly the PIN, PUK and Ki that were sent.
 */
async function importChecks(file: string, encryptionKey: string, importId: string, sims: SimFile): Promise<Check[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const n = sims.rows.length;
    const checks = [
      countCheck(db, "sim items", `SELECT count(*) AS n FROM inventory_items WHERE type = 'sim'`, n),
      countCheck(db, "sim items of this import", `SELECT count(*) AS n FROM inventory_items WHERE import_id = ?`, n, importId),
      countCheck(db, "inventory_keys rows", `SELECT count(*) AS n FROM inventory_keys`, 2 * n),
      countCheck(db, "  of which sim:iccid", `SELECT count(*) AS n FROM inventory_keys WHERE key >= 'sim:iccid:' AND key < 'sim:iccid;'`, n),
      countCheck(db, "  of which sim:imsi", `SELECT count(*) AS n FROM inventory_keys WHERE key >= 'sim:imsi:' AND key < 'sim:imsi;'`, n),
      countCheck(db, "search_docs of entity_type inventory", `SELECT count(*) AS n FROM search_docs WHERE entity_type = 'inventory'`, n),
      countCheck(
        db,
        "items without a search doc",
        `SELECT count(*) AS n FROM inventory_items i WHERE NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.entity_type = 'inventory' AND d.entity_id = i.id)`,
        0,
      ),
      countCheck(
        db,
        "secrets not 'pin,puk,ki|v1.…'",
        `SELECT count(*) AS n FROM inventory_items WHERE type = 'sim' AND (secrets IS NULL OR secrets NOT LIKE 'pin,puk,ki|v1.%')`,
        0,
      ),
      countCheck(db, "secrets holding plain JSON", `SELECT count(*) AS n FROM inventory_items WHERE secrets LIKE '%"pin"%' OR secrets LIKE '%{%'`, 0),
      countCheck(
        db,
        "public fields holding pin/puk/ki",
        `SELECT count(*) AS n FROM inventory_items WHERE json_type(fields, '$.pin') IS NOT NULL OR json_type(fields, '$.puk') IS NOT NULL OR json_type(fields, '$.ki') IS NOT NULL`,
        0,
      ),
    ];
    const lookup = db.prepare(
      `SELECT i.secrets AS secrets, i.fields AS fields FROM inventory_keys k JOIN inventory_items i ON i.id = k.item_id WHERE k.key = ?`,
    );
    const random = prng(4_242);
    const failures: string[] = [];
    let missing = 0;
    for (let s = 0; s < SPOT_CHECKS; s++) {
      const row = sims.rows[Math.floor(random() * n)];
      if (!row) continue;
      const stored = lookup.get(`sim:iccid:${row.iccid}`) as { secrets: string | null; fields: string } | undefined;
      if (!stored) {
        missing++;
        continue;
      }
      const secrets = stored.secrets ?? "";
      const prefix = "pin,puk,ki|";
      const plain = secrets.startsWith(`${prefix}v1.`) ? await open(encryptionKey, secrets.slice(prefix.length)) : null;
      const opened = plain === null ? null : (JSON.parse(plain) as Record<string, string>);
      const problems = [
        !secrets.startsWith(`${prefix}v1.`) && "not sealed",
        // A quoted PIN (JSON), the PUK or the Ki in clear: a 4-digit PIN alone can occur in base64 by chance.
        (secrets.includes(`"${row.pin}"`) || secrets.includes(row.puk) || secrets.toUpperCase().includes(row.ki)) && "clear secret",
        (stored.fields.includes(row.puk) || stored.fields.includes(row.ki)) && "secret in fields",
        (opened?.pin !== row.pin || opened?.puk !== row.puk || opened?.ki !== row.ki) && "does not open to what was sent",
      ].filter((f): f is string => typeof f === "string");
      if (problems.length > 0) failures.push(`${row.iccid}: ${problems.join(", ")}`);
    }
    checks.push({
      name: `spot check of ${SPOT_CHECKS} rows (sealed, opens to PIN/PUK/Ki sent)`,
      value: failures.length === 0 && missing === 0 ? "all" : `${failures.length} bad, ${missing} missing: ${failures.slice(0, 3).join("; ")}`,
      expected: "all",
      pass: failures.length === 0 && missing === 0,
    });
    return checks;
  } finally {
    db.close();
  }
}

type OrderRun = {
  name: string;
  product: string;
  concurrency: number;
  orders: number;
  accepted: number;
  seconds: number;
  ordersPerSecond: number;
  latency: Stats;
  retries: number;
  rejected: string[];
  services: { id: string; iccid: string | null; msisdn: string | null }[];
  workerdCpu: { msPerRequest: number; coreShare: number } | null;
  loadAverageAtStart: number[];
};

/** `total` orders of `productId` for one customer with `concurrency` in flight, each with its own Idempotency-Key. */
async function orderBurst(
  api: Client,
  clock: CpuClock | null,
  p: { name: string; productId: string; customerId: string; total: number; concurrency: number; keyPrefix: string },
): Promise<OrderRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: p.concurrency });
  const latencies: number[] = [];
  const services: OrderRun["services"] = [];
  const rejected: string[] = [];
  let retries = 0;
  const order = (key: string): Promise<Reply> =>
    postRetrying(agent, api, `/api/v1/customers/${p.customerId}/services`, key, { product_id: p.productId }, MAX_ATTEMPTS, () => retries++);
  const loadAverageAtStart = loadavg();
  const cpuAtStart = clock?.() ?? null;
  const started = performance.now();
  try {
    await pool(p.total, p.concurrency, async (i) => {
      const key = `${p.keyPrefix}-${i}`;
      const start = performance.now();
      const reply = await order(key);
      latencies.push(performance.now() - start);
      if (reply.status !== 202) {
        rejected.push(`${key}: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
        return;
      }
      const service = (JSON.parse(reply.body) as { service: { id: string; identifiers: Record<string, string> } }).service;
      services.push({ id: service.id, iccid: service.identifiers.iccid ?? null, msisdn: service.identifiers.msisdn ?? null });
    });
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    name: p.name,
    product: p.productId,
    concurrency: p.concurrency,
    orders: p.total,
    accepted: services.length,
    seconds,
    ordersPerSecond: services.length / seconds,
    latency: summarize(latencies),
    retries,
    rejected,
    services,
    workerdCpu: cpuShare(clock, cpuAtStart, p.total, seconds),
    loadAverageAtStart,
  };
}

/** Creates an active standalone mobile product needing `requiredInventory` and returns its id. */
async function createProduct(api: Client, agent: http.Agent, slug: string, name: string, requiredInventory: string[]): Promise<string> {
  const product = await api.post(
    agent,
    "/api/v1/products",
    {
      name,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 999,
      provisioning_play: "charging_account",
      required_inventory: requiredInventory,
    },
    201,
  );
  return String(product.id);
}

export type InventoryOptions = { keep?: boolean };

/** Measures the SIM import and allocation under concurrent orders, checks both in D1, prints and saves the results. */
export async function run(options: InventoryOptions = {}) {
  return benchState("inventory", { keep: options.keep, sockets: 4 }, async ({ startedAt, vars, file, agent, startWorker }) => {
    // Secrets are opened with the worker's key.
    const encryptionKey = vars.ENCRYPTION_KEY;
    if (!encryptionKey) throw new Error("localVars() returned no ENCRYPTION_KEY");

    const built = performance.now();
    const sims = simFile(SIM_ROWS, SIM_SERIALS, 20_260_801);
    const mixed = simFile(MIXED_ROWS, MIXED_SERIALS, 20_260_802, BAD_EVERY);
    const numbers = numberFile(NUMBERS);
    console.log(
      `  CSV files built in ${((performance.now() - built) / 1000).toFixed(1)} s: ${SIM_ROWS} SIMs (${(sims.body.length / 2 ** 20).toFixed(1)} MiB), ` +
        `${MIXED_ROWS} SIMs with ${mixed.bad} bad, ${NUMBERS} numbers`,
    );

    // Another process competing for the CPUs skews every figure, so the load is recorded with them.
    const { loadAtStart, api, clock } = await signedInWorker({ startWorker, agent }, "bench/inventory");

    // 1. The SIM import: validation alone (dry run), then for real, then what D1 holds.
    const imports: ImportRun[] = [];
    const simImport = (dryRun: boolean) =>
      importOnce(api, clock, {
        name: `${SIM_ROWS} SIMs${dryRun ? ", dry run" : ""}`,
        type: "sim",
        mode: "all_or_nothing",
        dryRun,
        rows: SIM_ROWS,
        body: sims.body,
        key: `sims-${dryRun ? "dry" : "real"}`,
      });
    const dry = await simImport(true);
    imports.push(dry);
    console.log(
      `  dry run: ${dry.seconds.toFixed(1)} s, ${dry.rowsPerSecond.toFixed(0)} rows/s, imported ${dry.summary.imported}, rejected ${dry.summary.rejected}`,
    );
    await api.login(agent);
    const real = await simImport(false);
    imports.push(real);
    console.log(
      `  import: ${real.seconds.toFixed(1)} s, ${real.rowsPerSecond.toFixed(0)} rows/s, imported ${real.summary.imported}, rejected ${real.summary.rejected}`,
    );
    // The worker is idle now: D1 read beside it.
    const checks = await importChecks(file, encryptionKey, real.summary.import_id ?? "", sims);

    await api.login(agent);
    const mixedRun = await importOnce(api, clock, {
      name: `${MIXED_ROWS} SIMs, ${mixed.bad} bad`,
      type: "sim",
      mode: "valid_rows",
      dryRun: false,
      rows: MIXED_ROWS,
      body: mixed.body,
      key: "sims-mixed",
    });
    imports.push(mixedRun);
    console.log(`  mixed import: ${mixedRun.seconds.toFixed(1)} s, imported ${mixedRun.summary.imported}, rejected ${mixedRun.summary.rejected}`);

    // 2. Allocation: numbers in stock, a product taking a SIM and a number, one customer ordering concurrently.
    const numbersRun = await importOnce(api, clock, {
      name: `${NUMBERS} phone numbers`,
      type: "phone_number",
      mode: "all_or_nothing",
      dryRun: false,
      rows: NUMBERS,
      body: numbers,
      key: "numbers",
    });
    imports.push(numbersRun);
    const withInventory = await createProduct(api, agent, "bench-mobile-sim", "Bench mobile (SIM + number)", ["sim", "phone_number"]);
    const withoutInventory = await createProduct(api, agent, "bench-mobile-bare", "Bench mobile (no inventory)", []);
    const customer = await api.post(agent, "/api/v1/customers", { name: "Bench Inventory Customer", type: "individual", payment_type: "prepaid" }, 201);
    const customerId = String(customer.id);
    const burst = (name: string, productId: string, total: number, keyPrefix: string) =>
      orderBurst(api, clock, { name, productId, customerId, total, concurrency: CONCURRENCY, keyPrefix });
    await api.login(agent);
    const warmup = await burst("warm-up, no inventory", withoutInventory, WARMUP_ORDERS, "warmup");
    if (warmup.rejected.length > 0) throw new Error(`warm-up orders refused: ${warmup.rejected.slice(0, 3).join("; ")}`);
    await api.login(agent);
    const allocating = await burst("SIM + phone number", withInventory, ORDERS, "alloc");
    console.log(`  ${ORDERS} orders with inventory: ${allocating.ordersPerSecond.toFixed(1)} orders/s, p95 ${ms(allocating.latency.p95)} ms`);
    await api.login(agent);
    const bare = await burst("no inventory", withoutInventory, BASELINE_ORDERS, "bare");
    console.log(`  ${BASELINE_ORDERS} orders without inventory: ${bare.ordersPerSecond.toFixed(1)} orders/s, p95 ${ms(bare.latency.p95)} ms`);

    // Every order its own SIM and number, as answered, and as D1 holds them.
    const iccids = allocating.services.map((s) => s.iccid).filter((v): v is string => v !== null);
    const msisdns = allocating.services.map((s) => s.msisdn).filter((v): v is string => v !== null);
    const duplicateIccids = iccids.length - new Set(iccids).size;
    const duplicateMsisdns = msisdns.length - new Set(msisdns).size;
    const db = new Database(file, { readonly: true, fileMustExist: true });
    const orderedIds = new Set(allocating.services.map((s) => s.id));
    let reservedSims: { service_id: string | null }[];
    let reservedNumbers: { service_id: string | null }[];
    let bareReserved: number;
    try {
      reservedSims = db.prepare(`SELECT service_id FROM inventory_items WHERE type = 'sim' AND status = 'reserved'`).all() as { service_id: string | null }[];
      reservedNumbers = db.prepare(`SELECT service_id FROM inventory_items WHERE type = 'phone_number' AND status = 'reserved'`).all() as {
        service_id: string | null;
      }[];
      bareReserved = (
        db.prepare(`SELECT count(*) AS n FROM inventory_items i JOIN services s ON s.id = i.service_id WHERE s.product_id = ?`).get(withoutInventory) as {
          n: number;
        }
      ).n;
    } finally {
      db.close();
    }
    const simServices = new Set(reservedSims.map((r) => r.service_id));
    const numberServices = new Set(reservedNumbers.map((r) => r.service_id));
    const sameServices = (held: Set<string | null>) => held.size === orderedIds.size && [...orderedIds].every((id) => held.has(id));
    const allocationChecks: Check[] = [
      { name: "orders accepted (202)", value: String(allocating.accepted), expected: String(ORDERS), pass: allocating.accepted === ORDERS },
      { name: "answers with an ICCID", value: String(iccids.length), expected: String(ORDERS), pass: iccids.length === ORDERS },
      { name: "answers with an MSISDN", value: String(msisdns.length), expected: String(ORDERS), pass: msisdns.length === ORDERS },
      { name: "duplicate ICCIDs among answers", value: String(duplicateIccids), expected: "0", pass: duplicateIccids === 0 },
      { name: "duplicate MSISDNs among answers", value: String(duplicateMsisdns), expected: "0", pass: duplicateMsisdns === 0 },
      { name: "reserved SIMs in D1", value: String(reservedSims.length), expected: String(ORDERS), pass: reservedSims.length === ORDERS },
      { name: "reserved numbers in D1", value: String(reservedNumbers.length), expected: String(ORDERS), pass: reservedNumbers.length === ORDERS },
      {
        name: "reserved SIMs held by the ordered services, one each",
        value: String(simServices.size),
        expected: String(ORDERS),
        pass: sameServices(simServices),
      },
      {
        name: "reserved numbers held by the ordered services, one each",
        value: String(numberServices.size),
        expected: String(ORDERS),
        pass: sameServices(numberServices),
      },
      { name: "items held by no-inventory services", value: String(bareReserved), expected: "0", pass: bareReserved === 0 },
    ];

    const sim = { dry, real, mixed: mixedRun };
    const importPass = checks.every((c) => c.pass) && real.summary.imported === SIM_ROWS && real.summary.rejected === 0;
    const allocationPass = allocationChecks.every((c) => c.pass);
    const targets = [
      {
        name: `import of ${SIM_ROWS} SIM rows, rows/s`,
        value: real.rowsPerSecond.toFixed(0),
        limit: `>= ${TARGETS.importRowsPerSecond}`,
        pass: real.rowsPerSecond >= TARGETS.importRowsPerSecond,
      },
      {
        name: `import of ${SIM_ROWS} SIM rows: all in D1, secrets sealed`,
        value: importPass ? "yes" : `${checks.filter((c) => !c.pass).length} checks failed`,
        limit: "all checks",
        pass: importPass,
      },
      {
        name: `valid_rows import: rejected = bad rows`,
        value: `${mixedRun.summary.rejected} rejected, ${mixedRun.summary.imported} imported`,
        limit: `${mixed.bad} rejected, ${MIXED_ROWS - mixed.bad} imported`,
        pass: mixedRun.summary.rejected === mixed.bad && mixedRun.summary.imported === MIXED_ROWS - mixed.bad,
      },
      {
        name: `allocation p95 under ${CONCURRENCY} concurrent orders (reported)`,
        value: `${ms(allocating.latency.p95)} ms`,
        limit: "zero duplicates",
        pass: allocationPass,
      },
    ];

    console.log("");
    printTable([
      ["import", "mode", "rows", "MiB", "seconds", "rows/s", "imported", "rejected", "workerd CPU s", "core", "load"],
      ...imports.map((r) => [
        r.name,
        `${r.mode}${r.dryRun ? " (dry run)" : ""}`,
        String(r.rows),
        (r.bytes / 2 ** 20).toFixed(1),
        r.seconds.toFixed(2),
        r.rowsPerSecond.toFixed(0),
        String(r.summary.imported),
        String(r.summary.rejected),
        r.workerdCpu ? r.workerdCpu.seconds.toFixed(2) : "-",
        r.workerdCpu ? `${Math.round(r.workerdCpu.coreShare * 100)}%` : "-",
        r.loadAverageAtStart[0]?.toFixed(2) ?? "-",
      ]),
    ]);
    console.log("(rows/s: rows in the file / wall time of the one request, upload and answer included; workerd CPU s: CPU time of workerd during it)");
    console.log("");
    printTable([["D1 after the import", "value", "expected", "result"], ...checks.map((c) => [c.name, c.value, c.expected, verdict(c.pass)])]);
    console.log("");
    const orderRuns = [allocating, bare];
    printTable([
      ["orders", "in flight", "n", "accepted", "seconds", "orders/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "retries", "workerd ms/req", "core", "load"],
      ...orderRuns.map((o) => [
        o.name,
        String(o.concurrency),
        String(o.orders),
        String(o.accepted),
        o.seconds.toFixed(2),
        o.ordersPerSecond.toFixed(1),
        ms(o.latency.p50),
        ms(o.latency.p95),
        ms(o.latency.p99),
        ms(o.latency.max),
        String(o.retries),
        ms(o.workerdCpu?.msPerRequest ?? Number.NaN),
        o.workerdCpu ? `${Math.round(o.workerdCpu.coreShare * 100)}%` : "-",
        o.loadAverageAtStart[0]?.toFixed(2) ?? "-",
      ]),
    ]);
    const delta = { p50: allocating.latency.p50 - bare.latency.p50, p95: allocating.latency.p95 - bare.latency.p95 };
    console.log(
      `allocation cost (SIM + number vs no inventory): p50 +${ms(delta.p50)} ms, p95 +${ms(delta.p95)} ms; ` +
        `workerd +${ms((allocating.workerdCpu?.msPerRequest ?? Number.NaN) - (bare.workerdCpu?.msPerRequest ?? Number.NaN))} ms CPU per order`,
    );
    for (const o of orderRuns) if (o.rejected.length > 0) console.log(`${o.name}: ${o.rejected.length} refused, e.g. ${o.rejected.slice(0, 3).join("; ")}`);
    console.log("");
    printTable([["allocation check", "value", "expected", "result"], ...allocationChecks.map((c) => [c.name, c.value, c.expected, verdict(c.pass)])]);
    console.log("");
    printTable([["target", "value", "limit", "result"], ...targets.map((t) => [t.name, t.value, t.limit, verdict(t.pass)])]);
    console.log("");
    console.log(`allocation p95 under ${CONCURRENCY} concurrent orders: ${ms(allocating.latency.p95)} ms (${verdict(allocationPass)}: zero duplicates)`);
    console.log(
      `import of ${SIM_ROWS} SIM rows: ${real.rowsPerSecond.toFixed(0)} rows/s (target >= ${TARGETS.importRowsPerSecond}): ${verdict(real.rowsPerSecond >= TARGETS.importRowsPerSecond)}`,
    );
    const machine = machineReport(loadAtStart);

    const result = {
      benchmark: "inventory",
      startedAt: startedAt.toISOString(),
      machine,
      method: {
        simRows: SIM_ROWS,
        simBytes: sims.body.length,
        mixedRows: MIXED_ROWS,
        badRows: mixed.bad,
        badRowKind: "wrong ICCID Luhn check digit",
        numbers: NUMBERS,
        orders: ORDERS,
        baselineOrders: BASELINE_ORDERS,
        warmupOrders: WARMUP_ORDERS,
        concurrency: CONCURRENCY,
        maxAttempts: MAX_ATTEMPTS,
        spotChecks: SPOT_CHECKS,
        rowsPerSecond: "rows in the file / wall time of the request",
      },
      imports: sim,
      numbersImport: numbersRun,
      importChecks: checks,
      orders: orderRuns.map(({ services, ...o }) => ({ ...o, rejected: o.rejected.slice(0, 10) })),
      allocationCost: delta,
      allocationChecks,
      targets,
    };
    console.log(`results: ${writeResults("inventory", result, startedAt)}`);
    return result;
  });
}
