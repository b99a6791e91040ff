import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "otplib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/local";
import type { SimCbcMessage, SimDeletion } from "../../simulators/cbc/server";
import { DEMO_APPROVER_TOTP_SECRET } from "../../worker/domain/demo/totp";
import { parseCap } from "../../worker/lib/cell-broadcast/cap";
import { type MapProjection, project } from "../../worker/views/cell-map";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";
import { type RunnerProcess, startRunner } from "./runner-process";

/**
 * Cell broadcast end to end, the issue's "done when": in real Chromium a broadcaster drafts an exercise
 * on the map (polygon and circle), a second person approves it with a TOTP code, the real runner sends
 * it to the CBC simulator (ECBE) and reads the per-cell results from its VTY, the alert page shows
 * them, a cancel deletes the messages; CAP 1.2 in and out through the API; the pages fit a phone.
 */

const SHOTS = "/tmp/obss-e2e-broadcast";
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const BELLECOUR = { lat: 45.7578, lon: 4.832 };
const PART_DIEU = { lat: 45.7606, lon: 4.8597 };
const VAISE = { lat: 45.7745, lon: 4.805 };
const FR_TEXT = "EXERCICE : fermez les fenêtres et restez à l'intérieur. Ceci est un exercice, pas une véritable alerte.";
const EN_TEXT = "EXERCISE: close the windows and stay indoors. This is an exercise, not a real warning.";

type AlertView = {
  id: string;
  status: string;
  cap_status: string;
  message_id: number;
  target_cells: string[];
  serial: { msg_code: number; update_nr: number };
  approver: string | null;
  messages: { language: string; text: string; encoding: "gsm7" | "ucs2"; message_id: number; pages: number }[];
};
type CbcState = { active: SimCbcMessage[]; messages: SimCbcMessage[]; deletions: SimDeletion[] };
type EcbeRequest = {
  cbe_name: string;
  category: string;
  repetition_period: number;
  num_of_bcast: number;
  smscb_message: {
    message_id: number;
    serial_nr: { serial_nr_decoded: { geo_scope: string; msg_code: number; update_nr: number } };
    payload: { payload_decoded: { character_set: string; language: string; data_utf8: string } };
  };
};

let system: LocalSystem;
let browser: Browser;
let runner: RunnerProcess;
let runnerState = "";
let token = "";
/** Console errors and uncaught exceptions of every page of the test. */
const errors: string[] = [];

const cbc = async () => (await (await fetch(`${system.vars.CBC_URL}/_sim/state`)).json()) as CbcState & { vty_port: number | null };

async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${system.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A page in its own browser context (its own session), watched for console errors. */
async function openPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: console.error ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return { context, page };
}

/** The page's text with runs of white space made one space. */
const textIn = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? "").replace(/\s+/g, " ").trim();

/** How far the page scrolls sideways beyond the window (0: it fits), and the outermost elements that stick out on the right. */
const sideways = (page: Page) =>
  page.evaluate(() => {
    const past = (e: Element) => e.getBoundingClientRect().right > window.innerWidth + 1;
    const label = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${Array.from(e.classList, (c) => `.${c}`).join("")}`;
    const out = Array.from(document.querySelectorAll("body *")).filter((e) => past(e) && !(e.parentElement && past(e.parentElement)));
    return {
      by: (document.scrollingElement ?? document.documentElement).scrollWidth - window.innerWidth,
      culprits: out.slice(0, 5).map((e) => `${label(e)} (${Math.round(e.getBoundingClientRect().width)} px wide)`),
    };
  });

async function shot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  const { by, culprits } = await sideways(page);
  expect.soft(by, `${name} (${page.url()}) at ${width} px scrolls sideways: ${culprits.join(", ")}`).toBeLessThanOrEqual(1);
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
}

/** Signs in at /admin/login; with `totp`, answers the second step with the current code and returns its time step. */
async function signIn(page: Page, email: string, totp = false): Promise<number> {
  await page.goto(`${system.url}/admin/login`);
  await page.fill("#email", email);
  await page.fill("#password", system.vars.SEED_STAFF_PASSWORD ?? "");
  await page.click("button:has-text('Sign in')");
  let step = 0;
  if (totp) {
    await page.waitForSelector("#code");
    step = Math.floor(Date.now() / 30_000);
    await page.fill("#code", await generate({ secret: DEMO_APPROVER_TOTP_SECRET }));
    await page.click("button:has-text('Verify')");
  }
  await page.waitForURL(`${system.url}/admin`);
  return step;
}

/** Where the form's map draws (lat, lon), in the window's pixels (the svg keeps its aspect ratio: xMidYMid meet). */
async function mapPoint(page: Page, lat: number, lon: number): Promise<{ x: number; y: number }> {
  const svg = page.locator("#selection-preview svg[data-projection]");
  await svg.scrollIntoViewIfNeeded();
  // Read at once: htmx may swap the map in between.
  const { projection, rect, viewBox } = await svg.evaluate((el: SVGSVGElement) => ({
    projection: el.dataset.projection ?? "{}",
    rect: el.getBoundingClientRect().toJSON() as DOMRect,
    viewBox: { x: el.viewBox.baseVal.x, y: el.viewBox.baseVal.y, width: el.viewBox.baseVal.width, height: el.viewBox.baseVal.height },
  }));
  const [vx, vy] = project(JSON.parse(projection) as MapProjection, lat, lon);
  const scale = Math.min(rect.width / viewBox.width, rect.height / viewBox.height);
  return {
    x: rect.left + (rect.width - viewBox.width * scale) / 2 + (vx - viewBox.x) * scale,
    y: rect.top + (rect.height - viewBox.height * scale) / 2 + (vy - viewBox.y) * scale,
  };
}

async function clickMap(page: Page, lat: number, lon: number): Promise<void> {
  const { x, y } = await mapPoint(page, lat, lon);
  await page.mouse.click(x, y);
}

/** The number in "N cells selected" under the form's map (0 while nothing is). */
async function selectedCount(page: Page): Promise<number> {
  const summary = await textIn(page, "#selection-preview summary");
  return Number(/^(\d+) cells selected$/.exec(summary)?.[1] ?? 0);
}

const areaLines = async (page: Page) =>
  (await page.inputValue("#f-area_text"))
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const pair = (text: string) => text.split(",").map(Number) as [number, number];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startLocalSystem();
  const login = await fetch(`${system.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "admin@example.com", password: system.vars.SEED_ADMIN_PASSWORD }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { access_token: string }).access_token;
  // The runner as npm start runs it, with the CBC: its ECBE URL, and its VTY (the simulator's port) for the results.
  const vtyPort = (await cbc()).vty_port;
  expect(vtyPort).toBeGreaterThan(0);
  runnerState = mkdtempSync(join(tmpdir(), "obss-e2e-broadcast-runner-"));
  runner = startRunner({
    url: system.url,
    key: system.vars.RUNNER_API_KEY ?? "",
    stateDir: runnerState,
    cgratesUrl: system.vars.CGRATES_URL ?? "",
    env: { CBC_URL: system.vars.CBC_URL ?? "", CBC_VTY: `127.0.0.1:${vtyPort}`, RUNNER_POLL_MS: "200", RUNNER_CONCURRENCY: "2" },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await runner?.stop();
  await system?.stop();
  if (runnerState) rmSync(runnerState, { recursive: true, force: true });
});

describe("cell broadcast in Chromium: draw, approve with a code, send to the CBC, results, cancel", () => {
  let broadcaster: { context: BrowserContext; page: Page };
  let approver: { context: BrowserContext; page: Page };
  let alertUrl = "";
  let alert: AlertView;

  beforeAll(async () => {
    broadcaster = await openPage();
  });
  afterAll(async () => {
    await broadcaster?.context.close();
    await approver?.context.close();
  });

  it("the broadcaster drafts an exercise: messages with live counters, a polygon and a circle drawn on the map, submitted", async () => {
    const { page } = broadcaster;
    await signIn(page, "broadcaster@example.com");
    await page.click("nav a[href='/admin/broadcasts']");
    await page.waitForURL(`${system.url}/admin/broadcasts`);
    await shot(page, "1-list");
    await page.click("a:has-text('New alert')");
    await page.waitForURL(`${system.url}/admin/broadcasts/new`);

    await page.selectOption("#f-status", "Exercise");
    await page.fill("#f-event", "Chemical plant exercise");
    await page.selectOption("#f-urgency", "Immediate");
    await page.selectOption("#f-severity", "Severe");
    await page.selectOption("#f-certainty", "Likely");
    // The identifier each language will carry follows the kind (htmx): an exercise, French first on this operator.
    await expect.poll(() => textIn(page, "#message-id-preview"), { timeout: 10_000 }).toMatch(/4381 FR .*· 4394 EN /);
    await page.fill("#f-lang_0", "fr");
    await page.fill("#f-lang_1", "en");
    const counters = [await textIn(page, "#counter-0"), await textIn(page, "#counter-1")];
    // Typed, so that htmx sees input events (fill() sets the value at once).
    await page.locator("#f-text_0").pressSequentially(FR_TEXT);
    await page.locator("#f-text_1").pressSequentially(EN_TEXT);
    for (const [i, text] of [FR_TEXT, EN_TEXT].entries()) {
      await expect.poll(() => textIn(page, `#counter-${i}`), { timeout: 10_000 }).not.toBe(counters[i]);
      await expect.poll(() => textIn(page, `#counter-${i}`), { timeout: 10_000 }).toMatch(new RegExp(`^${text.length} / \\d+ characters.*\\d+ pages?`));
    }
    // ê is not in the GSM 7-bit alphabet: the French text is UCS-2 (41 characters a page).
    expect(await textIn(page, "#counter-0")).toMatch(/\(UCS-2\), 3 pages$/);
    expect(await textIn(page, "#counter-1")).toMatch(/^\d+ \/ 93 characters, 1 page$/);
    await page.fill("#f-area_description", "Lyon 2e and 3e, Vaise");
    // Leaving the field is a change: htmx redraws the map (same area, same projection) before anything is drawn.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith("/admin/broadcasts/preview")), page.press("#f-area_description", "Tab")]);
    expect(await selectedCount(page)).toBe(0);

    // A polygon around Bellecour and Part-Dieu, closed by clicking its first point again.
    await page.click("button[data-map-mode=polygon]");
    expect(await page.getAttribute("button[data-map-mode=polygon]", "aria-pressed")).toBe("true");
    const corners = [
      [BELLECOUR.lat - 0.006, BELLECOUR.lon - 0.008],
      [BELLECOUR.lat - 0.006, PART_DIEU.lon + 0.008],
      [PART_DIEU.lat + 0.006, PART_DIEU.lon + 0.008],
      [PART_DIEU.lat + 0.006, BELLECOUR.lon - 0.008],
    ] as const;
    for (const [lat, lon] of corners) await clickMap(page, lat, lon);
    expect(await textIn(page, "[data-map-status]")).toContain("4 points");
    expect(await page.locator("[data-map-draft] circle.cell-map-vertex").count()).toBe(4);
    await shot(page, "2-drawing-polygon");
    await clickMap(page, corners[0][0], corners[0][1]);
    const [ring = ""] = await areaLines(page);
    const points = ring.split(" ").map(pair);
    expect(points, ring).toHaveLength(5);
    expect(points[4]).toEqual(points[0]);
    // Each vertex where it was clicked, to a pixel or so (a pixel is some 10 m here).
    for (const [i, [lat, lon]] of corners.entries()) {
      expect(Math.abs((points[i]?.[0] ?? 0) - lat), ring).toBeLessThan(0.0005);
      expect(Math.abs((points[i]?.[1] ?? 0) - lon), ring).toBeLessThan(0.0005);
    }
    // htmx redraws the map and the selection once the area changes.
    await expect.poll(() => selectedCount(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    const inPolygon = await selectedCount(page);
    expect(await textIn(page, "#selection-preview .cell-list")).toContain("Lyon Bellecour");
    expect(await textIn(page, "#selection-preview .cell-list")).toContain("Lyon Part-Dieu");
    expect(await page.locator("#selection-preview path.cell-map-polygon").count()).toBe(1);

    // A circle of about 800 m around Vaise: its centre, then a point on its edge.
    await page.click("button[data-map-mode=circle]");
    await clickMap(page, VAISE.lat, VAISE.lon);
    await clickMap(page, VAISE.lat, VAISE.lon + 0.8 / (111.195 * Math.cos((VAISE.lat * Math.PI) / 180)));
    const lines = await areaLines(page);
    expect(lines, lines.join("\n")).toHaveLength(2);
    const circle = /^(-?[\d.]+,-?[\d.]+) ([\d.]+)$/.exec(lines[1] ?? "");
    expect(circle, lines[1]).not.toBeNull();
    const [clat, clon] = pair(circle?.[1] ?? "");
    expect(Math.abs(clat - VAISE.lat)).toBeLessThan(0.0005);
    expect(Math.abs(clon - VAISE.lon)).toBeLessThan(0.0005);
    expect(Math.abs(Number(circle?.[2]) - 0.8)).toBeLessThan(0.05);
    await expect.poll(() => selectedCount(page), { timeout: 10_000 }).toBeGreaterThan(inPolygon);
    expect(await page.locator("#selection-preview path.cell-map-circle").count()).toBe(1);
    const chosen = await selectedCount(page);
    await shot(page, "3-form-filled");

    await page.click("button:has-text('Save and submit for approval')");
    await page.waitForURL(/\/admin\/broadcasts\/bc_\w+\?done=submitted$/);
    alertUrl = page.url().split("?")[0] ?? "";
    alert = await apiGet<AlertView>(`/broadcasts/${alertUrl.split("/").pop()}`);
    expect(alert.status).toBe("submitted");
    expect(alert.cap_status).toBe("Exercise");
    expect(alert.target_cells).toHaveLength(chosen);
    expect(await textIn(page, "main .badge-submitted")).toBe("submitted");
    expect(await textIn(page, ".badge-exercise")).toBe("EXERCISE");
    expect(await textIn(page, ".exercise-banner")).toContain(`EXERCISE: not a real warning (CAP status Exercise; message identifier ${alert.message_id})`);
    expect(await textIn(page, "main")).toContain("Alert submitted");
    await shot(page, "4-submitted");
  });

  it("the broadcaster cannot approve their own alert", async () => {
    const { page } = broadcaster;
    await page.goto(alertUrl);
    expect(await page.locator("form.approve-form, form[action$='/approve']").count()).toBe(0);
    expect(await textIn(page, ".actions-card")).toContain("Waiting for a second person");
  });

  it("a second person approves it with a fresh TOTP code: the runner sends one message a language to the CBC", async () => {
    approver = await openPage();
    const { page } = approver;
    const step = await signIn(page, "approver@example.com", true);
    await page.goto(alertUrl);
    await page.waitForSelector("#f-otp");
    await shot(page, "5-to-approve");
    // The sign-in spent this time step's code: approving needs the next one.
    const next = (step + 1) * 30_000;
    if (Date.now() < next) await new Promise((r) => setTimeout(r, next - Date.now() + 200));
    await page.fill("#f-otp", await generate({ secret: DEMO_APPROVER_TOTP_SECRET }));
    await page.click("button:has-text('Approve and send')");
    await page.waitForURL(`${alertUrl}?done=approved`);
    expect(await textIn(page, "main")).toContain("Alert approved");

    await expect.poll(async () => (await cbc()).active.length, { timeout: 30_000, interval: 250 }).toBe(2);
    alert = await apiGet<AlertView>(`/broadcasts/${alert.id}`);
    expect(alert.approver).toBe("approver@example.com");
    const state = await cbc();
    // The demo operator's primary language is French: French has the exercise identifier, English its additional-language one.
    const byLanguage = new Map(alert.messages.map((m) => [m.language, m]));
    expect(byLanguage.get("fr")?.message_id).toBe(4381);
    expect(byLanguage.get("en")?.message_id).toBe(4394);
    expect(byLanguage.get("fr")?.encoding).toBe("ucs2");
    expect(byLanguage.get("en")?.encoding).toBe("gsm7");
    const sent = state.active.map((m) => m.request as EcbeRequest).sort((a, b) => a.smscb_message.message_id - b.smscb_message.message_id);
    expect(sent.map((r) => r.smscb_message.message_id)).toEqual([4381, 4394]);
    for (const request of sent) {
      const message = alert.messages.find((m) => m.message_id === request.smscb_message.message_id);
      expect(message, JSON.stringify(request)).toBeDefined();
      expect(request.smscb_message.serial_nr.serial_nr_decoded).toEqual({ geo_scope: "plmn_wide", msg_code: alert.serial.msg_code, update_nr: 0 });
      expect(request.smscb_message.payload.payload_decoded).toEqual({
        character_set: message?.encoding === "gsm7" ? "gsm" : "ucs2",
        language: message?.language,
        data_utf8: message?.text,
      });
      expect(request).toMatchObject({ cbe_name: "open-bss", repetition_period: 30, num_of_bcast: 0 });
    }
    expect(sent.map((r) => r.smscb_message.payload.payload_decoded.data_utf8)).toEqual([FR_TEXT, EN_TEXT]);
  });

  it("the alert page refreshes itself and shows the per-cell results the runner read from the CBC's VTY", async () => {
    // The approver's page, as it was after approving: htmx asks for the results every 5 s, no reload.
    const { page } = approver;
    const polled = page.waitForResponse((r) => r.url().includes(`/admin/broadcasts/${alert.id}/results?seen=`) && r.status() === 200, { timeout: 15_000 });
    const installed = async () => Number(await page.locator("#broadcast-results p strong").first().textContent());
    await expect.poll(installed, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
    await polled;
    const state = await cbc();
    const simCells = new Set(state.active.flatMap((m) => m.cells.filter((c) => c.result === "ok").map((c) => c.cell.split("-").pop())));
    // "Installed" counts the area's cells; the CBC's scope is network-wide, so the others are listed apart.
    expect(await installed()).toBe(alert.target_cells.filter((c) => simCells.has(c)).length);
    expect(await textIn(page, "#broadcast-results")).toMatch(/\d+ installed · 0 failed · \d+ not reported/);
    const outside = simCells.size - alert.target_cells.length;
    if (outside > 0) expect(await textIn(page, "#broadcast-results")).toContain(`${outside} cells outside the area broadcast it too`);
    // Every target cell is among those the CBC installed.
    const notReported = Number(/(\d+) not reported/.exec(await textIn(page, "#broadcast-results"))?.[1]);
    expect(notReported).toBe(0);
    for (const cell of alert.target_cells) expect(simCells.has(cell), cell).toBe(true);
    expect(await textIn(page, "main")).toMatch(/broadcasting|approved/);
    await shot(page, "6-results");
  });

  it("a cancel with a reason stops both messages at the CBC", async () => {
    const { page } = broadcaster;
    // This page was left on the alert, which reloads itself when the alert's state moves on (approved →
    // broadcasting): that reload can interrupt this navigation, which is then made again.
    await page.goto(alertUrl).catch(async (error: unknown) => {
      if (!String(error).includes("interrupted by another navigation")) throw error;
      await page.goto(alertUrl);
    });
    await page.fill("#f-reason", "End of the exercise");
    await page.click("button:has-text('Cancel the alert')");
    await page.waitForURL(`${alertUrl}?done=cancelled`);
    expect(await textIn(page, "main")).toContain("Alert cancelled.");
    expect(await textIn(page, "main")).toContain("End of the exercise");
    expect((await apiGet<AlertView>(`/broadcasts/${alert.id}`)).status).toBe("cancelled");
    await expect.poll(async () => (await cbc()).active.length, { timeout: 30_000, interval: 250 }).toBe(0);
    const deleted = (await cbc()).deletions.map((d) => d.message_id).sort();
    expect(deleted).toEqual([4381, 4394]);
    await shot(page, "7-cancelled");
  });

  it("fits a phone: the list, the form and the alert page at 390 px", async () => {
    const { page } = broadcaster;
    await page.setViewportSize(PHONE);
    for (const [name, url] of [
      ["8-list", `${system.url}/admin/broadcasts`],
      ["9-form", `${system.url}/admin/broadcasts/new`],
      ["10-alert", alertUrl],
    ] as const) {
      await page.goto(url);
      await shot(page, name);
    }
    await page.goto(`${system.url}/admin/broadcasts?kind=exercise`);
    const row = page.locator("tbody tr", { hasText: "Chemical plant exercise" });
    expect(await row.count()).toBe(1);
    expect((await row.textContent())?.replace(/\s+/g, " ")).toMatch(/EXERCISE.*cancelled.*4381.*fr, en/);
    await page.setViewportSize(DESKTOP);
  });
});

describe("CAP 1.2 through the API", () => {
  it("takes a CAP alert past its expiry (stored as expired) and gives the same alert back", async () => {
    const xml = readFileSync(join(ROOT, "test/cell-broadcast/fixtures/severe-thunderstorm.xml"), "utf8");
    const response = await fetch(`${system.url}/api/v1/broadcasts`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/cap+xml" },
      body: xml,
    });
    const created = (await response.json()) as AlertView;
    expect(response.status, JSON.stringify(created)).toBe(201);
    expect(created.status).toBe("expired");
    // Its area (Brisbane) is outside the demo network: no target cell, which CAP input allows.
    expect(created.target_cells).toEqual([]);
    const exported = await fetch(`${system.url}/api/v1/broadcasts/${created.id}/cap`, { headers: { Authorization: `Bearer ${token}` } });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toMatch(/^application\/cap\+xml/);
    const original = parseCap(xml);
    const back = parseCap(await exported.text());
    expect(original.ok && back.ok).toBe(true);
    if (original.ok && back.ok) expect(back.alert).toEqual(original.alert);
  });
});

describe("the browser's console", () => {
  it("logged no error and no uncaught exception on any page", () => {
    expect(errors).toEqual([]);
  });
});
