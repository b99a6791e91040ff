import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

/**
 * Checks every page must pass in real Chromium: it fits the window (no sideways scrolling), it logs
 * no console error, throws nothing and has no same-origin request fail, and axe-core finds no
 * serious or critical accessibility violation. Each check returns the problems as readable lines
 * (empty: none), so a failing test names the page, the element and the rule.
 */

/** axe-core from node_modules (a pinned devDependency): nothing is downloaded at run time. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Impacts that fail a page; "minor" and "moderate" findings are left to review. */
const FAILING_IMPACTS = new Set(["serious", "critical"]);

/**
 * Problems of a page's own requests, console and scripts, collected as they happen; `take()` hands
 * over those seen since the last call. `expectedStatus` lets a page answer its document with an
 * error on purpose (an expired link's 400).
 */
export function watchPage(page: Page, origin: string) {
  let seen: string[] = [];
  let documentUrl = "";
  let documentStatus = 200;
  const sameOrigin = (url: string) => url.startsWith(origin);
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const at = m.location().url;
    // Chromium logs the document's own error status as a console error: expected for that page.
    if (at === documentUrl && documentStatus >= 400 && m.text().includes(`status of ${documentStatus}`)) return;
    seen.push(`console.error: ${m.text()}${at ? ` (${at})` : ""}`);
  });
  page.on("pageerror", (e) => seen.push(`uncaught exception: ${e.message}`));
  page.on("requestfailed", (r) => {
    // A poll or fragment cut short by the next navigation is not a failure of the page.
    if (sameOrigin(r.url()) && r.failure()?.errorText !== "net::ERR_ABORTED") seen.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on("response", (r) => {
    if (!sameOrigin(r.url()) || r.status() < 400) return;
    if (r.url() === documentUrl && r.status() === documentStatus) return;
    seen.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return {
    /** The next document's URL and the status it is meant to answer with. */
    expect(url: string, status: number) {
      documentUrl = url;
      documentStatus = status;
    },
    take(): string[] {
      const out = seen;
      seen = [];
      return out;
    },
  };
}

/**
 * Sideways scrolling: empty when the page fits; otherwise what sticks out, widest first: the
 * innermost elements reaching past the window's right edge, and those whose text (a long unbroken
 * string) spills out of their box. What a scrolling box (a table's wrapper) clips is not counted.
 */
export async function overflowProblems(page: Page): Promise<string[]> {
  const found = await page.evaluate(() => {
    const scrollWidth = document.documentElement.scrollWidth;
    const innerWidth = window.innerWidth;
    if (scrollWidth <= innerWidth) return { scrollWidth, innerWidth, culprits: [] };
    const right = (e: Element) => e.getBoundingClientRect().right;
    const clipped = (e: Element) => {
      for (let at = e.parentElement; at && at !== document.body; at = at.parentElement) if (getComputedStyle(at).overflowX !== "visible") return true;
      return false;
    };
    const past = (e: Element) => right(e) > innerWidth + 1 && !clipped(e);
    const spills = (e: Element) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible" && !clipped(e);
    const label = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${Array.from(e.classList, (c) => `.${c}`).join("")}${
        e.children.length === 0 && e.textContent ? ` "${e.textContent.trim().slice(0, 40)}"` : ""
      }`;
    const path = (e: Element) => {
      const parts: string[] = [];
      for (let at: Element | null = e; at && at !== document.body && parts.length < 4; at = at.parentElement) parts.unshift(label(at));
      return parts.join(" > ");
    };
    const all = Array.from(document.querySelectorAll("body *"));
    const reaching = all
      .filter((e) => past(e) && !Array.from(e.children).some(past))
      .map((e) => ({ at: right(e), text: `${path(e)} (right edge at ${Math.round(right(e))} px, ${Math.round(e.getBoundingClientRect().width)} px wide)` }));
    const spilling = all
      .filter((e) => spills(e) && !Array.from(e.children).some(spills))
      .map((e) => ({ at: e.getBoundingClientRect().left + e.scrollWidth, text: `${path(e)} (content ${e.scrollWidth} px wide in a ${e.clientWidth} px box)` }));
    const culprits = [...reaching, ...spilling].sort((a, b) => b.at - a.at).map((c) => c.text);
    return { scrollWidth, innerWidth, culprits: culprits.slice(0, 5) };
  });
  if (found.scrollWidth <= found.innerWidth) return [];
  return [`scrolls sideways: scrollWidth ${found.scrollWidth} > innerWidth ${found.innerWidth}; widest: ${found.culprits.join("; ") || "(no element found)"}`];
}

type AxeViolation = { id: string; impact: string | null; help: string; helpUrl: string; nodes: { target: unknown[]; failureSummary?: string }[] };

/**
 * axe-core's serious and critical violations. The source is evaluated through the DevTools protocol
 * rather than added as a <script>: the app's Content-Security-Policy (script-src 'self') would
 * refuse an inline script, and the policy stays in force for the other checks.
 */
export async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ["violations"] })).violations;
  });
  return violations
    .filter((v) => FAILING_IMPACTS.has(v.impact ?? ""))
    .map(
      (v) =>
        `axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 6)
          .map((n) => `${JSON.stringify(n.target)}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, " ").slice(0, 160)}]` : ""}`)
          .join(", ")}${v.nodes.length > 6 ? ` and ${v.nodes.length - 6} more` : ""} — ${v.helpUrl}`,
    );
}
