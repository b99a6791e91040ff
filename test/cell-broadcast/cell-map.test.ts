import { describe, expect, it } from "vitest";
import {
  CellMap,
  type CellMapArea,
  type CellMapCell,
  type CellMapProps,
  fitProjection,
  type MapProjection,
  project,
  unproject,
} from "../../worker/views/cell-map";

/** Three-sector sites around Lyon, as the demo inventory has them. */
const sites: [string, number, number][] = [
  ["Lyon Bellecour", 45.7578, 4.832],
  ["Lyon Part-Dieu", 45.7606, 4.8597],
  ["Lyon Gerland", 45.7283, 4.8322],
];
const cells: CellMapCell[] = sites.flatMap(([name, lat, lon], site) =>
  [0, 120, 240].map((azimuth, sector) => ({ id: String(20_815_000 + site * 10 + sector + 1), name: `${name} ${"ABC"[sector]}`, lat, lon, azimuth })),
);

async function render(props: Partial<CellMapProps>): Promise<string> {
  return String(await CellMap({ label: "Cells", cells, ...props }));
}

const count = (html: string, needle: string | RegExp) => html.split(needle).length - 1;

function projectionOf(html: string): MapProjection {
  const json = /data-projection="([^"]+)"/.exec(html)?.[1] ?? "";
  return JSON.parse(json.replace(/&quot;/g, '"'));
}

/** Every x of the path data of the elements with this class. */
function pathXs(html: string, cls: string): number[] {
  const paths = [...html.matchAll(new RegExp(`class="${cls}"[^>]* d="([^"]+)"`, "g"))].map((m) => m[1] ?? "");
  return paths.flatMap((d) => [...d.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[1])));
}

describe("CellMap", () => {
  it("is an accessible image naming what it shows", async () => {
    const html = await render({ label: "Cells of the alert area", selected: ["20815001"] });
    expect(html).toMatch(/^<svg class="cell-map"[^>]* role="img" aria-label="Cells of the alert area: 9 cells, 1 selected"/);
    expect(html).toContain('viewBox="0 0 800 500"');
    expect(html).toContain("<title>Lyon Bellecour A (20815001)</title>");
    expect(count(html, /data-cell="\d+"/g)).toBe(9);
  });

  it("draws one wedge per cell with an azimuth and a circle for an omnidirectional cell", async () => {
    const html = await render({ cells: [...cells, { id: "omni", lat: 45.75, lon: 4.85, azimuth: null }] });
    expect(count(html, 'class="cell-map-wedge"')).toBe(9);
    expect(count(html, 'class="cell-map-omni"')).toBe(1);
    // One dot per site, not per cell.
    expect(count(html, 'class="cell-map-site"')).toBe(4);
  });

  it("highlights the selected cells, from a set or an array", async () => {
    const ids = ["20815001", "20815012", "20815023"];
    for (const selected of [ids, new Set(ids)]) {
      const html = await render({ selected });
      expect(count(html, 'class="cell-map-cell selected"')).toBe(3);
      expect(count(html, 'class="cell-map-cell"')).toBe(6);
    }
  });

  it("draws a polygon with its hole as one even-odd path, and circles as paths", async () => {
    const outer: [number, number][] = [
      [45.7, 4.78],
      [45.8, 4.78],
      [45.8, 4.9],
      [45.7, 4.9],
      [45.7, 4.78],
    ];
    const hole: [number, number][] = [
      [45.74, 4.82],
      [45.76, 4.82],
      [45.76, 4.85],
      [45.74, 4.82],
    ];
    const html = await render({ area: { polygons: [[outer, hole]], circles: [{ lat: 45.76, lon: 4.83, radius_km: 1.5 }] } });
    const polygon = /<path class="cell-map-polygon" fill-rule="evenodd" d="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(count(polygon, "M")).toBe(2);
    expect(count(html, "cell-map-polygon")).toBe(1);
    expect(count(html, 'class="cell-map-circle"')).toBe(1);
    // Plain rings are accepted too: one path each.
    const rings = await render({ area: { polygons: [outer, hole], circles: [] } });
    expect(count(rings, "cell-map-polygon")).toBe(2);
  });

  it("fits everything inside the view, with padding", async () => {
    const far: CellMapArea = {
      polygons: [
        [
          [46.2, 5.5],
          [46.3, 5.5],
          [46.3, 5.6],
          [46.2, 5.5],
        ],
      ],
      circles: [],
    };
    const html = await render({ area: far, width: 600, height: 400 });
    const xs = [...pathXs(html, "cell-map-polygon"), ...pathXs(html, "cell-map-wedge")];
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(59);
    expect(Math.max(...xs)).toBeLessThanOrEqual(541);
  });

  it("shows a single cell, and a paragraph when there is no cell", async () => {
    const one = await render({ cells: [{ id: "1", lat: 0, lon: 0, azimuth: 90 }] });
    expect(count(one, 'class="cell-map-wedge"')).toBe(1);
    // Shown with its surroundings, not blown up to the whole view.
    const xs = pathXs(one, "cell-map-wedge");
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(400);
    expect(one).toMatch(/<text[^>]*>\d+(\.\d+)? km<\/text>/);
    const none = await render({ cells: [] });
    expect(none).toMatch(/^<p class="cell-map-empty/);
    expect(none).not.toContain("<svg");
  });

  it("draws an area across the antimeridian in one piece, near the cells", async () => {
    const fiji: CellMapCell[] = [
      { id: "a", lat: -17.5, lon: 179.8, azimuth: 90 },
      { id: "b", lat: -17.5, lon: -179.8, azimuth: 270 },
    ];
    const ring: [number, number][] = [
      [-17, 179.5],
      [-17, -179.5],
      [-18, -179.5],
      [-18, 179.5],
      [-17, 179.5],
    ];
    const html = await render({ cells: fiji, area: { polygons: [ring], circles: [] } });
    const xs = pathXs(html, "cell-map-polygon");
    // About 1° of longitude wide at the scale of the view, not 359° (which would run far off the view).
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(800);
    expect(Math.min(...xs)).toBeGreaterThan(0);
    const p = projectionOf(html);
    expect(Math.abs(p.lon)).toBeGreaterThan(179.9);
    // Both sides of the antimeridian land within the view.
    for (const lon of [179.5, -179.5]) expect(project(p, -17.5, lon)[0]).toBeGreaterThan(0);
  });
});

describe("project / unproject", () => {
  const cases: [name: string, p: MapProjection, lat: number, lon: number][] = [
    [
      "Lyon",
      fitProjection(
        [
          [45.7, 4.7],
          [45.8, 5],
        ],
        800,
        500,
      ),
      45.76,
      4.83,
    ],
    [
      "across the antimeridian",
      fitProjection(
        [
          [-17, 179.5],
          [-18, -179.5],
        ],
        800,
        500,
      ),
      -17.3,
      -179.9,
    ],
    [
      "near a pole",
      fitProjection(
        [
          [78, 15],
          [79, 16],
        ],
        390,
        300,
      ),
      78.2,
      15.4,
    ],
  ];
  it.each(cases)("round-trips (%s)", (_name, p, lat, lon) => {
    const [x, y] = project(p, lat, lon);
    const [lat2, lon2] = unproject(p, x, y);
    expect(lat2).toBeCloseTo(lat, 9);
    expect(lon2).toBeCloseTo(lon, 9);
  });

  it("puts the fitted centre in the middle, north up and east right", () => {
    const p = fitProjection(
      [
        [45.7, 4.7],
        [45.8, 5],
      ],
      800,
      500,
    );
    expect(project(p, 45.75, 4.85).map(Math.round)).toEqual([400, 250]);
    const [x, y] = project(p, 45.8, 5);
    expect(x).toBeGreaterThan(400);
    expect(y).toBeLessThan(250);
    // Equal ground distances look equal: 0.1° of latitude is as long as 0.1°/cos(lat) of longitude.
    expect(project(p, 45.75, 4.85 + 0.1 / Math.cos((45.75 * Math.PI) / 180))[0] - 400).toBeCloseTo(250 - project(p, 45.85, 4.85)[1], 6);
  });
});
