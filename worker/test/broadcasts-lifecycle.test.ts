/**
 * Cell broadcast after approval: per-cell results reported by the runner (and read again), updates
 * (CAP Update: same message code, update number + 1, the old messages replaced), expiry and
 * completion by the minute cron, templates with blanks, and the admin pages that drive all of it.
 */

import { env } from "cloudflare:test";
import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { seal } from "../lib/secret-box";
import { scheduledTasks } from "../scheduled";
import { api, ensureUser, pageSession, runnerRequest, tokenFor } from "./helpers";

const bearer = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } }) as const;
const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const future = (ms = 3 * 3600_000) => new Date(Date.now() + ms).toISOString();

let runnerKey = "";
let approverToken = "";
let approverPage: Awaited<ReturnType<typeof pageSession>>;
let seq = 0;

const runnerCall = (path: string, body: unknown) => runnerRequest(runnerKey, path, body);

/** Leases the job as the runner does and reports its outcome; returns what the runner was given. */
async function runJob(jobId: string, outputs: unknown, status: "succeeded" | "failed" = "succeeded") {
  await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(jobId).run();
  const pulled = await runnerCall("/jobs/pull", { batch_size: 10, visibility_timeout_ms: 60_000 });
  const message = pulled.body.messages?.find((m: { id: string }) => m.id === jobId);
  expect(message, JSON.stringify(pulled.body)).toBeTruthy();
  const done = await runnerCall(`/jobs/${jobId}/result`, {
    lease_id: message.lease_id,
    status,
    outputs,
    ...(status === "failed" ? { error: { message: "the CBC refused it", task: "CBC" } } : {}),
  });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  return message.body.extra_vars.broadcast;
}

async function cellSite(lat: number, lon: number) {
  const cellId = String(700_000 + (Date.now() % 90_000) * 10 + (seq++ % 10));
  const res = await api("POST", "/inventory/items", {
    body: { type: "cell_site", fields: { cell_id: cellId, name: `Site ${cellId}`, tac: 4200, mcc: "208", mnc: "99", latitude: lat, longitude: lon } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return cellId;
}

const alertInput = (over: Record<string, unknown> = {}) => ({
  event: "Flood warning",
  urgency: "Expected",
  severity: "Severe",
  certainty: "Likely",
  messages: [{ language: "en", text: "The river is rising: keep away from the banks." }],
  area: { circles: [{ lat: 45.2, lon: 4.2, radius_km: 3 }] },
  expires_at: future(),
  ...over,
});

/** A draft made by the admin, submitted and approved by the second broadcaster; returns it and the send job. */
async function approvedAlert(over: Record<string, unknown> = {}) {
  const made = await api("POST", "/broadcasts", { body: alertInput(over) });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  await api("POST", `/broadcasts/${made.body.id}/submit`);
  // A TOTP code is accepted once: each approval takes the next time step's code.
  await env.DB.prepare("UPDATE users SET totp_last_step = NULL WHERE email = 'broadcaster@test.local'").run();
  const approved = await api("POST", `/broadcasts/${made.body.id}/approve`, { ...bearer(approverToken), body: { otp: await generate({ secret: SECRET }) } });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  return approved.body as { id: string; job_id: string; target_cells: string[]; serial: { msg_code: number; update_nr: number }; message_id: number };
}

/** The VTY report of one message (as runner/lib/cbc-vty.ts parses osmo-cbc's `show message id`). */
const report = (messageId: number, installed: string[], failed: { cell: string; cause: number }[] = []) => ({
  message_id: messageId,
  status: "sent",
  http_status: 201,
  cells: {
    message_id: messageId,
    state: "ACTIVE",
    peers: [{ peer: "mme-sim", state: "ACTIVE", installed, failed, completed: installed.map((cell) => ({ cell, done: 1, of: 0 })) }],
  },
});

describe("cell broadcast lifecycle", () => {
  let near = "";
  let other = "";
  beforeAll(async () => {
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE status IN ('pending', 'ready', 'leased')").run();
    runnerKey = (await api("POST", "/api-keys", { body: { name: `runner-${Date.now()}`, kind: "runner", permissions: ["customers:read"] } })).body.secret;
    const approver = await ensureUser("broadcaster");
    // Signed in (API and pages) before two-factor authentication is turned on for the approver.
    await env.DB.prepare("UPDATE users SET totp_enabled_at = NULL WHERE id = ?").bind(approver.id).run();
    approverToken = await tokenFor("broadcaster");
    approverPage = await pageSession("broadcaster");
    await env.DB.prepare("UPDATE users SET totp_secret = ?2, totp_enabled_at = ?3, totp_last_step = NULL WHERE id = ?1")
      .bind(approver.id, await seal(env.ENCRYPTION_KEY, SECRET), new Date().toISOString())
      .run();
    near = await cellSite(45.2, 4.2);
    other = await cellSite(45.21, 4.21);
  });

  it("keeps the per-cell results the runner reports, and reads them again on request", async () => {
    const alert = await approvedAlert();
    expect(alert.target_cells).toEqual(expect.arrayContaining([near, other]));
    await runJob(alert.job_id, { broadcast: { action: "send", results: [report(alert.message_id, [near], [{ cell: other, cause: 10 }])] } });
    const results = await api("GET", `/broadcasts/${alert.id}/results`);
    expect(results.status).toBe(200);
    expect(results.body.summary).toMatchObject({ installed: 1, failed: 1 });
    expect(results.body.cells).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cell: near, result: "installed", completed: 1, peer: "mme-sim" }),
        expect.objectContaining({ cell: other, result: "failed", cause: 10, cause_text: "cell broadcast not operational" }),
      ]),
    );
    expect(results.body.results_at).toEqual(expect.any(String));
    // Malformed reports are left out, never trusted.
    const refresh = await api("POST", `/broadcasts/${alert.id}/results/refresh`);
    expect(refresh.status).toBe(202);
    const vars = await runJob(refresh.body.job_id, {
      broadcast: { action: "status", results: [report(alert.message_id, [near, other]), { message_id: "x", cells: { peers: "no" } }] },
    });
    expect(vars).toMatchObject({ action: "status", message_ids: [alert.message_id], messages: [] });
    const again = await api("GET", `/broadcasts/${alert.id}/results`);
    expect(again.body.summary).toMatchObject({ installed: 2, failed: 0 });
    // The alert page shows them, and refreshes itself while the alert is on air.
    const page = await (await pageSession("admin")).get(`/admin/broadcasts/${alert.id}`);
    const html = await page.text();
    expect(html).toContain("Results from the CBC");
    expect(html).toContain(`hx-get="/admin/broadcasts/${alert.id}/results?seen=broadcasting"`);
    expect(html).toContain(near);
    // A page drawn for another status is reloaded whole (the author watching an alert being approved).
    const stale = await (await pageSession("admin")).get(`/admin/broadcasts/${alert.id}/results?seen=submitted`, { "hx-request": "true" });
    expect(stale.headers.get("hx-refresh")).toBe("true");
    // Only an alert on air can be read again.
    const draft = await api("POST", "/broadcasts", { body: alertInput() });
    expect((await api("POST", `/broadcasts/${draft.body.id}/results/refresh`)).status).toBe(409);
  });

  it("updates an alert on air: same message code, update number + 1, the old messages replaced once sent", async () => {
    const alert = await approvedAlert();
    await runJob(alert.job_id, { broadcast: { action: "send", results: [] } });
    const update = await api("POST", `/broadcasts/${alert.id}/update`, {
      body: alertInput({ messages: [{ language: "en", text: "The flood now reaches the old town." }] }),
    });
    expect(update.status, JSON.stringify(update.body)).toBe(201);
    expect(update.body).toMatchObject({
      status: "draft",
      supersedes_id: alert.id,
      serial: { msg_code: alert.serial.msg_code, update_nr: alert.serial.update_nr + 1 },
    });
    const cap = await api("GET", `/broadcasts/${update.body.id}/cap`);
    expect(cap.body).toContain("<msgType>Update</msgType>");
    expect(cap.body).toMatch(/<references>[^<]+,OBSS-[^<]+<\/references>/);
    // Until the update is approved and sent, the alert stays on air.
    expect((await api("GET", `/broadcasts/${alert.id}`)).body.status).toBe("broadcasting");
    await api("POST", `/broadcasts/${update.body.id}/submit`);
    await env.DB.prepare("UPDATE users SET totp_last_step = NULL WHERE email = 'broadcaster@test.local'").run();
    const approved = await api("POST", `/broadcasts/${update.body.id}/approve`, {
      ...bearer(approverToken),
      body: { otp: await generate({ secret: SECRET }) },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const vars = await runJob(approved.body.job_id, { broadcast: { action: "send", results: [] } });
    expect(vars.replaces).toEqual([alert.message_id]);
    expect(vars.messages[0].smscb_message.serial_nr.serial_nr_decoded).toMatchObject({
      msg_code: alert.serial.msg_code,
      update_nr: alert.serial.update_nr + 1,
    });
    expect((await api("GET", `/broadcasts/${update.body.id}`)).body.status).toBe("broadcasting");
    expect((await api("GET", `/broadcasts/${alert.id}`)).body.status).toBe("completed");
    const actions = (await api("GET", `/activity?entity=broadcast&entity_id=${alert.id}`)).body.data.map((a: { action: string }) => a.action);
    expect(actions).toContain("broadcast.superseded");
    // A closed alert cannot be updated; an update of a draft replaces it at once.
    expect((await api("POST", `/broadcasts/${alert.id}/update`, { body: alertInput() })).status).toBe(409);
    const draft = await api("POST", "/broadcasts", { body: alertInput() });
    const redraft = await api("POST", `/broadcasts/${draft.body.id}/update`, { body: alertInput() });
    expect(redraft.status).toBe(201);
    expect((await api("GET", `/broadcasts/${draft.body.id}`)).body).toMatchObject({
      status: "cancelled",
      cancel_reason: expect.stringContaining("Superseded"),
    });
  });

  it("takes a CAP Update of an alert it knows", async () => {
    const base = (id: string, type: string, refs = "") => `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>${id}</identifier>
  <sender>cap-update@test.example</sender>
  <sent>2026-11-20T16:30:00+00:00</sent>
  <status>Actual</status>
  <msgType>${type}</msgType>
  <scope>Public</scope>${refs}
  <info>
    <language>en</language>
    <category>Met</category>
    <event>Storm</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <expires>2099-11-20T19:30:00+00:00</expires>
    <description>Storm ${type}</description>
    <area><areaDesc>Test</areaDesc><circle>45.2,4.2 3</circle></area>
  </info>
</alert>`;
    const stamp = Date.now();
    const first = await api("POST", "/broadcasts", { raw: base(`U-${stamp}`, "Alert"), headers: { "content-type": "application/cap+xml" } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const refs = `\n  <references>cap-update@test.example,U-${stamp},2026-11-20T16:30:00+00:00</references>`;
    const updated = await api("POST", "/broadcasts", { raw: base(`U-${stamp}-2`, "Update", refs), headers: { "content-type": "application/cap+xml" } });
    expect(updated.status, JSON.stringify(updated.body)).toBe(201);
    expect(updated.body).toMatchObject({ supersedes_id: first.body.id, serial: { msg_code: first.body.serial.msg_code, update_nr: 1 } });
    expect((await api("GET", `/broadcasts/${first.body.id}`)).body.status).toBe("cancelled");
    const unknown = base(`U-${stamp}-3`, "Update", "\n  <references>cap-update@test.example,NOPE,2026-11-20T16:30:00+00:00</references>");
    expect((await api("POST", "/broadcasts", { raw: unknown, headers: { "content-type": "application/cap+xml" } })).status).toBe(422);
    // An alert of the feed outside our network is kept (the record, the export) but cannot be submitted.
    const elsewhere = await api("POST", "/broadcasts", {
      raw: base(`U-${stamp}-far`, "Alert").replace("<circle>45.2,4.2 3</circle>", "<circle>-40,100 5</circle>"),
      headers: { "content-type": "application/cap+xml" },
    });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    expect(elsewhere.body).toMatchObject({ status: "draft", target_cells: [] });
    expect((await api("POST", `/broadcasts/${elsewhere.body.id}/submit`)).status).toBe(409);
  });

  it("expires alerts past their expiry and completes finite ones through the minute cron, stopping them at the CBC", async () => {
    const onAir = await approvedAlert();
    await runJob(onAir.job_id, { broadcast: { action: "send", results: [] } });
    const finite = await approvedAlert({ num_of_bcast: 2, repetition_period: 1 });
    await runJob(finite.job_id, { broadcast: { action: "send", results: [] } });
    const draft = await api("POST", "/broadcasts", { body: alertInput() });
    const past = new Date(Date.now() - 60_000).toISOString();
    await env.DB.prepare("UPDATE broadcasts SET expires_at = ?1 WHERE id IN (?2, ?3)").bind(past, onAir.id, draft.body.id).run();
    await env.DB.prepare("UPDATE broadcasts SET approved_at = ?1 WHERE id = ?2")
      .bind(new Date(Date.now() - 3_600_000).toISOString(), finite.id)
      .run();
    const outcome = await scheduledTasks(env, new Date().toISOString()).expire_broadcasts?.();
    expect(outcome).toMatchObject({ expired: expect.any(Number), completed: expect.any(Number) });
    expect((await api("GET", `/broadcasts/${onAir.id}`)).body.status).toBe("expired");
    expect((await api("GET", `/broadcasts/${draft.body.id}`)).body.status).toBe("expired");
    expect((await api("GET", `/broadcasts/${finite.id}`)).body.status).toBe("completed");
    // Each alert that was on air gets a stop job; the draft never reached the CBC.
    const stops = await env.DB.prepare(
      "SELECT json_extract(payload, '$.broadcast_id') AS id FROM jobs WHERE type = 'broadcast' AND json_extract(payload, '$.action') = 'stop'",
    ).all<{ id: string }>();
    const stopped = stops.results.map((r) => r.id);
    expect(stopped).toEqual(expect.arrayContaining([onAir.id, finite.id]));
    expect(stopped).not.toContain(draft.body.id);
    // A send job that had not run yet when its alert expired sends nothing.
    const late = await approvedAlert();
    await env.DB.prepare("UPDATE broadcasts SET expires_at = ?1 WHERE id = ?2").bind(past, late.id).run();
    await scheduledTasks(env, new Date().toISOString()).expire_broadcasts?.();
    expect((await runJob(late.job_id, { broadcast: { action: "send", results: [] } })).messages).toEqual([]);
    expect((await api("GET", `/broadcasts/${late.id}`)).body.status).toBe("expired");
    // Twice is once.
    await scheduledTasks(env, new Date().toISOString()).expire_broadcasts?.();
    const again = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE type = 'broadcast' AND json_extract(payload, '$.broadcast_id') = ?")
      .bind(onAir.id)
      .first<{ n: number }>();
    expect(again?.n).toBe(2);
  });

  it("keeps pre-approved templates: written by approvers, blanks filled before an alert is drafted", async () => {
    const template = {
      name: `Flood ${Date.now()}`,
      duration_minutes: 120,
      alert: {
        status: "Test",
        event: "Flood test",
        urgency: "Unknown",
        severity: "Minor",
        certainty: "Unknown",
        messages: [{ language: "en", text: "Test: {{river}} flood warning at {{time}}." }],
      },
    };
    expect((await api("POST", "/broadcast-templates", { role: "read-only", body: template })).status).toBe(403);
    const made = await api("POST", "/broadcast-templates", { body: template });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.blanks).toEqual(["river", "time"]);
    expect((await api("POST", "/broadcast-templates", { body: template })).status).toBe(409);
    expect((await api("GET", "/broadcast-templates")).body.data.map((t: { id: string }) => t.id)).toContain(made.body.id);
    // An alert still holding a blank is refused.
    const unfilled = await api("POST", "/broadcasts", { body: alertInput({ ...template.alert, template_id: made.body.id }) });
    expect(unfilled.status).toBe(422);
    expect(unfilled.body.errors[0].path).toBe("messages.0.text");
    // The page fills the blanks in every language and records the template.
    const s = await pageSession("admin");
    const form = await (await s.get(`/admin/broadcasts/new?template=${made.body.id}`)).text();
    expect(form).toContain('name="blank.river"');
    const posted = await s.post("/admin/broadcasts", {
      template_id: made.body.id,
      "blank.river": "The Rhône",
      "blank.time": "18:00",
      status: "Test",
      category: "Safety",
      event: "Flood test",
      urgency: "Unknown",
      severity: "Minor",
      certainty: "Unknown",
      lang_0: "en",
      text_0: "Test: {{river}} flood warning at {{time}}.",
      area_text: "45.2,4.2 3",
      valid_minutes: "120",
      next_step: "draft",
    });
    expect(posted.status, await posted.clone().text()).toBe(303);
    const id = (posted.headers.get("location") ?? "").match(/bc_[0-9a-z]+/i)?.[0] ?? "";
    const alert = (await api("GET", `/broadcasts/${id}`)).body;
    expect(alert).toMatchObject({ template_id: made.body.id, cap_status: "Test", message_id: 4380 });
    expect(alert.messages[0].text).toBe("Test: The Rhône flood warning at 18:00.");
    expect((await api("DELETE", `/broadcast-templates/${made.body.id}`)).status).toBe(204);
    expect((await api("GET", `/broadcast-templates/${made.body.id}`)).status).toBe(404);
  });

  it("drives an alert through the pages: draw, count, preview, submit, approve with a code, cancel with a reason", async () => {
    const author = await pageSession("admin");
    const list = await author.get("/admin/broadcasts?status=nonsense&from=bad");
    expect(list.status).toBe(200);
    const form = await (await author.get("/admin/broadcasts/new")).text();
    expect(form).toContain("data-cell-map-editor");
    expect(form).toContain("<svg");
    // The live counter counts as the CBC will (GSM 7-bit, extension characters twice; UCS-2 otherwise).
    const counter = await (await author.post("/admin/broadcasts/counter?i=1", { text_1: "€".repeat(47) })).text();
    expect(counter).toContain('id="counter-1"');
    expect(counter).toMatch(/>94 \/ \d+ characters, 2 pages</);
    // The identifier each language will carry, as the CAP fields change (the test operator's language is English).
    const ids = await (
      await author.post("/admin/broadcasts/message-id", {
        status: "Actual",
        urgency: "Immediate",
        severity: "Extreme",
        certainty: "Observed",
        lang_0: "en",
        lang_1: "fr",
      })
    ).text();
    expect(ids).toMatch(/4371<\/strong> EN.*4384<\/strong> FR/s);
    // The preview selects the cells inside the drawn polygon; a bad line is named.
    const preview = await (await author.post("/admin/broadcasts/preview", { area_text: "45.19,4.19 45.19,4.22 45.22,4.22 45.22,4.19 45.19,4.19" })).text();
    expect(preview).toContain(near);
    expect(preview).toContain(other);
    expect(preview).toMatch(/\d+ cells selected/);
    const badPreview = await (await author.post("/admin/broadcasts/preview", { area_text: "95,4 1" })).text();
    expect(badPreview).toContain("Line 1");
    // Bad input: an inline message, nothing written.
    const before = (await env.DB.prepare("SELECT count(*) AS n FROM broadcasts").first<{ n: number }>())?.n;
    const bad = await author.post("/admin/broadcasts", { event: "", urgency: "Soon", lang_0: "en", text_0: "x", area_text: "nonsense", next_step: "submit" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("field-error");
    expect((await env.DB.prepare("SELECT count(*) AS n FROM broadcasts").first<{ n: number }>())?.n).toBe(before);
    const posted = await author.post("/admin/broadcasts", {
      status: "Exercise",
      category: "Safety",
      event: "Page exercise",
      urgency: "Immediate",
      severity: "Extreme",
      certainty: "Observed",
      lang_0: "en",
      text_0: "Exercise: stay indoors.",
      lang_1: "fr",
      text_1: "Exercice : restez à l'intérieur.",
      area_text: "45.19,4.19 45.19,4.22 45.22,4.22 45.22,4.19",
      plmns: "208-99",
      valid_minutes: "30",
      repetition_period: "30",
      num_of_bcast: "0",
      next_step: "submit",
    });
    expect(posted.status, await posted.clone().text()).toBe(303);
    const id = (posted.headers.get("location") ?? "").match(/bc_[0-9a-z]+/i)?.[0] ?? "";
    const page = await (await author.get(`/admin/broadcasts/${id}`)).text();
    expect(page).toContain("EXERCISE");
    expect(page).toContain("Waiting for a second person");
    // The second person approves with a code from their app; a wrong code is an inline message.
    const approver = approverPage;
    const wrong = await approver.post(`/admin/broadcasts/${id}/approve`, { otp: "000000" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("field-error");
    await env.DB.prepare("UPDATE users SET totp_last_step = NULL WHERE email = 'broadcaster@test.local'").run();
    const ok = await approver.post(`/admin/broadcasts/${id}/approve`, { otp: await generate({ secret: SECRET }) });
    expect(ok.status, await ok.clone().text()).toBe(303);
    expect((await api("GET", `/broadcasts/${id}`)).body).toMatchObject({ status: "approved", approver: "broadcaster@test.local" });
    // Cancelling needs a reason, kept in the history.
    expect((await author.post(`/admin/broadcasts/${id}/cancel`, { reason: " " })).status).toBe(422);
    expect((await author.post(`/admin/broadcasts/${id}/cancel`, { reason: "Exercise over" })).status).toBe(303);
    const cancelled = (await api("GET", `/broadcasts/${id}`)).body;
    expect(cancelled).toMatchObject({ status: "cancelled", cancel_reason: "Exercise over" });
    const history = await (await author.get(`/admin/broadcasts/${id}`)).text();
    expect(history).toContain("broadcast.cancelled");
    // The list filters by kind and status.
    const exercises = await (await author.get("/admin/broadcasts?kind=exercise&status=cancelled&q=Page")).text();
    expect(exercises).toContain(`/admin/broadcasts/${id}`);
    const actual = await (await author.get("/admin/broadcasts?kind=actual&q=Page")).text();
    expect(actual).not.toContain(`/admin/broadcasts/${id}"`);
    // Read-only staff see alerts but cannot draft one.
    const reader = await pageSession("read-only");
    expect((await reader.get(`/admin/broadcasts/${id}`)).status).toBe(200);
    expect((await reader.get("/admin/broadcasts/new")).status).toBe(403);
  });
});
