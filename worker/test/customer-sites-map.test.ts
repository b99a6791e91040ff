import { describe, expect, it } from "vitest";
import { fitProjection, project } from "../views/cell-map";
import { api, pageSession, unique } from "./helpers";

/** The customer page's sites map (`<figure … id="sites-map">…</figure>`), or "" when there is none. */
const mapOf = (html: string) => html.match(/<figure class="places-map" id="sites-map">.*?<\/figure>/s)?.[0] ?? "";

async function customerWith(sites: Record<string, unknown>[]) {
  const c = (await api("POST", "/customers", { body: { name: unique("Map Customer"), type: "business" } })).body;
  const ids: string[] = [];
  for (const site of sites) {
    const res = await api("POST", `/customers/${c.id}/sites`, { body: { address_line1: "Field 4", city: "Atlantis", country: "FR", ...site } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  return { id: c.id as string, name: c.name as string, sites: ids };
}

describe("the customer's sites on a map", () => {
  it("draws a labelled marker per site with coordinates, linked to its row, from the coordinates alone", async () => {
    const c = await customerWith([
      { name: "Mast <North>", latitude: 45.2, longitude: 4.2 },
      { name: "Depot", latitude: 45.1, longitude: 4.35 },
      { name: "Lost", address_line1: "1 Nowhere Lane" },
    ]);
    const html = await (await (await pageSession("support")).get(`/admin/customers/${c.id}`)).text();
    const map = mapOf(html);
    expect(map).toContain(`role="img" aria-label="Sites of ${c.name}: 2 on the map"`);
    const markers = [...map.matchAll(/<a href="#site-([^"]+)" class="places-map-marker" data-place="[^"]+"><title>([^<]*)<\/title><circle cx="([\d.]+)" cy="([\d.]+)"/g)];
    expect(markers.map((m) => m[1])).toEqual([c.sites[0], c.sites[1]]);
    expect(map).toContain("Mast &lt;North&gt;</text>");
    expect(map).toContain(">Depot</text>");
    // Where each marker is: the cell map's projection of the sites' coordinates.
    const p = fitProjection(
      [
        [45.2, 4.2],
        [45.1, 4.35],
      ],
      800,
      360,
    );
    const at = (lat: number, lon: number) => project(p, lat, lon).map((v) => Math.round(v * 10) / 10);
    expect(markers.map((m) => [Number(m[3]), Number(m[4])])).toEqual([at(45.2, 4.2), at(45.1, 4.35)]);
    // The northern mast is drawn above (smaller y) and west of (smaller x) the depot.
    expect(Number(markers[0]?.[4])).toBeLessThan(Number(markers[1]?.[4]));
    expect(Number(markers[0]?.[3])).toBeLessThan(Number(markers[1]?.[3]));
    expect(map).toContain("1 without coordinates, not on the map.");
    // Each marker's target exists: the site's row.
    for (const id of c.sites) expect(html).toContain(`<tr id="site-${id}">`);
    // Nothing is fetched from elsewhere.
    expect(map).not.toMatch(/https?:\/\//);
  });

  it("says so when no site has coordinates, and shows no map without sites", async () => {
    const lost = await customerWith([{ name: "Lost", address_line1: "1 Nowhere Lane" }]);
    const page = await pageSession("support");
    const html = await (await page.get(`/admin/customers/${lost.id}`)).text();
    expect(html).toContain("No site has coordinates yet");
    expect(mapOf(html)).toBe("");
    const none = await customerWith([]);
    const empty = await (await page.get(`/admin/customers/${none.id}`)).text();
    expect(empty).not.toContain("No site has coordinates yet");
    expect(empty).toContain("No sites yet.");
  });
});
