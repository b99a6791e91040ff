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
    expect(map).toContain(`aria-label="Sites of ${c.name}: 2 on the map"`);
    const markers = [
      ...map.matchAll(/<a href="#site-([^"]+)" class="places-map-marker" data-place="[^"]+"><title>([^<]*)<\/title><circle cx="([\d.]+)" cy="([\d.]+)"/g),
    ];
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

describe("cell sites on a map", () => {
  it("draws the listed cell sites with their sectors on the inventory list of cell sites", async () => {
    const cellIds = [0, 1].map((i) => `9${String(Date.now()).slice(-7)}${i}`);
    for (const [i, cellId] of cellIds.entries()) {
      const res = await api("POST", "/inventory/items", {
        body: {
          type: "cell_site",
          fields: {
            cell_id: cellId,
            name: `Map cell ${i}`,
            tac: 7,
            mcc: "208",
            mnc: "99",
            latitude: 48.85 + i / 100,
            longitude: 2.35,
            azimuth: i === 0 ? 120 : null,
          },
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const page = await pageSession("support");
    const html = await (await page.get("/admin/inventory/items?type=cell_site")).text();
    const map = html.match(/<svg class="cell-map" id="cell-sites-map".*?<\/svg>/s)?.[0] ?? "";
    for (const [i, cellId] of cellIds.entries()) expect(map).toContain(`data-cell="${cellId}"><title>Map cell ${i} (${cellId})</title>`);
    // A sector for the cell with an azimuth, a circle for the omnidirectional one.
    expect(map).toMatch(new RegExp(`data-cell="${cellIds[0]}"><title>[^<]*</title><path class="cell-map-wedge"`));
    expect(map).toMatch(new RegExp(`data-cell="${cellIds[1]}"><title>[^<]*</title><path class="cell-map-omni"`));
    // Other types have no map.
    expect(await (await page.get("/admin/inventory/items?type=sim")).text()).not.toContain('id="cell-sites-map"');
  });
});
