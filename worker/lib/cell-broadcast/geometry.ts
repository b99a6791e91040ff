/**
 * Target cell selection for a cell broadcast: which cells serve an alert's area.
 *
 * Areas are polygons (an outer ring and optional holes) and circles, as in CAP. Points are tested
 * on the plane of (longitude, latitude) by ray casting, which is what CAP's polygons mean at the
 * scale of an alert area (edges are straight lines in lat/lon, not great circles). Circles use the
 * great-circle (haversine) distance.
 *
 * Antimeridian: each ring's longitudes are unwrapped, every vertex relative to the one before it, so
 * that no edge is longer than 180° and a ring from 178° to −178° (Fiji) becomes 178°…182°. A point is
 * then tested at its longitude and at ±360°. Rings that go around a pole are not supported.
 *
 * Sectors: a cell site may have an azimuth (degrees from north, clockwise), a beamwidth (default
 * 120°) and a nominal radius (default 2 km). With `sectorAware` (the default) a cell is selected when
 * its site is inside the area, or when its sector and the area meet — tested by sampling the sector
 * (the site, and points on 4 arcs at ¼, ½, ¾ and 1 of the radius, at most 15° apart, edges included)
 * against the area, and the area's vertices and circle centres against the sector. An area that lies
 * wholly inside a sector has a vertex (or centre) in it, so the only misses are thin slivers that cross
 * a sector between its sample points. A cell without an azimuth (omnidirectional) is a full circle of
 * the nominal radius. In a public warning, reaching one cell too many is preferred to missing one.
 */
import type { CapArea } from "./cap";

/** A WGS 84 point, latitude first (as in CAP). */
export type LatLon = readonly [lat: number, lon: number];
/** A closed ring of points (the first may or may not be repeated last). */
export type Ring = readonly LatLon[];
/** An outer ring followed by its holes. */
export type Polygon = readonly Ring[];

export interface Circle {
  lat: number;
  lon: number;
  radiusKm: number;
}

/** An alert area: the union of its polygons and circles. */
export interface Area {
  polygons?: readonly Polygon[];
  circles?: readonly Circle[];
}

export interface CellSite<Id = string> {
  id: Id;
  lat: number;
  lon: number;
  /** Direction of the antenna, degrees clockwise from north; null or absent for an omnidirectional cell. */
  azimuth?: number | null;
  /** Horizontal beamwidth in degrees (default {@link SelectOptions.beamwidth}). */
  beamwidth?: number | null;
  /** Nominal coverage radius in km (default {@link SelectOptions.radiusKm}). */
  radiusKm?: number | null;
}

export interface SelectOptions {
  /** Select cells whose sector meets the area, not only those whose site is inside it (default true). */
  sectorAware?: boolean;
  /** Beamwidth in degrees for cells that do not give one (default 120). */
  beamwidth?: number;
  /** Coverage radius in km for cells that do not give one (default 2). */
  radiusKm?: number;
}

export const DEFAULT_BEAMWIDTH = 120;
export const DEFAULT_CELL_RADIUS_KM = 2;
/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/** Great-circle distance between two points in km (haversine). */
export function haversineKm(a: LatLon, b: LatLon): number {
  const dLat = (b[0] - a[0]) * RAD;
  const dLon = (b[1] - a[1]) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * RAD) * Math.cos(b[0] * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `from` to `to`, degrees clockwise from north in [0, 360). */
export function bearingDeg(from: LatLon, to: LatLon): number {
  const phi1 = from[0] * RAD;
  const phi2 = to[0] * RAD;
  const dLambda = (to[1] - from[1]) * RAD;
  const theta = Math.atan2(Math.sin(dLambda) * Math.cos(phi2), Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLambda));
  return (theta / RAD + 360) % 360;
}

/** Longitude wrapped into [−180, 180). */
function wrapLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** The point `distanceKm` from `from` along the great circle starting at `bearing` degrees; longitude in [−180, 180). */
export function destination(from: LatLon, bearing: number, distanceKm: number): LatLon {
  const delta = distanceKm / EARTH_RADIUS_KM;
  const theta = bearing * RAD;
  const phi1 = from[0] * RAD;
  const lambda1 = from[1] * RAD;
  const phi2 = Math.asin(Math.sin(phi1) * Math.cos(delta) + Math.cos(phi1) * Math.sin(delta) * Math.cos(theta));
  const lambda2 = lambda1 + Math.atan2(Math.sin(theta) * Math.sin(delta) * Math.cos(phi1), Math.cos(delta) - Math.sin(phi1) * Math.sin(phi2));
  return [phi2 / RAD, wrapLon(lambda2 / RAD)];
}

/** A ring ready for repeated tests: longitudes unwrapped, with its bounding box. */
interface PreparedRing {
  lats: number[];
  lons: number[];
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

function prepareRing(ring: Ring): PreparedRing {
  const lats: number[] = [];
  const lons: number[] = [];
  for (const [lat, lon] of ring) {
    const prev = lons[lons.length - 1];
    // Each edge the short way round: a step of more than 180° crosses the antimeridian.
    lons.push(prev === undefined ? lon : prev + wrapLon(lon - prev));
    lats.push(lat);
  }
  return { lats, lons, minLat: Math.min(...lats), maxLat: Math.max(...lats), minLon: Math.min(...lons), maxLon: Math.max(...lons) };
}

/** Ray casting (even–odd rule) on (lon, lat) for a point already in the ring's longitude frame. */
function rayCast(ring: PreparedRing, lat: number, lon: number): boolean {
  if (lat < ring.minLat || lat > ring.maxLat || lon < ring.minLon || lon > ring.maxLon) return false;
  let inside = false;
  const n = ring.lats.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const yi = ring.lats[i] as number;
    const yj = ring.lats[j] as number;
    const xi = ring.lons[i] as number;
    const xj = ring.lons[j] as number;
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPreparedRing(ring: PreparedRing, [lat, lon]: LatLon): boolean {
  return rayCast(ring, lat, lon) || rayCast(ring, lat, lon + 360) || rayCast(ring, lat, lon - 360);
}

/** Whether a point is inside a ring (ray casting; antimeridian-safe). */
export function pointInRing(point: LatLon, ring: Ring): boolean {
  return inPreparedRing(prepareRing(ring), point);
}

type PreparedPolygon = { outer: PreparedRing; holes: PreparedRing[] };

function inPreparedPolygon(polygon: PreparedPolygon, point: LatLon): boolean {
  return inPreparedRing(polygon.outer, point) && !polygon.holes.some((hole) => inPreparedRing(hole, point));
}

/** Whether a point is inside a polygon: inside its outer ring and in none of its holes. */
export function pointInPolygon(point: LatLon, polygon: Polygon): boolean {
  const [outer, ...holes] = polygon;
  return outer !== undefined && inPreparedPolygon({ outer: prepareRing(outer), holes: holes.map(prepareRing) }, point);
}

/** Whether a point is within a circle (great-circle distance, boundary included). */
export function pointInCircle(point: LatLon, circle: Circle): boolean {
  return haversineKm(point, [circle.lat, circle.lon]) <= circle.radiusKm;
}

/** An area ready for testing many points. */
export interface PreparedArea {
  readonly polygons: readonly PreparedPolygon[];
  readonly circles: readonly Circle[];
  /** The outer rings' vertices and the circles' centres, for the sector-side test. */
  readonly vertices: readonly LatLon[];
}

/** Unwraps and bounds the area's rings once, for {@link pointInArea} and {@link selectCells} over many points. */
export function prepareArea(area: Area): PreparedArea {
  const polygons = (area.polygons ?? []).flatMap(([outer, ...holes]) =>
    outer && outer.length > 0 ? [{ outer: prepareRing(outer), holes: holes.map(prepareRing) }] : [],
  );
  const circles = area.circles ?? [];
  const vertices: LatLon[] = [...(area.polygons ?? []).flatMap((p) => p[0] ?? []), ...circles.map((c): LatLon => [c.lat, c.lon])];
  return { polygons, circles, vertices };
}

function isPrepared(area: Area | PreparedArea): area is PreparedArea {
  return "vertices" in area;
}

/** Whether a point is inside any polygon or circle of the area. */
export function pointInArea(point: LatLon, area: Area | PreparedArea): boolean {
  const p = isPrepared(area) ? area : prepareArea(area);
  return p.polygons.some((polygon) => inPreparedPolygon(polygon, point)) || p.circles.some((circle) => pointInCircle(point, circle));
}

/** A cell's sector: where it is, where it points, how wide and how far. An omnidirectional cell is 360° wide. */
export interface Sector {
  site: LatLon;
  azimuth: number;
  beamwidth: number;
  radiusKm: number;
}

/** The sector of a cell, with the options' defaults; an omnidirectional cell gets a 360° beam. */
export function cellSector(cell: CellSite<unknown>, options: SelectOptions = {}): Sector {
  const omni = cell.azimuth === null || cell.azimuth === undefined;
  const beamwidth = omni ? 360 : Math.min(360, Math.max(0, cell.beamwidth ?? options.beamwidth ?? DEFAULT_BEAMWIDTH));
  return {
    site: [cell.lat, cell.lon],
    azimuth: omni ? 0 : (((cell.azimuth ?? 0) % 360) + 360) % 360,
    beamwidth,
    radiusKm: cell.radiusKm ?? options.radiusKm ?? DEFAULT_CELL_RADIUS_KM,
  };
}

/** Sample points of a sector: the site, then 4 arcs (¼, ½, ¾, 1 of the radius) with points at most 15° apart, edges included. */
export function sectorSamples(sector: Sector): LatLon[] {
  const steps = Math.max(2, Math.ceil(sector.beamwidth / 15));
  const samples: LatLon[] = [sector.site];
  for (const fraction of [0.25, 0.5, 0.75, 1]) {
    for (let k = 0; k <= steps; k++) {
      const bearing = sector.azimuth - sector.beamwidth / 2 + (k * sector.beamwidth) / steps;
      samples.push(destination(sector.site, bearing, sector.radiusKm * fraction));
    }
  }
  return samples;
}

/** Whether a point lies in a sector: within its radius and within half the beamwidth of its azimuth. */
export function pointInSector(point: LatLon, sector: Sector): boolean {
  if (haversineKm(sector.site, point) > sector.radiusKm) return false;
  if (sector.beamwidth >= 360) return true;
  const off = Math.abs(((bearingDeg(sector.site, point) - sector.azimuth + 540) % 360) - 180);
  return off <= sector.beamwidth / 2;
}

/** Whether a cell serves the area: its site is inside it or, when sector-aware, its sector meets it. */
export function isCellSelected(cell: CellSite<unknown>, area: Area | PreparedArea, options: SelectOptions = {}): boolean {
  const prepared = isPrepared(area) ? area : prepareArea(area);
  const site: LatLon = [cell.lat, cell.lon];
  if (pointInArea(site, prepared)) return true;
  if (options.sectorAware === false) return false;
  const sector = cellSector(cell, options);
  return sectorSamples(sector).some((p) => pointInArea(p, prepared)) || prepared.vertices.some((v) => pointInSector(v, sector));
}

/**
 * The ids of the cells that serve the area, in input order.
 * @example selectCells(cells, areaFromCap(info.areas)) // ["40101", "40102"]
 */
export function selectCells<Id>(cells: readonly CellSite<Id>[], area: Area, options: SelectOptions = {}): Id[] {
  const prepared = prepareArea(area);
  return cells.filter((cell) => isCellSelected(cell, prepared, options)).map((cell) => cell.id);
}

/** The area of CAP `area` blocks: each CAP polygon is one ring without holes; circles as they are. Geocodes carry no geometry and are left out. */
export function areaFromCap(areas: readonly Pick<CapArea, "polygons" | "circles">[]): Area {
  return {
    polygons: areas.flatMap((a) => a.polygons.map((ring): Polygon => [ring])),
    circles: areas.flatMap((a) => a.circles.map((c) => ({ lat: c.lat, lon: c.lon, radiusKm: c.radiusKm }))),
  };
}
