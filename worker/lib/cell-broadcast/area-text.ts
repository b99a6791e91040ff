/**
 * The alert area as text: what staff paste into the area field, and what the map editor writes there
 * (public/js/broadcast-map.js follows the same rules).
 *
 * One shape a line, in CAP syntax:
 * - a polygon ring: "lat,lon lat,lon lat,lon lat,lon", the first point repeated last (the closing point
 *   is added when left out); at least 3 distinct points;
 * - a circle: "lat,lon radius" (exactly one point and one number, the radius in km).
 * Blank lines and lines starting with "#" are ignored. Rings are kept as given: a ring crossing the
 * antimeridian (179.5 → −179.5) is not rewritten, the geometry module unwraps it.
 */

/** A point as [lat, lon], WGS 84 decimal degrees. */
export type AreaTextPoint = [lat: number, lon: number];

export interface AreaTextCircle {
  lat: number;
  lon: number;
  radius_km: number;
}

/** The shapes of an area text: closed rings (first point repeated last) and circles. */
export interface AreaTextShapes {
  polygons: AreaTextPoint[][];
  circles: AreaTextCircle[];
}

export interface AreaTextError {
  /** 1-based line number. */
  line: number;
  /** A sentence naming the line, ready to show ("Line 2: latitude 95 is outside −90…90"). */
  message: string;
}

export type AreaTextResult = ({ ok: true } & AreaTextShapes) | { ok: false; errors: AreaTextError[] };

export const AREA_TEXT_LIMITS = { polygons: 20, circles: 20, pointsPerRing: 1000, maxRadiusKm: 1000 } as const;

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function decimal(text: string): number | null {
  return DECIMAL.test(text) ? Number(text) : null;
}

/** A "lat,lon" token as a point, or what is wrong with it. */
function point(token: string): AreaTextPoint | string {
  const parts = token.split(",");
  const lat = parts.length === 2 ? decimal(parts[0] ?? "") : null;
  const lon = parts.length === 2 ? decimal(parts[1] ?? "") : null;
  if (lat === null || lon === null) return `"${token}" is not a "lat,lon" pair of decimal degrees`;
  if (lat < -90 || lat > 90) return `latitude ${lat} is outside −90…90`;
  if (lon < -180 || lon > 180) return `longitude ${lon} is outside −180…180`;
  return [lat, lon];
}

function samePoint(a: AreaTextPoint, b: AreaTextPoint): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

type Shape = { ring: AreaTextPoint[] } | { circle: AreaTextCircle } | { error: string };

function ring(tokens: string[]): Shape {
  const points: AreaTextPoint[] = [];
  for (const [i, token] of tokens.entries()) {
    const p = point(token);
    if (typeof p === "string") return { error: `point ${i + 1}: ${p}` };
    points.push(p);
  }
  const first = points[0] as AreaTextPoint;
  if (!samePoint(first, points[points.length - 1] as AreaTextPoint)) points.push(first);
  const distinct = new Set(points.map((p) => `${p[0]},${p[1]}`)).size;
  if (distinct < 3) return { error: `a polygon needs at least 3 distinct "lat,lon" points; found ${distinct}` };
  if (points.length > AREA_TEXT_LIMITS.pointsPerRing)
    return { error: `a polygon may have at most ${AREA_TEXT_LIMITS.pointsPerRing} points; found ${points.length}` };
  return { ring: points };
}

function circle(tokens: string[]): Shape {
  const centre = point(tokens[0] ?? "");
  if (typeof centre === "string") return { error: `circle centre: ${centre}` };
  const radius = decimal(tokens[1] ?? "");
  if (radius === null || radius <= 0 || radius > AREA_TEXT_LIMITS.maxRadiusKm)
    return { error: `the circle radius "${tokens[1]}" must be a number of kilometres above 0 and at most ${AREA_TEXT_LIMITS.maxRadiusKm}` };
  return { circle: { lat: centre[0], lon: centre[1], radius_km: radius } };
}

function shape(line: string): Shape {
  const tokens = line
    .trim()
    .replace(/\s*,\s*/g, ",")
    .split(/\s+/);
  // "lat,lon radius": one point and one plain number.
  if (tokens.length === 2 && !tokens[1]?.includes(",")) return circle(tokens);
  if (tokens.length === 1 && tokens[0]?.includes(","))
    return { error: 'one point alone is neither a polygon ("lat,lon lat,lon lat,lon …") nor a circle ("lat,lon radius_km")' };
  return ring(tokens);
}

/**
 * Parses an area text into closed rings and circles, or the errors of every bad line.
 * @example parseAreaText("45.75,4.83 45.76,4.85 45.74,4.86\n45.7,4.9 2.5") // { ok: true, polygons: [[…4 points]], circles: [{ lat: 45.7, lon: 4.9, radius_km: 2.5 }] }
 */
export function parseAreaText(text: string): AreaTextResult {
  const polygons: AreaTextPoint[][] = [];
  const circles: AreaTextCircle[] = [];
  const errors: AreaTextError[] = [];
  for (const [index, raw] of text.split(/\r\n|\r|\n/).entries()) {
    const line = index + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const s = shape(raw);
    let message: string | undefined;
    if ("error" in s) message = s.error;
    else if ("ring" in s) {
      if (polygons.push(s.ring) === AREA_TEXT_LIMITS.polygons + 1) message = `too many polygons (at most ${AREA_TEXT_LIMITS.polygons})`;
    } else if (circles.push(s.circle) === AREA_TEXT_LIMITS.circles + 1) message = `too many circles (at most ${AREA_TEXT_LIMITS.circles})`;
    if (message) errors.push({ line, message: `Line ${line}: ${message}` });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, polygons, circles };
}

/** A coordinate or radius as text: at most 5 decimals (about a metre), no trailing zeros, never an exponent. */
export function formatAreaNumber(n: number): string {
  const s = String(Number(n.toFixed(5)));
  return s === "-0" ? "0" : s;
}

function formatPoint([lat, lon]: readonly [number, number]): string {
  return `${formatAreaNumber(lat)},${formatAreaNumber(lon)}`;
}

/** The area text of rings and circles, one shape a line; rings are written closed. The inverse of {@link parseAreaText}. */
export function formatAreaText(shapes: {
  polygons: readonly (readonly (readonly [number, number])[])[];
  circles: readonly { lat: number; lon: number; radius_km: number }[];
}): string {
  const rings = shapes.polygons
    .filter((r) => r.length > 0)
    .map((r) => {
      const points = r.map(formatPoint);
      if (points[0] !== points[points.length - 1]) points.push(points[0] as string);
      return points.join(" ");
    });
  const circles = shapes.circles.map((c) => `${formatPoint([c.lat, c.lon])} ${formatAreaNumber(c.radius_km)}`);
  return [...rings, ...circles].join("\n");
}
