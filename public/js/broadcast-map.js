// Cell broadcast map editor (progressive enhancement): draw polygons and circles on the cell map and
// append them to the area textarea, in the area-text format of worker/lib/cell-broadcast/area-text.ts
// (one shape a line: "lat,lon lat,lon … lat,lon" closed ring, or "lat,lon radius_km"; at most 5 decimals).
//
// Markup: an element [data-cell-map-editor] holding the map <svg data-projection> (worker/views/cell-map.tsx),
// a <textarea name="area_text">, buttons [data-map-mode="polygon"|"circle"|"clear"] and [data-map-undo],
// and a status line [data-map-status]. Listeners are delegated from document, so editors and maps swapped
// in by htmx work without re-binding; the svg is looked up at event time.
(() => {
  if (window.cellBroadcastMapEditor) return; // loaded twice: the listeners are already there
  window.cellBroadcastMapEditor = true;

  const EARTH_RADIUS_KM = 6371.0088;
  const RAD = Math.PI / 180;
  const MAX_POINTS = 1000;
  const MAX_RADIUS_KM = 1000;
  /** Screen pixels within which a click hits the first vertex (closing the ring) or repeats the last one. */
  const CLOSE_PX = 10;
  const REPEAT_PX = 4;
  const SVG_NS = "http://www.w3.org/2000/svg";

  // ---- geometry (the same formulas as the server's projection and geometry modules)
  const lonDelta = (d) => ((((d + 180) % 360) + 360) % 360) - 180;
  const project = (p, lat, lon) => [p.cx + lonDelta(lon - p.lon) * p.cos * p.scale, p.cy - (lat - p.lat) * p.scale];
  const unproject = (p, x, y) => [p.lat - (y - p.cy) / p.scale, p.lon + lonDelta((x - p.cx) / (p.cos * p.scale))];

  function haversineKm(a, b) {
    const h = Math.sin(((b[0] - a[0]) * RAD) / 2) ** 2 + Math.cos(a[0] * RAD) * Math.cos(b[0] * RAD) * Math.sin(((b[1] - a[1]) * RAD) / 2) ** 2;
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function destination(from, bearing, km) {
    const d = km / EARTH_RADIUS_KM;
    const t = bearing * RAD;
    const phi1 = from[0] * RAD;
    const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(t));
    const lambda = from[1] * RAD + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
    return [phi2 / RAD, lonDelta(lambda / RAD)];
  }

  // ---- area text
  const num = (n) => {
    const s = String(Number(n.toFixed(5)));
    return s === "-0" ? "0" : s;
  };
  const pointText = (p) => `${num(p[0])},${num(p[1])}`;
  const ringText = (points) => [...points, points[0]].map(pointText).join(" ");
  const circleText = (centre, km) => `${pointText(centre)} ${num(km)}`;

  // ---- the hints, in the page's language (<html lang>, which the server sets from the staff user's choice)
  const MESSAGES = {
    en: {
      polygonStart: "Click to add points; Enter closes the polygon.",
      polygonFew: (n) => `${n} point${n === 1 ? "" : "s"}: add at least 3. Backspace removes the last one, Escape cancels.`,
      polygonClose: (n) => `${n} points: click the first point, double-click or press Enter to close the polygon. Escape cancels.`,
      circleStart: "Click the centre of the circle.",
      circleRadius: (km) => `Move to set the radius${km === null ? "" : ` (${km} km)`}, click to fix it. Escape cancels.`,
      idle: "Choose Polygon or Circle to draw on the map, or type the area in the box.",
      polygonAdded: "Polygon added to the area.",
      circleAdded: "Circle added to the area.",
      cleared: "Area cleared. Choose Polygon or Circle to draw, or type the area in the box.",
      nothingToUndo: "The area is empty: nothing to undo.",
      removedLast: "Removed the last shape of the area.",
      circleTooLarge: (max) => `A circle may be at most ${max} km in radius: click closer to the centre.`,
      polygonTooMany: (max) => `A polygon may have at most ${max} points: close it now.`,
      cancelled: "Shape cancelled.",
      decimal: ".",
    },
    fr: {
      polygonStart: "Cliquez pour ajouter des points ; Entrée ferme le polygone.",
      polygonFew: (n) => `${n} point${n === 1 ? "" : "s"} : ajoutez-en au moins 3. Retour arrière retire le dernier, Échap annule.`,
      polygonClose: (n) => `${n} points : cliquez sur le premier point, double-cliquez ou appuyez sur Entrée pour fermer le polygone. Échap annule.`,
      circleStart: "Cliquez au centre du cercle.",
      circleRadius: (km) => `Déplacez le pointeur pour régler le rayon${km === null ? "" : ` (${km} km)`}, cliquez pour le fixer. Échap annule.`,
      idle: "Choisissez de dessiner un polygone ou un cercle sur la carte, ou saisissez la zone dans le champ.",
      polygonAdded: "Polygone ajouté à la zone.",
      circleAdded: "Cercle ajouté à la zone.",
      cleared: "Zone effacée. Choisissez de dessiner un polygone ou un cercle, ou saisissez la zone dans le champ.",
      nothingToUndo: "La zone est vide : rien à annuler.",
      removedLast: "Dernière forme de la zone retirée.",
      circleTooLarge: (max) => `Un cercle ne peut dépasser ${max} km de rayon : cliquez plus près du centre.`,
      polygonTooMany: (max) => `Un polygone ne peut dépasser ${max} points : fermez-le maintenant.`,
      cancelled: "Forme annulée.",
      decimal: ",",
    },
  };
  const words = () => MESSAGES[document.documentElement.lang] ?? MESSAGES.en;

  // ---- editor state, by editor id when it has one (so that a swapped-in copy of the editor keeps the shape)
  const states = new Map();
  const stateOf = (editor) => {
    const key = editor.id || editor;
    if (!states.has(key)) states.set(key, { mode: null, points: [], pointer: null });
    return states.get(key);
  };

  const svgOf = (editor) => editor.querySelector("svg[data-projection]");
  const textareaOf = (editor) => editor.querySelector('textarea[name="area_text"]');
  const projectionOf = (svg) => JSON.parse(svg.dataset.projection);

  /** The lat/lon under a pointer event, through the svg's current screen transform and projection. */
  function eventLatLon(svg, event) {
    const pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    const v = pt.matrixTransform(svg.getScreenCTM().inverse());
    return unproject(projectionOf(svg), v.x, v.y);
  }

  /** Screen distance in pixels between a lat/lon and a pointer event. */
  function screenDistance(svg, latLon, event) {
    const [x, y] = project(projectionOf(svg), latLon[0], latLon[1]);
    const pt = svg.createSVGPoint();
    pt.x = x;
    pt.y = y;
    const s = pt.matrixTransform(svg.getScreenCTM());
    return Math.hypot(s.x - event.clientX, s.y - event.clientY);
  }

  function status(editor, text) {
    const line = editor.querySelector("[data-map-status]");
    if (line) line.textContent = text;
  }

  function guidance(state) {
    const n = state.points.length;
    const w = words();
    if (state.mode === "polygon") {
      if (n === 0) return w.polygonStart;
      if (n < 3) return w.polygonFew(n);
      return w.polygonClose(n);
    }
    if (state.mode === "circle") {
      if (n === 0) return w.circleStart;
      const km = state.pointer ? num(Math.round(haversineKm(state.points[0], state.pointer) * 100) / 100).replace(".", w.decimal) : null;
      return w.circleRadius(km);
    }
    return w.idle;
  }

  function svgElement(parent, name, attributes) {
    const el = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
    parent.appendChild(el);
    return el;
  }

  /** Draws the shape being drawn in the map's draft layer (created when the map has none). */
  function drawDraft(editor) {
    const svg = svgOf(editor);
    if (!svg) return;
    const state = stateOf(editor);
    let layer = svg.querySelector("[data-map-draft]");
    if (!layer) layer = svgElement(svg, "g", { class: "cell-map-draft", "data-map-draft": "" });
    layer.replaceChildren();
    if (!state.mode || state.points.length === 0) return;
    const p = projectionOf(svg);
    const xy = (ll) => project(p, ll[0], ll[1]).join(",");
    // Vertex dots keep their size on screen whatever the map's width.
    const r = 5 / (svg.getScreenCTM()?.a || 1);
    if (state.mode === "polygon") {
      svgElement(layer, "polyline", { class: "cell-map-draft-line", points: state.points.map(xy).join(" ") });
      if (state.pointer) svgElement(layer, "polyline", { class: "cell-map-draft-rubber", points: [state.points.at(-1), state.pointer].map(xy).join(" ") });
      state.points.forEach((ll, i) => {
        const [cx, cy] = project(p, ll[0], ll[1]);
        svgElement(layer, "circle", { class: i === 0 ? "cell-map-vertex first" : "cell-map-vertex", cx, cy, r: i === 0 ? r * 1.4 : r });
      });
    } else {
      const centre = state.points[0];
      if (state.pointer) {
        const km = haversineKm(centre, state.pointer);
        const ring = Array.from({ length: 36 }, (_, k) => destination(centre, k * 10, km));
        svgElement(layer, "polygon", { class: "cell-map-draft-line", points: ring.map(xy).join(" ") });
      }
      const [cx, cy] = project(p, centre[0], centre[1]);
      svgElement(layer, "circle", { class: "cell-map-vertex first", cx, cy, r });
    }
  }

  function refresh(editor, message) {
    const state = stateOf(editor);
    for (const button of editor.querySelectorAll("[data-map-mode]")) {
      const mode = button.getAttribute("data-map-mode");
      if (mode === "polygon" || mode === "circle") button.setAttribute("aria-pressed", String(state.mode === mode));
    }
    if (state.mode) editor.setAttribute("data-map-drawing", state.mode);
    else editor.removeAttribute("data-map-drawing");
    const svg = svgOf(editor);
    if (svg && !svg.hasAttribute("tabindex")) svg.setAttribute("tabindex", "0");
    const line = editor.querySelector("[data-map-status]");
    if (line && !line.hasAttribute("role")) line.setAttribute("role", "status");
    status(editor, message ?? guidance(state));
    drawDraft(editor);
  }

  function changed(textarea) {
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function appendShape(editor, line, what) {
    const textarea = textareaOf(editor);
    const state = stateOf(editor);
    state.points = [];
    state.pointer = null;
    if (!textarea) return refresh(editor);
    const value = textarea.value.replace(/\s+$/, "");
    textarea.value = value === "" ? line : `${value}\n${line}`;
    changed(textarea);
    refresh(editor, `${what === "circle" ? words().circleAdded : words().polygonAdded} ${guidance(state)}`);
  }

  function finishPolygon(editor) {
    const state = stateOf(editor);
    if (state.mode !== "polygon" || state.points.length < 3) return refresh(editor);
    appendShape(editor, ringText(state.points), "polygon");
  }

  function setMode(editor, mode) {
    const state = stateOf(editor);
    state.points = [];
    state.pointer = null;
    if (mode === "clear") {
      state.mode = null;
      const textarea = textareaOf(editor);
      if (textarea) {
        textarea.value = "";
        changed(textarea);
      }
      return refresh(editor, words().cleared);
    }
    state.mode = state.mode === mode ? null : mode;
    refresh(editor);
  }

  /** Removes the last vertex (or circle centre) being drawn; with no shape in progress, the last shape of the text. */
  function undo(editor, shapesToo) {
    const state = stateOf(editor);
    if (state.points.length > 0) {
      state.points.pop();
      return refresh(editor);
    }
    const textarea = textareaOf(editor);
    if (!shapesToo || !textarea) return;
    const lines = textarea.value.split(/\r\n|\r|\n/);
    const last = lines.findLastIndex((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
    if (last < 0) return refresh(editor, words().nothingToUndo);
    lines.splice(last, 1);
    textarea.value = lines.join("\n").replace(/\s+$/, "");
    changed(textarea);
    refresh(editor, `${words().removedLast} ${guidance(state)}`);
  }

  function mapClick(editor, svg, event) {
    const state = stateOf(editor);
    if (!state.mode) return;
    svg.focus({ preventScroll: true });
    const point = eventLatLon(svg, event);
    if (state.mode === "circle") {
      if (state.points.length === 0) {
        state.points = [point];
        return refresh(editor);
      }
      const km = haversineKm(state.points[0], point);
      if (km > MAX_RADIUS_KM) return refresh(editor, words().circleTooLarge(MAX_RADIUS_KM));
      if (Number(num(km)) <= 0) return;
      return appendShape(editor, circleText(state.points[0], km), "circle");
    }
    const n = state.points.length;
    if (n > 0 && screenDistance(svg, state.points[0], event) <= CLOSE_PX) return finishPolygon(editor);
    // The clicks of a double-click land on the same spot: keep one vertex.
    if (n > 0 && screenDistance(svg, state.points[n - 1], event) <= REPEAT_PX) return;
    if (n >= MAX_POINTS - 1) return refresh(editor, words().polygonTooMany(MAX_POINTS));
    state.points.push(point);
    refresh(editor);
  }

  const editorOf = (target) => (target instanceof Element ? target.closest("[data-cell-map-editor]") : null);

  document.addEventListener("click", (event) => {
    const editor = editorOf(event.target);
    if (!editor) return;
    const button = event.target.closest("[data-map-mode], [data-map-undo]");
    if (button) {
      event.preventDefault();
      if (button.hasAttribute("data-map-undo")) undo(editor, true);
      else setMode(editor, button.getAttribute("data-map-mode"));
      return;
    }
    const svg = event.target.closest("svg[data-projection]");
    if (svg) mapClick(editor, svg, event);
  });

  document.addEventListener("dblclick", (event) => {
    const editor = editorOf(event.target);
    if (editor && event.target.closest("svg[data-projection]") && stateOf(editor).mode === "polygon") {
      event.preventDefault();
      finishPolygon(editor);
    }
  });

  document.addEventListener("pointermove", (event) => {
    const editor = editorOf(event.target);
    const svg = event.target instanceof Element ? event.target.closest("svg[data-projection]") : null;
    if (!editor || !svg) return;
    const state = stateOf(editor);
    if (!state.mode || state.points.length === 0) return;
    state.pointer = eventLatLon(svg, event);
    if (state.mode === "circle") status(editor, guidance(state));
    drawDraft(editor);
  });

  document.addEventListener("keydown", (event) => {
    if (!["Enter", "Escape", "Backspace"].includes(event.key)) return;
    const target = event.target;
    // Typing in the area box (or any field), and Enter on a button, keep their usual meaning.
    if (target instanceof Element && target.closest("input, textarea, select, button, a, [contenteditable]")) return;
    const editor = editorOf(target) ?? [...document.querySelectorAll("[data-cell-map-editor]")].find((e) => stateOf(e).mode);
    if (!editor) return;
    const state = stateOf(editor);
    if (!state.mode) return;
    event.preventDefault();
    if (event.key === "Enter") finishPolygon(editor);
    else if (event.key === "Backspace") undo(editor, false);
    else if (state.points.length > 0) {
      state.points = [];
      state.pointer = null;
      refresh(editor, `${words().cancelled} ${guidance(state)}`);
    } else setMode(editor, state.mode); // Escape with nothing drawn leaves the drawing mode
  });

  const init = () => {
    for (const editor of document.querySelectorAll("[data-cell-map-editor]")) refresh(editor);
  };
  document.addEventListener("htmx:afterSwap", init);
  document.addEventListener("htmx:load", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
