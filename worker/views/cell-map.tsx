/**
 * The cell broadcast map: the operator's cell sites with their sectors and an alert area, as an SVG
 * drawn on the server (no map tiles, nothing fetched from elsewhere).
 *
 * Projection: local equirectangular around the centre of what is shown, x scaled by the cosine of the
 * centre latitude, fitted to the cells and the area with 10% padding. Longitudes are unwrapped around the
 * centre, so an area across the antimeridian is drawn in one piece. The projection is written on the
 * <svg> (`data-projection`) so that public/js/broadcast-map.js turns clicks back into lat/lon with the
 * exact inverse of {@link project}.
 */
import { t } from "../i18n/request-locale";
import { type Circle, DEFAULT_BEAMWIDTH, DEFAULT_CELL_RADIUS_KM, destination, EARTH_RADIUS_KM, type LatLon } from "../lib/cell-broadcast/geometry";

export interface CellMapCell {
  id: string;
  name?: string;
  lat: number;
  lon: number;
  /** Degrees clockwise from north; null for an omnidirectional cell. */
  azimuth: number | null;
}

type Pair = [number, number];

export interface CellMapArea {
  /** Rings ([lat, lon] points), or polygons given as an outer ring followed by its holes. */
  polygons: Pair[][][] | Pair[][];
  circles: { lat: number; lon: number; radius_km: number }[];
}

export interface CellMapProps {
  cells: CellMapCell[];
  selected?: ReadonlySet<string> | string[];
  area?: CellMapArea;
  /** viewBox size; the SVG itself is as wide as its container. */
  width?: number;
  height?: number;
  id?: string;
  /** Accessible name of the map ("Cells of the alert area"). */
  label: string;
}

/** Local equirectangular projection: the point (lat, lon) is drawn at (cx, cy). */
export interface MapProjection {
  lat: number;
  lon: number;
  /** Pixels (viewBox units) per degree of latitude. */
  scale: number;
  /** cos(lat): pixels per degree of longitude are scale × cos. */
  cos: number;
  cx: number;
  cy: number;
}

/** Longitude difference wrapped into [−180, 180). */
function lonDelta(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/** Viewbox coordinates of a point; longitudes are taken the short way round from the centre. */
export function project(p: MapProjection, lat: number, lon: number): [x: number, y: number] {
  return [p.cx + lonDelta(lon - p.lon) * p.cos * p.scale, p.cy - (lat - p.lat) * p.scale];
}

/** The point at viewBox coordinates (x, y), longitude in [−180, 180): the inverse of {@link project}. */
export function unproject(p: MapProjection, x: number, y: number): [lat: number, lon: number] {
  return [p.lat - (y - p.cy) / p.scale, p.lon + lonDelta((x - p.cx) / (p.cos * p.scale))];
}

const PADDING = 0.1;
const KM_PER_DEGREE = (EARTH_RADIUS_KM * Math.PI) / 180;
/** Points on a circle at most this many degrees apart; sector arcs, drawn larger, twice as many. */
const ARC_STEP = 10;
/** The view spans at least this much, so that a lone site is shown with its surroundings. */
const MIN_SPAN_KM = 4 * DEFAULT_CELL_RADIUS_KM;

/** The smallest longitude interval holding every longitude: [start, end], end possibly beyond 180. */
function lonRange(lons: number[]): [number, number] {
  const sorted = lons.map((l) => lonDelta(l)).sort((a, b) => a - b);
  const first = sorted[0] as number;
  // Start after the largest gap between consecutive longitudes (going round the globe).
  let start = first;
  let gap = first + 360 - (sorted[sorted.length - 1] as number);
  for (let i = 1; i < sorted.length; i++) {
    const g = (sorted[i] as number) - (sorted[i - 1] as number);
    if (g > gap) {
      gap = g;
      start = sorted[i] as number;
    }
  }
  return [start, start + 360 - gap];
}

/** The projection fitting every point in a width × height view, with padding. */
export function fitProjection(points: readonly LatLon[], width: number, height: number): MapProjection {
  const lats = points.map((p) => p[0]);
  const [west, east] = lonRange(points.map((p) => p[1]));
  const south = Math.min(...lats);
  const north = Math.max(...lats);
  const lat = (south + north) / 2;
  const cos = Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const minSpan = MIN_SPAN_KM / KM_PER_DEGREE;
  const spanX = Math.max((east - west) * cos, minSpan);
  const spanY = Math.max(north - south, minSpan);
  const scale = Math.min((width * (1 - 2 * PADDING)) / spanX, (height * (1 - 2 * PADDING)) / spanY);
  return { lat, lon: lonDelta((west + east) / 2), scale, cos, cx: width / 2, cy: height / 2 };
}

/** Points at most `step` degrees apart along an arc of `radiusKm` around `centre`, from bearing `from` to `to`. */
function arc(centre: LatLon, radiusKm: number, from: number, to: number, step = ARC_STEP): LatLon[] {
  const steps = Math.max(1, Math.ceil((to - from) / step));
  return Array.from({ length: steps + 1 }, (_, k) => destination(centre, from + ((to - from) * k) / steps, radiusKm));
}

function circleRing(c: Circle): LatLon[] {
  return arc([c.lat, c.lon], c.radiusKm, 0, 360).slice(0, -1);
}

/** A cell's outline: its sector wedge (site, arc, back to the site), or the coverage circle of an omnidirectional cell. */
function cellOutline(cell: CellMapCell): LatLon[] {
  if (cell.azimuth === null) return circleRing({ lat: cell.lat, lon: cell.lon, radiusKm: DEFAULT_CELL_RADIUS_KM });
  const half = DEFAULT_BEAMWIDTH / 2;
  return [[cell.lat, cell.lon], ...arc([cell.lat, cell.lon], DEFAULT_CELL_RADIUS_KM, cell.azimuth - half, cell.azimuth + half, ARC_STEP / 2)];
}

/** The area's polygons, each an outer ring followed by its holes. */
function areaPolygons(area: CellMapArea | undefined): LatLon[][][] {
  const polygons = area?.polygons ?? [];
  const first = polygons[0]?.[0]?.[0];
  // A ring's first element is a point (an array of numbers); a polygon's first element is a ring.
  return typeof first === "number" ? (polygons as Pair[][]).map((ring) => [ring]) : (polygons as Pair[][][]);
}

export const round = (n: number) => Math.round(n * 10) / 10;

function pathData(p: MapProjection, rings: readonly LatLon[][]): string {
  return rings
    .filter((ring) => ring.length > 0)
    .map((ring) => `M${ring.map(([lat, lon]) => project(p, lat, lon).map(round).join(",")).join("L")}Z`)
    .join("");
}

/** A scale bar length of 1, 2 or 5 × 10ⁿ km, about a fifth of the width. */
function scaleBarKm(p: MapProjection, width: number): number {
  const target = (width / 5 / p.scale) * KM_PER_DEGREE;
  const power = 10 ** Math.floor(Math.log10(target));
  const nice = [5, 2, 1].find((m) => m * power <= target) ?? 1;
  return nice * power;
}

export function ScaleBar(props: { p: MapProjection; width: number; height: number }) {
  const km = scaleBarKm(props.p, props.width);
  const length = round((km / KM_PER_DEGREE) * props.p.scale);
  const x = 16;
  const y = props.height - 18;
  return (
    <g class="cell-map-scale">
      <path d={`M${x},${y - 6}V${y}H${x + length}V${y - 6}`} />
      <text x={round(x + length / 2)} y={y - 9} text-anchor="middle">
        {`${km < 1 ? km.toFixed(km < 0.1 ? 2 : 1) : km} km`}
      </text>
    </g>
  );
}

export function NorthArrow(props: { width: number }) {
  const x = props.width - 24;
  return (
    <g class="cell-map-north">
      <path d={`M${x},14L${x + 7},36L${x},31L${x - 7},36Z`} />
      <text x={x} y={52} text-anchor="middle">
        N
      </text>
    </g>
  );
}

/**
 * The SVG map of cells (sector wedges, selected ones highlighted) and an alert area (polygons with
 * holes, circles); a paragraph instead when there are no cells.
 * @example <CellMap label="Cells of the alert area" cells={cells} selected={new Set(ids)} area={{ polygons: rings, circles }} />
 */
export function CellMap(props: CellMapProps) {
  if (props.cells.length === 0) return <p class="cell-map-empty muted">{t("broadcasts.map.empty")}</p>;
  const width = props.width ?? 800;
  const height = props.height ?? 500;
  const selected = new Set(props.selected ?? []);
  const polygons = areaPolygons(props.area);
  const circles = (props.area?.circles ?? []).map((c) => circleRing({ lat: c.lat, lon: c.lon, radiusKm: c.radius_km }));
  const outlines = props.cells.map((cell) => ({ cell, outline: cellOutline(cell), on: selected.has(cell.id) }));
  const p = fitProjection([...outlines.flatMap((o) => o.outline), ...polygons.flat(2), ...circles.flat()], width, height);
  // Selected cells last, so that their highlight is drawn over their neighbours' wedges.
  const ordered = [...outlines.filter((o) => !o.on), ...outlines.filter((o) => o.on)];
  const sites = new Map(props.cells.map((c) => [`${c.lat},${c.lon}`, project(p, c.lat, c.lon)]));
  const on = outlines.filter((o) => o.on).length;
  const count = selected.size > 0 ? t(on === 1 ? "broadcasts.map.selected_one" : "broadcasts.map.selected", { n: on }) : "";
  return (
    <svg
      class="cell-map"
      id={props.id}
      role="img"
      aria-label={t(props.cells.length === 1 ? "broadcasts.map.cells_one" : "broadcasts.map.cells", {
        label: props.label,
        n: props.cells.length,
        selected: count,
      })}
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      preserveAspectRatio="xMidYMid meet"
      data-projection={JSON.stringify(p)}
    >
      <rect class="cell-map-bg" x="0" y="0" width={width} height={height} />
      <g class="cell-map-cells">
        {ordered.map(({ cell, outline, on }) => (
          <g class={on ? "cell-map-cell selected" : "cell-map-cell"} data-cell={cell.id}>
            <title>{cell.name ? `${cell.name} (${cell.id})` : cell.id}</title>
            <path class={cell.azimuth === null ? "cell-map-omni" : "cell-map-wedge"} d={pathData(p, [outline])} />
          </g>
        ))}
      </g>
      {/* The area over the cells: its outline stays visible where sectors overlap. */}
      <g class="cell-map-area">
        {polygons.map((rings) => (
          <path class="cell-map-polygon" fill-rule="evenodd" d={pathData(p, rings)} />
        ))}
        {circles.map((ring) => (
          <path class="cell-map-circle" d={pathData(p, [ring])} />
        ))}
      </g>
      <g class="cell-map-sites">
        {[...sites.values()].map(([x, y]) => (
          <circle class="cell-map-site" cx={round(x)} cy={round(y)} r="3" />
        ))}
      </g>
      <g class="cell-map-draft" data-map-draft="" />
      <ScaleBar p={p} width={width} height={height} />
      <NorthArrow width={width} />
    </svg>
  );
}
