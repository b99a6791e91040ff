import { describe, expect, it } from "vitest";
import { pageSession, type RoleName } from "./helpers";

/** The admin page as a role sees it, and the parts the phone menu and the shortcuts rely on. */
async function shell(role: RoleName, path: string) {
  const s = await pageSession(role);
  const res = await s.get(path);
  expect(res.status).toBe(200);
  const html = await res.text();
  const all = (re: RegExp) => Array.from(html.matchAll(re), (m) => m[1]);
  const dialog = html.match(/<dialog id="keyboard-shortcuts"[\s\S]*?<\/dialog>/)?.[0] ?? "";
  const nav = html.match(/<nav class="sidebar" id="main-nav"[\s\S]*?<\/nav>/)?.[0] ?? "";
  return {
    html,
    dialog,
    nav,
    navGoKeys: all(/data-go-key="([a-z])"/g),
    dialogGoKeys: Array.from(dialog.matchAll(/data-go-shortcut="([a-z])"/g), (m) => m[1]),
  };
}

describe("staff navigation on phones and keyboard shortcuts", () => {
  it("renders a Menu button that controls the main navigation and works as a link without JS", async () => {
    const page = await shell("admin", "/admin/customers");
    expect(page.html).toMatch(/<a href="#main-nav" class="button menu-button" aria-controls="main-nav" aria-expanded="false">/);
    expect(page.nav).toContain('aria-label="Main"');
    expect(page.nav).toContain('href="/admin/customers"');
  });

  it("renders the labelled shortcuts dialog, hidden, with a close button and a link to open it", async () => {
    const page = await shell("admin", "/admin");
    expect(page.dialog).toMatch(/^<dialog id="keyboard-shortcuts" class="shortcuts-dialog" aria-labelledby="keyboard-shortcuts-title">/);
    expect(page.dialog).not.toMatch(/<dialog[^>]* open/);
    expect(page.dialog).toContain('<h2 id="keyboard-shortcuts-title">Keyboard shortcuts</h2>');
    expect(page.dialog).toMatch(/<form method="dialog"><button type="submit" class="button">Close<\/button>/);
    expect(page.dialog).toContain("Search");
    expect(page.html).toMatch(/<a href="#keyboard-shortcuts" class="small shortcuts-link" aria-haspopup="dialog"[^>]*>Keyboard shortcuts \(\?\)<\/a>/);
  });

  it("offers an admin every go-to shortcut, in the navigation and in the dialog", async () => {
    const page = await shell("admin", "/admin");
    expect(page.navGoKeys).toEqual(["c", "s", "i", "j"]);
    expect(page.dialogGoKeys).toEqual(["c", "s", "i", "j"]);
    expect(page.dialog).toContain("Go to Customers");
    expect(page.dialog).toContain("Go to Provisioning");
  });

  it("offers a broadcaster only the areas it may open (inventory), never customers, services or jobs", async () => {
    const page = await shell("broadcaster", "/admin/broadcasts");
    expect(page.navGoKeys).toEqual(["i"]);
    expect(page.dialogGoKeys).toEqual(["i"]);
    expect(page.dialog).toContain("Go to Inventory");
    expect(page.dialog).not.toContain("Go to Customers");
    expect(page.nav).not.toContain('href="/admin/customers"');
    expect(page.nav).toContain('href="/admin/broadcasts"');
  });
});
