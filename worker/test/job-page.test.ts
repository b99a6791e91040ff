import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, pageSession, unique } from "./helpers";

/** The runner's outcome as the service's Durable Object records it: provisioning, then active with 1 GB of data. */
async function activate(serviceId: string, identifiers: Record<string, string>) {
  const service = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId));
  const op = { actor: { type: "system" as const, id: null, label: "job page test" }, requestId: null, now: new Date().toISOString() };
  await service.transition(serviceId, "start_provisioning", { ...op, key: "provisioning" });
  await service.transition(serviceId, "activate", { ...op, key: "active", identifiers, grants: [{ unit: "data", amount: GB, validity_days: 30 }] });
}

const GB = 2 ** 30;

let productId = "";
let customerId = "";

/** A new service ordered through the API: its id and its provisioning job's. */
async function orderOne() {
  const res = await api("POST", `/customers/${customerId}/services`, {
    body: { product_id: productId },
    headers: { "idempotency-key": `jp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { serviceId: res.body.service.id as string, jobId: res.body.job.id as string };
}

/** Task events as the runner API stores them: seq, attempt, at, task, status, duration, message. */
async function addEvents(jobId: string, events: [number, number, number, string, string, number | null, string | null][]) {
  const t0 = Date.parse("2025-03-01T10:00:00Z");
  for (const [seq, attempt, offsetMs, task, status, durationMs, message] of events) {
    await env.DB.prepare("INSERT INTO job_events (job_id, seq, attempt, at, task, status, message, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(jobId, seq, attempt, new Date(t0 + offsetMs).toISOString(), task, status, message, durationMs)
      .run();
  }
}

const setJob = (jobId: string, status: string, attempts: number, error: string | null = null) =>
  env.DB.prepare("UPDATE jobs SET status = ?, attempts = ?, error = ? WHERE id = ?").bind(status, attempts, error, jobId).run();

/** The rows of the job page's task tables: id, class, status and text of each. */
function taskRows(html: string) {
  return [...html.matchAll(/<tr(?: class="([^"]*)")? id="(task-\d+-\d+)" data-status="([^"]+)">(.*?)<\/tr>/g)].map((m) => ({
    class: m[1],
    id: m[2],
    status: m[3],
    text: (m[4] ?? "")
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ")
      .trim(),
  }));
}

beforeAll(async () => {
  const slug = unique("jobpage")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  productId = (
    await api("POST", "/products", {
      body: {
        name: `Job page ${slug}`,
        slug,
        type: "standalone",
        service_type: "mobile",
        status: "active",
        retail_price: 999,
        provisioning_play: "charging_account",
        included_balances: [{ unit: "data", amount: GB, validity_days: 30 }],
      },
    })
  ).body.id;
  customerId = (await api("POST", "/customers", { body: { name: unique("Job page customer"), type: "individual", payment_type: "prepaid" } })).body.id;
});

describe("the job page", () => {
  it("shows one row per task with its duration, attempts apart, the failed task highlighted and linked, and a running task", async () => {
    const { jobId } = await orderOne();
    await addEvents(jobId, [
      [1, 1, 0, "Create the account", "started", null, null],
      [2, 1, 1200, "Create the account", "changed", 1200, null],
      [3, 1, 1300, "Add the <balances>", "started", null, null],
      [4, 1, 4800, "Add the <balances>", "failed", null, "SERVER_ERROR"],
      [5, 2, 60_000, "Create the account", "started", null, null],
      [6, 2, 60_400, "Create the account", "ok", 400, null],
      [7, 2, 60_500, "Add the <balances>", "started", null, null],
    ]);
    await setJob(jobId, "leased", 2);
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/jobs/${jobId}`)).text();
    expect(html).toContain('hx-trigger="every 2s"');
    const rows = taskRows(html);
    // Seven events, four task rows: start and result merged, attempts numbered apart.
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ["task-1-1", "changed"],
      ["task-1-2", "failed"],
      ["task-2-1", "ok"],
      ["task-2-2", "running"],
    ]);
    expect(rows[0]?.text).toContain("1.2 s");
    // No duration reported: the time between its start and its result.
    expect(rows[1]?.text).toContain("3.5 s");
    expect(rows[1]?.text).toContain("Add the &lt;balances&gt;");
    expect(rows[1]?.text).toContain("SERVER_ERROR");
    expect(rows[1]?.class).toContain("row-failed");
    expect(rows[2]?.text).toContain("400 ms");
    expect(rows[3]?.text).toMatch(/running .* so far/);
    expect(html).toContain("<caption>Attempt 1</caption>");
    expect(html).toContain("<caption>Attempt 2 (running)</caption>");
    expect(html).toMatch(/<a href="#task-1-2">Failed task: Add the &lt;balances&gt;<\/a>/);
    expect(html.match(/Attempt 2 of \d+: [^<]*/)?.[0]).toMatch(/^Attempt 2 of \d+: 1 of 2 task\(s\) done\.$/);

    // The attempt ends without the task's result: no longer "running", and the fragment stops polling.
    await addEvents(jobId, [[8, 2, 61_000, "Play recap", "info", null, "ok=1 failed=0"]]);
    await setJob(jobId, "failed", 2, "Add the <balances>: timed out");
    const done = await (await page.get(`/admin/jobs/${jobId}/live`)).text();
    expect(done).not.toContain("every 2s");
    expect(taskRows(done).map((r) => r.status)).toEqual(["changed", "failed", "ok", "no result", "info"]);
  });

  it("keeps the empty state before any event", async () => {
    const { jobId } = await orderOne();
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/jobs/${jobId}`)).text();
    expect(html).toContain("No events yet.");
    expect(taskRows(html)).toEqual([]);
  });
});

describe("the service page while a job runs", () => {
  it("polls a fragment while a job is open, refreshes status, identifiers and balances, and says how the job ended", async () => {
    const { serviceId, jobId } = await orderOne();
    const page = await pageSession("support");
    const live = `/admin/services/${serviceId}/live?watch=${jobId}`;
    const open = await (await page.get(`/admin/services/${serviceId}`)).text();
    expect(open).toContain(`hx-get="${live}"`);
    expect(open).toContain('id="service-status"');

    const pendingRes = await page.get(live);
    expect(pendingRes.headers.get("hx-redirect")).toBeNull();
    const pending = await pendingRes.text();
    expect(pending).toContain(`hx-get="${live}"`);
    expect(pending).toContain('hx-swap-oob="true"');
    expect(pending).toMatch(/id="service-status"[^>]*><span class="badge badge-pending">pending<\/span>/);
    expect(pending).not.toContain("Provisioned");

    // The runner's outcome: the service is active with its number and balance, the job succeeded.
    await activate(serviceId, { msisdn: "+33600000042" });
    await setJob(jobId, "succeeded", 1);
    const endedRes = await page.get(live);
    // The browser is sent to the whole page again (every card shows what the job changed), which says how it ended.
    expect(endedRes.headers.get("hx-redirect")).toBe(`/admin/services/${serviceId}?ended=${jobId}`);
    const ended = await endedRes.text();
    expect(ended).not.toContain("hx-get=");
    expect(ended).toMatch(/id="service-status"[^>]*><span class="badge badge-active">active<\/span>/);
    expect(ended).toContain("+33600000042");
    expect(ended).toContain(`Provisioned. <a href="/admin/jobs/${jobId}">View the job</a>`);
    expect(ended).toContain('id="service-balances" hx-swap-oob="true"');

    const redirected = await (await page.get(`/admin/services/${serviceId}?ended=${jobId},job_notthisservice`)).text();
    expect(redirected).not.toContain(`/admin/services/${serviceId}/live`);
    expect(redirected).toContain(`Provisioned. <a href="/admin/jobs/${jobId}">View the job</a>`);

    const reloaded = await (await page.get(`/admin/services/${serviceId}`)).text();
    expect(reloaded).not.toContain(`/admin/services/${serviceId}/live`);
    expect(reloaded).not.toContain("Provisioned.");
  });

  it("names what each job is for in the jobs list: product, number and customer, not ids", async () => {
    const { serviceId, jobId } = await orderOne();
    await activate(serviceId, { msisdn: "+33600000043" });
    await setJob(jobId, "succeeded", 1);
    const html = await (await (await pageSession("support")).get("/admin/jobs?status=succeeded")).text();
    const row = html.match(new RegExp(`<tr>(?:(?!</tr>).)*${jobId}(?:(?!</tr>).)*</tr>`, "s"))?.[0] ?? "";
    expect(row).toContain(`<a href="/admin/services/${serviceId}" title="${serviceId}">`);
    expect(row).toMatch(/Job page [^<]* · \+33600000043<\/a>/);
    expect(row).toContain("Job page customer");
  });

  it("announces a failed job with its task and message", async () => {
    const { serviceId, jobId } = await orderOne();
    const page = await pageSession("support");
    await setJob(jobId, "dead", 3, "Create the account: SERVER_ERROR");
    const html = await (await page.get(`/admin/services/${serviceId}/live?watch=${jobId},not-a-job`)).text();
    expect(html).not.toContain("hx-get=");
    expect(html).toContain(`Failed: Create the account: SERVER_ERROR. <a href="/admin/jobs/${jobId}">View the job</a>`);
    expect((await page.get(`/admin/services/svc_nope/live`)).status).toBe(404);
  });
});

describe("balance bars", () => {
  it("say how much is left of what was granted and when it expires, in words and to assistive technology", async () => {
    const { serviceId } = await orderOne();
    await activate(serviceId, {});
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/services/${serviceId}`)).text();
    // In the operator's time zone, as the page shows it (near midnight UTC the date differs).
    const { default_timezone: timeZone } = (await api("GET", "/settings")).body;
    const expiry = new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium" }).format(new Date(Date.now() + 30 * 86_400_000));
    expect(html).toContain('<span class="balance-caption">1.00 GB of 1.00 GB remaining</span>');
    expect(html).toContain(`expires ${expiry}`);
    expect(html).toContain(`aria-label="data: 1.00 GB of 1.00 GB remaining, expires ${expiry}"`);
  });
});
