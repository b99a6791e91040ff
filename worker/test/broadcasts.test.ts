/** Cell broadcast alerts through the API: JSON and CAP input, target cells, the two-person rule with a fresh TOTP code, CAP export. */

import { env } from "cloudflare:test";
import { generate } from "otplib";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCap } from "../lib/cell-broadcast/cap";
import { seal } from "../lib/secret-box";
import { api, ensureUser, runnerRequest, tokenFor } from "./helpers";

const bearer = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } }) as const;
const FIXTURE = `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>DEMO-MET-2026-0042</identifier>
  <sender>warnings@met.example.org</sender>
  <sent>2026-11-20T16:30:00+10:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en</language>
    <category>Met</category>
    <event>Severe Thunderstorm Warning</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>2026-11-20T19:30:00+10:00</expires>
    <headline>Severe thunderstorms with large hail expected this evening</headline>
    <instruction>Move vehicles under cover, stay indoors and away from windows.</instruction>
    <area>
      <areaDesc>Northern suburbs</areaDesc>
      <circle>-27.40,153.05 12.5</circle>
    </area>
  </info>
</alert>`;

let seq = 0;
async function cellSite(lat: number, lon: number, extra: Record<string, unknown> = {}) {
  const cellId = String(900_000 + (Date.now() % 90_000) * 10 + (seq++ % 10));
  const res = await api("POST", "/inventory/items", {
    body: { type: "cell_site", fields: { cell_id: cellId, tac: 4100, mcc: "208", mnc: "99", latitude: lat, longitude: lon, ...extra } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return cellId;
}

const future = () => new Date(Date.now() + 3 * 3600_000).toISOString();

let runnerKey = "";
const runnerCall = (path: string, body: unknown) => runnerRequest(runnerKey, path, body);
async function pullJob(jobId: string) {
  const pulled = await runnerCall("/jobs/pull", { batch_size: 10, visibility_timeout_ms: 60_000 });
  const message = pulled.body.messages?.find((m: { id: string }) => m.id === jobId);
  expect(message, JSON.stringify(pulled.body)).toBeTruthy();
  return message;
}

describe("cell broadcast alerts", () => {
  let approverToken = "";
  let secret = "";
  beforeAll(async () => {
    // Jobs left by earlier test files would be leased too: they are closed first.
    await env.DB.prepare("UPDATE jobs SET status = 'dead' WHERE status IN ('pending', 'ready', 'leased')").run();
    runnerKey = (await api("POST", "/api-keys", { body: { name: `runner-${Date.now()}`, kind: "runner", permissions: ["customers:read"] } })).body.secret;
    // The approver: a broadcaster with two-factor authentication on (set directly: no code spent).
    const approver = await ensureUser("broadcaster");
    approverToken = await tokenFor("broadcaster");
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    await env.DB.prepare("UPDATE users SET totp_secret = ?2, totp_enabled_at = ?3, totp_last_step = NULL WHERE id = ?1")
      .bind(approver.id, await seal(env.ENCRYPTION_KEY, secret), new Date().toISOString())
      .run();
  });

  it("drafts a two-language alert over a drawn area, with identifiers, pages and the cells inside; a second person approves with a fresh code", async () => {
    const inside = await cellSite(45.76, 4.84);
    const outside = await cellSite(45.9, 5.2);
    const facingIn = await cellSite(45.7405, 4.84, { azimuth: 0 });
    const input = {
      status: "Exercise",
      category: "Safety",
      event: "Chemical leak",
      urgency: "Immediate",
      severity: "Extreme",
      certainty: "Observed",
      messages: [
        { language: "fr", headline: "Fuite chimique", text: "Restez à l'intérieur, fermez portes et fenêtres." },
        { language: "en", text: "Stay indoors, close doors and windows. ☣" },
      ],
      area: {
        description: "Lyon centre",
        polygons: [
          [
            [45.75, 4.82],
            [45.75, 4.86],
            [45.77, 4.86],
            [45.77, 4.82],
            [45.75, 4.82],
          ],
        ],
      },
      expires_at: future(),
    };
    const bad = await api("POST", "/broadcasts", { body: { ...input, urgency: "Soon", messages: [{ language: "FR", text: "" }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["urgency", "messages.0.language"]));
    // Admin holds broadcasts:approve, so may override the identifier (audited); the first draft also shows what a second one from the same input gives.
    const overridden = await api("POST", "/broadcasts", { body: { ...input, message_id: 4370 } });
    expect(overridden.body).toMatchObject({ message_id: 4370, message_id_overridden: true });
    const made = await api("POST", "/broadcasts", { body: input });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const alert = made.body;
    expect(alert).toMatchObject({ status: "draft", cap_status: "Exercise", exercise: true, message_id: 4381 });
    // The operator's primary language (en-GB here) keeps the identifier; French is an additional language.
    const byLang = Object.fromEntries(alert.messages.map((m: { language: string }) => [m.language, m]));
    expect(byLang.en).toMatchObject({ encoding: "ucs2", pages: 1, message_id: 4381 });
    expect(byLang.fr).toMatchObject({ encoding: "ucs2", message_id: 4394 });
    expect(alert.target_cells).toContain(inside);
    expect(alert.target_cells).toContain(facingIn);
    expect(alert.target_cells).not.toContain(outside);

    // The two-person rule: the author cannot approve; the approver needs a fresh code.
    expect((await api("POST", `/broadcasts/${alert.id}/approve`, { ...bearer(approverToken), body: { otp: await generate({ secret }) } })).status).toBe(409);
    expect((await api("POST", `/broadcasts/${alert.id}/submit`)).body.status).toBe("submitted");
    expect((await api("POST", `/broadcasts/${alert.id}/approve`, { body: { otp: "123456" } })).status).toBe(403);
    expect((await api("POST", `/broadcasts/${alert.id}/approve`, { ...bearer(approverToken), body: { otp: "000000" } })).status).toBe(422);
    const code = await generate({ secret });
    const approved = await api("POST", `/broadcasts/${alert.id}/approve`, { ...bearer(approverToken), body: { otp: code } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: "approved", approver: "broadcaster@test.local" });
    expect((await api("POST", `/broadcasts/${alert.id}/approve`, { ...bearer(approverToken), body: { otp: code } })).status).toBe(409);

    // Approval queued a broadcast job; the runner is given the exact ECBE requests, one per language.
    const sendJob = approved.body.job_id as string;
    expect((await api("GET", `/jobs/${sendJob}`)).body).toMatchObject({ type: "broadcast", service_id: null });
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(sendJob).run();
    const send = await pullJob(sendJob);
    expect(send.body.extra_vars.broadcast.action).toBe("send");
    expect(
      send.body.extra_vars.broadcast.messages.map((m: { smscb_message: { message_id: number; payload: { payload_decoded: { language: string } } } }) => [
        m.smscb_message.payload.payload_decoded.language,
        m.smscb_message.message_id,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ["en", 4381],
        ["fr", 4394],
      ]),
    );
    const sent = await runnerCall(`/jobs/${sendJob}/result`, {
      lease_id: send.lease_id,
      status: "succeeded",
      outputs: { broadcast: { action: "send", results: [] } },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect((await api("GET", `/broadcasts/${alert.id}`)).body.status).toBe("broadcasting");

    // Cancelling an alert on air stops it at the CBC (a stop job with the message ids).
    const cancelled = await api("POST", `/broadcasts/${alert.id}/cancel`, { body: { reason: "Leak contained" } });
    expect(cancelled.body).toMatchObject({ status: "cancelled", cancel_reason: "Leak contained", job_id: expect.any(String) });
    await env.DB.prepare("UPDATE jobs SET status = 'ready' WHERE id = ? AND status = 'pending'").bind(cancelled.body.job_id).run();
    const stop = await pullJob(cancelled.body.job_id);
    expect(stop.body.extra_vars.broadcast).toMatchObject({ action: "stop", messages: [] });
    expect([...stop.body.extra_vars.broadcast.message_ids].sort()).toEqual([4381, 4394]);
    const actions = (await api("GET", `/activity?entity=broadcast&entity_id=${alert.id}`)).body.data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["broadcast.create", "broadcast.submitted", "broadcast.approved", "broadcast.cancelled"]));
    // A readonly user neither drafts nor approves; the override needs broadcasts:approve.
    expect((await api("POST", "/broadcasts", { role: "read-only", body: input })).status).toBe(403);
  });

  it("takes the CAP fixture, stores it, and gives it back as CAP; a CAP Cancel cancels it", async () => {
    await cellSite(-27.41, 153.06);
    // The fixture as it is (its expiry has passed): kept as expired, exported unchanged.
    const posted = await api("POST", "/broadcasts", { raw: FIXTURE, headers: { "content-type": "application/cap+xml" } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(posted.body).toMatchObject({ identifier: "DEMO-MET-2026-0042", message_id: 4378, cap_status: "Actual", status: "expired" });
    expect(posted.body.messages[0].text).toContain("Severe thunderstorms");
    const exported = await api("GET", `/broadcasts/${posted.body.id}/cap`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toContain("application/cap+xml");
    const original = parseCap(FIXTURE);
    const back = parseCap(exported.body as string);
    expect(back.ok && original.ok && back.alert).toEqual(original.ok && original.alert);
    // The same alert twice is a conflict; bad CAP names the element.
    expect((await api("POST", "/broadcasts", { raw: FIXTURE, headers: { "content-type": "application/cap+xml" } })).status).toBe(409);
    const broken = await api("POST", "/broadcasts", {
      raw: FIXTURE.replace("<urgency>Expected</urgency>", "<urgency>Soon</urgency>"),
      headers: { "content-type": "application/cap+xml" },
    });
    expect(broken.status).toBe(422);
    expect(broken.body.errors[0].path).toBe("alert/info[1]/urgency");
    // A live copy (later expiry, another identifier), then its CAP Cancel.
    const live = FIXTURE.replace("DEMO-MET-2026-0042", "DEMO-MET-2026-0043").replace("<expires>2026-11-20", "<expires>2099-11-20");
    const current = await api("POST", "/broadcasts", { raw: live, headers: { "content-type": "application/cap+xml" } });
    expect(current.body).toMatchObject({ status: "draft", identifier: "DEMO-MET-2026-0043" });
    const cancel = live
      .replace("<identifier>DEMO-MET-2026-0043</identifier>", "<identifier>DEMO-MET-2026-0043-C</identifier>")
      .replace("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")
      .replace(
        "<scope>Public</scope>",
        "<scope>Public</scope>\n  <references>warnings@met.example.org,DEMO-MET-2026-0043,2026-11-20T16:30:00+10:00</references>",
      );
    const cancelled = await api("POST", "/broadcasts", { raw: cancel, headers: { "content-type": "application/cap+xml" } });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(201);
    expect(cancelled.body).toMatchObject({ id: current.body.id, status: "cancelled" });
    expect((await api("POST", "/broadcasts", { raw: "<alert>", headers: { "content-type": "application/cap+xml" } })).status).toBe(422);
    expect((await api("POST", "/broadcasts", { raw: "x", headers: { "content-type": "text/plain" } })).status).toBe(415);
  });
});
