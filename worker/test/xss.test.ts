import { describe, expect, it } from "vitest";
import { app } from "../app";
import { api, pageSession } from "./helpers";

const PAYLOAD = "<script>alert(1)</script>";

describe("output escaping", () => {
  it("renders a customer named <script>alert(1)</script> escaped on every page", async () => {
    const customer = await api("POST", "/customers", { body: { name: PAYLOAD, type: "business", notes: PAYLOAD, tags: ["xss"] } });
    expect(customer.status).toBe(201);
    const id = customer.body.id as string;
    const contact = await api("POST", `/customers/${id}/contacts`, {
      body: { first_name: PAYLOAD, last_name: '"><img src=x onerror=alert(1)>', email: "xss@example.com" },
    });
    const site = await api("POST", `/customers/${id}/sites`, {
      body: { name: PAYLOAD, address_line1: PAYLOAD, city: "Lyon", country: "FR", latitude: 45.7, longitude: 4.8 },
    });
    await api("PUT", `/customers/${id}/attributes`, { body: {} });
    const s = await pageSession("admin");
    // Every GET page of the admin, with the hostile customer's ids where a page takes one.
    const pages = new Set<string>();
    for (const r of app.routes) {
      if (r.method !== "GET" || !r.path.startsWith("/admin")) continue;
      pages.add(
        r.path
          .replace(/\/customers\/:id/, `/customers/${id}`)
          .replace(/\/contacts\/:id/, `/contacts/${contact.body.id}`)
          .replace(/\/sites\/:id/, `/sites/${site.body.id}`)
          .replace(/:[A-Za-z_]+/g, "x"),
      );
    }
    pages.add(`/admin/search?q=${encodeURIComponent("script alert")}`);
    pages.add(`/admin/search/suggest?q=${encodeURIComponent("script alert")}`);
    pages.add("/admin/customers?tag=xss");
    pages.add(`/admin/activity?customer_id=${id}`);
    let shown = 0;
    for (const path of pages) {
      const html = await (await s.get(path)).text();
      expect(html, path).not.toContain(PAYLOAD);
      expect(html, path).not.toContain("<img src=x");
      if (html.includes("&lt;script&gt;alert(1)&lt;/script&gt;")) shown++;
    }
    // The payload is really displayed (escaped) on the pages that show the customer.
    expect(shown).toBeGreaterThanOrEqual(5);
  });
});
