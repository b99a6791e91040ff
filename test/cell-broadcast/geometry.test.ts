import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCap } from "../../worker/lib/cell-broadcast/cap";
import {
  type Area,
  areaFromCap,
  bearingDeg,
  type CellSite,
  cellSector,
  destination,
  haversineKm,
  isCellSelected,
  type LatLon,
  pointInArea,
  pointInPolygon,
  pointInRing,
  pointInSector,
  type Ring,
  sectorSamples,
  selectCells,
} from "../../worker/lib/cell-broadcast/geometry";

const cell = (id: string, lat: number, lon: number, azimuth: number | null = null): CellSite => ({ id, lat, lon, azimuth });
/** A closed rectangle ring from its south-west and north-east corners. */
const box = (south: number, west: number, north: number, east: number): Ring => [
  [south, west],
  [north, west],
  [north, east],
  [south, east],
  [south, west],
];

describe("distances and bearings", () => {
  it("measures great-circle distances (haversine)", () => {
    expect(haversineKm([48.8566, 2.3522], [51.5074, -0.1278])).toBeCloseTo(343.5, 0); // Paris–London
    expect(haversineKm([0, 179.5], [0, -179.5])).toBeCloseTo(111.2, 1); // 1° of the equator, across the antimeridian
    expect(haversineKm([10, 10], [10, 10])).toBe(0);
  });

  // [bearing, distance km]
  const table: [number, number][] = [
    [0, 2],
    [90, 2],
    [225, 12.5],
    [300, 0.5],
  ];
  it.each(table)("goes %i° for %d km and comes back", (bearing, km) => {
    const from: LatLon = [-27.4, 153.05];
    const to = destination(from, bearing, km);
    expect(haversineKm(from, to)).toBeCloseTo(km, 6);
    const off = ((bearingDeg(from, to) - bearing + 540) % 360) - 180; // 359.9999… is 0°
    expect(off).toBeCloseTo(0, 3);
  });
});

describe("polygons and circles", () => {
  const square = box(-27.5, 153.0, -27.3, 153.2);

  // [point, inside?]
  const points: [LatLon, boolean][] = [
    [[-27.4, 153.1], true],
    [[-27.31, 153.19], true],
    [[-27.6, 153.1], false],
    [[-27.4, 153.25], false],
    [[-27.4, -153.1], false],
  ];
  it.each(points)("%j is inside the square: %s", (point, inside) => {
    expect(pointInRing(point, square)).toBe(inside);
    expect(pointInRing(point, square.slice(0, -1))).toBe(inside); // an open ring is closed implicitly
  });

  it("selects the cells in a polygon and in a circle", () => {
    const centre: LatLon = [-27.4, 153.05];
    const cells = [
      cell("in-square", -27.45, 153.18), // ~14 km east of the circle's centre
      cell("west-10km", ...destination(centre, 270, 10)),
      cell("west-15km", ...destination(centre, 270, 15)),
      cell("far", -33.87, 151.21),
    ];
    expect(selectCells(cells, { polygons: [[square]] }, { sectorAware: false })).toEqual(["in-square"]);
    expect(selectCells(cells, { circles: [{ lat: -27.4, lon: 153.05, radiusKm: 12.5 }] }, { sectorAware: false })).toEqual(["west-10km"]);
    expect(selectCells(cells, { polygons: [[square]], circles: [{ lat: -27.4, lon: 153.05, radiusKm: 12.5 }] }, { sectorAware: false })).toEqual([
      "in-square",
      "west-10km",
    ]);
    expect(selectCells(cells, {}, { sectorAware: false })).toEqual([]);
  });

  it("selects cells for the fixture's CAP circle, numeric ids kept", () => {
    const result = parseCap(readFileSync(new URL("./fixtures/severe-thunderstorm.xml", import.meta.url), "utf8"));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const area = areaFromCap(result.alert.infos[0]?.areas ?? []);
    expect(area).toEqual({ polygons: [], circles: [{ lat: -27.4, lon: 153.05, radiusKm: 12.5 }] });
    const cells: CellSite<number>[] = [
      { id: 40101, lat: -27.47, lon: 153.02 }, // Brisbane CBD, ~8 km
      { id: 40102, lat: -27.2, lon: 153.1 }, // ~22 km north
      { id: 40103, lat: -27.38, lon: 153.12 },
    ];
    expect(selectCells(cells, area)).toEqual([40101, 40103]);
  });
});

describe("the antimeridian", () => {
  // Fiji: a ring from 177°E across 180° to 179.5°W, written with longitudes of both signs.
  const fiji: Ring = box(-19.5, 177, -15.5, -179.5);
  // Kiribati's Line and Phoenix groups span the antimeridian too; this ring uses +180 and -180 spellings.
  const kiribati: Ring = [
    [-1, 175],
    [3, 175],
    [3, 180],
    [3, -170],
    [-1, -170],
    [-1, -180],
    [-1, 175],
  ];

  // [ring, point, inside?]
  const table: [string, Ring, LatLon, boolean][] = [
    ["Fiji", fiji, [-17.8, 178.4], true], // Suva side
    ["Fiji", fiji, [-17, 179.99], true],
    ["Fiji", fiji, [-17, -179.99], true],
    ["Fiji", fiji, [-17, 180], true],
    ["Fiji", fiji, [-17, -180], true],
    ["Fiji", fiji, [-17, -179.6], true],
    ["Fiji", fiji, [-17, -179.4], false],
    ["Fiji", fiji, [-17, 176.9], false],
    ["Fiji", fiji, [-17, 0], false],
    ["Fiji", fiji, [-20, 178], false],
    ["Kiribati", kiribati, [1.87, -157.4], false], // Kiritimati, east of the ring
    ["Kiribati", kiribati, [1, -172], true],
    ["Kiribati", kiribati, [1, 176], true],
    ["Kiribati", kiribati, [1, 174], false],
  ];
  it.each(table)("%s contains %j: %s", (_name, ring, point, inside) => {
    expect(pointInRing(point, ring)).toBe(inside);
  });

  it("selects cells on both sides of 180° and none elsewhere", () => {
    const cells = [cell("taveuni", -16.8, -179.95), cell("suva", -18.14, 178.44), cell("tonga", -21.1, -175.2), cell("greenwich", -17, 0)];
    expect(selectCells(cells, { polygons: [[fiji]] }, { sectorAware: false })).toEqual(["taveuni", "suva"]);
  });

  it("measures circles across 180°", () => {
    const area: Area = { circles: [{ lat: -1, lon: 179.9, radiusKm: 50 }] };
    expect(pointInArea([-1, -179.8], area)).toBe(true); // ~33 km east, across the line
    expect(pointInArea([-1, -179.4], area)).toBe(false); // ~78 km
  });

  it("tests sectors across 180°", () => {
    // A site 1 km east of Fiji's eastern edge (−179.5°), pointing west across it, is selected.
    const site = destination([-17, -179.5], 90, 1);
    expect(selectCells([cell("edge", site[0], site[1], 270)], { polygons: [[fiji]] })).toEqual(["edge"]);
    expect(selectCells([cell("edge", site[0], site[1], 90)], { polygons: [[fiji]] })).toEqual([]);
  });
});

describe("polygons with holes", () => {
  // A 20 × 20 km-ish ring around a 10 × 10 km-ish hole (a lake, an excluded district).
  const outer = box(-27.6, 152.9, -27.4, 153.1);
  const hole = box(-27.55, 152.95, -27.45, 153.05);
  const polygon = [outer, hole];

  // [point, inside?]
  const table: [LatLon, boolean][] = [
    [[-27.5, 153.0], false], // in the hole
    [[-27.58, 153.0], true], // in the ring, south of the hole
    [[-27.5, 152.92], true], // in the ring, west of the hole
    [[-27.3, 153.0], false], // outside altogether
  ];
  it.each(table)("%j is in the polygon: %s", (point, inside) => {
    expect(pointInPolygon(point, polygon)).toBe(inside);
  });

  it("does not select a cell in the hole", () => {
    const cells = [cell("in-hole", -27.5, 153.0), cell("in-ring", -27.58, 153.0), cell("outside", -27.3, 153.0)];
    expect(selectCells(cells, { polygons: [polygon] }, { sectorAware: false })).toEqual(["in-ring"]);
    // Sector-aware too: the hole is wider than the cell's 2 km reach in every direction.
    expect(selectCells(cells, { polygons: [polygon] })).toEqual(["in-ring"]);
  });
});

describe("sector-aware selection", () => {
  const area: Area = { polygons: [[box(-27.5, 153.0, -27.3, 153.2)]] };
  // 1 km east of the area's eastern edge (153.2°).
  const [lat, lon] = destination([-27.4, 153.2], 90, 1);

  // [case, azimuth, options, selected?]
  const table: [string, number | null, Parameters<typeof selectCells>[2], boolean][] = [
    ["pointing west, into the area", 270, {}, true],
    ["pointing south-west, the sector's edge reaches in", 200, {}, true],
    ["pointing east, away from it", 90, {}, false],
    ["pointing north-east, away", 45, {}, false],
    ["pointing north with a narrow beam", 0, { beamwidth: 30 }, false],
    ["pointing west but the nominal radius is shorter than the gap", 270, { radiusKm: 0.5 }, false],
    ["pointing west, sector-aware off", 270, { sectorAware: false }, false],
    ["omnidirectional: a 2 km disc reaches in", null, {}, true],
  ];
  it.each(table)("a site just outside, %s → selected: %s", (_case, azimuth, options, selected) => {
    expect(selectCells([cell("site", lat, lon, azimuth)], area, options)).toEqual(selected ? ["site"] : []);
  });

  it("does not select an omnidirectional cell beyond its radius", () => {
    const [farLat, farLon] = destination([-27.4, 153.2], 90, 5);
    expect(isCellSelected(cell("far", farLat, farLon), area)).toBe(false);
  });

  it("selects a cell whose sector holds a tiny area between its sample points", () => {
    // A 100 m square 1.6 km out on the sector's axis: no sample point falls in it, its corners fall in the sector.
    const site: LatLon = [-27.4, 153.0];
    const centre = destination(site, 10, 1.6);
    const tiny: Area = { polygons: [[box(centre[0] - 0.00045, centre[1] - 0.0005, centre[0] + 0.00045, centre[1] + 0.0005)]] };
    const sector = cellSector(cell("s", site[0], site[1], 0));
    expect(sectorSamples(sector).some((p) => pointInArea(p, tiny))).toBe(false);
    expect(isCellSelected(cell("s", site[0], site[1], 0), tiny)).toBe(true);
    expect(isCellSelected(cell("s", site[0], site[1], 180), tiny)).toBe(false);
  });

  it("describes a cell's sector with the defaults (120°, 2 km) and per-cell values", () => {
    expect(cellSector(cell("a", 1, 2, 400))).toEqual({ site: [1, 2], azimuth: 40, beamwidth: 120, radiusKm: 2 });
    expect(cellSector({ id: "b", lat: 1, lon: 2, azimuth: -90, beamwidth: 65, radiusKm: 8 })).toEqual({
      site: [1, 2],
      azimuth: 270,
      beamwidth: 65,
      radiusKm: 8,
    });
    expect(cellSector(cell("c", 1, 2))).toMatchObject({ beamwidth: 360 });
    // 4 arcs of 9 points (every 15° over 120°) and the site.
    expect(sectorSamples(cellSector(cell("a", 1, 2, 0)))).toHaveLength(37);
  });

  // [bearing from the site, distance km, in a 120° sector pointing north with a 2 km radius?]
  const inSector: [number, number, boolean][] = [
    [0, 1, true],
    [59, 1.9, true],
    [301, 1.9, true],
    [61, 1, false],
    [180, 1, false],
    [0, 2.1, false],
  ];
  it.each(inSector)("a point at %i°, %d km is in the sector: %s", (bearing, km, inside) => {
    const site: LatLon = [10, 20];
    expect(pointInSector(destination(site, bearing, km), { site, azimuth: 0, beamwidth: 120, radiusKm: 2 })).toBe(inside);
  });
});
