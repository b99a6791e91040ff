/**
 * Places on a map drawn on the server as SVG, with the cell broadcast map's projection, scale bar and
 * north arrow (views/cell-map.tsx): no map tiles, nothing fetched from elsewhere. Each place is a
 * labelled marker linking to it.
 */
import { t } from "../i18n/request-locale";
import { fitProjection, NorthArrow, project, round, ScaleBar } from "./cell-map";

export type MapPlace = { id: string; label: string; lat: number | null; lon: number | null; href: string; title?: string };

const WIDTH = 800;
const HEIGHT = 360;

/**
 * The places that have coordinates, each a marker with its label, linked; a paragraph when none has.
 * @example <PlacesMap label="Sites of Acme" places={sites.map(…)} empty="No site has coordinates yet." />
 */
export function PlacesMap(props: { places: MapPlace[]; label: string; empty: string; id?: string }) {
  const placed = props.places.filter(
    (p): p is MapPlace & { lat: number; lon: number } => p.lat !== null && p.lon !== null && Number.isFinite(p.lat) && Number.isFinite(p.lon),
  );
  if (placed.length === 0) return <p class="cell-map-empty muted places-map-empty">{props.empty}</p>;
  const p = fitProjection(
    placed.map((s) => [s.lat, s.lon]),
    WIDTH,
    HEIGHT,
  );
  const missing = props.places.length - placed.length;
  return (
    <figure class="places-map" id={props.id}>
      <svg
        class="cell-map"
        aria-label={t("overview.map.placed", { label: props.label, n: placed.length })}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        preserveAspectRatio="xMidYMid meet"
      >
        <rect class="cell-map-bg" x="0" y="0" width={WIDTH} height={HEIGHT} />
        <g class="places-map-markers">
          {placed.map((s) => {
            const [x, y] = project(p, s.lat, s.lon).map(round) as [number, number];
            // Labels go left of markers near the right edge, so they stay inside the map.
            const right = x > WIDTH * 0.7;
            return (
              <a href={s.href} class="places-map-marker" data-place={s.id}>
                <title>{s.title ?? s.label}</title>
                <circle cx={x} cy={y} r="7" fill="#2563eb" stroke="#fff" stroke-width="2" />
                <text
                  x={right ? x - 11 : x + 11}
                  y={y + 5}
                  text-anchor={right ? "end" : "start"}
                  font-size="15"
                  fill="#0f172a"
                  stroke="#fff"
                  stroke-width="3"
                  paint-order="stroke"
                >
                  {s.label}
                </text>
              </a>
            );
          })}
        </g>
        <ScaleBar p={p} width={WIDTH} height={HEIGHT} />
        <NorthArrow width={WIDTH} />
      </svg>
      {missing > 0 && <figcaption class="muted small">{t("overview.map.missing", { n: missing })}</figcaption>}
    </figure>
  );
}
