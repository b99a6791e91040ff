/**
 * OASIS Common Alerting Protocol 1.2 (`urn:oasis:names:tc:emergency:cap:1.2`): parse an alert into a
 * typed object with errors that name the element (`alert/info[1]/urgency`), and serialise it back.
 *
 * Parsing is done by fast-xml-parser (pure JS, runs in Workers, which have no DOMParser), configured
 * so that it expands no entity at all; this module then decodes only what XML itself defines (the five
 * predefined entities and numeric character references). A DOCTYPE or ENTITY declaration is refused
 * outright (XXE, "billion laughs"), and so is input over 256 kB.
 *
 * What is checked, beyond well-formed XML: the CAP 1.2 namespace; required elements; elements that may
 * appear once; enumerations; the CAP dateTime (`2026-05-01T14:00:00-00:00`: an offset is required,
 * "Z" is not allowed); polygons (closed rings of at least 4 "lat,lon" pairs) and circles ("lat,lon
 * radius", radius in km); coordinate ranges; `references` for messages that refer to earlier ones;
 * `restriction` / `addresses` for Restricted / Private scope. Elements of other namespaces (such as an
 * XML signature) are ignored; unknown elements of the CAP namespace are errors. Element order is not
 * enforced (the schema's sequence), so that a hand-edited alert with reordered elements is still read.
 */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { type FieldError, Invalid } from "../errors";

export const CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2";
/** Largest CAP document accepted, in UTF-8 bytes. */
export const CAP_MAX_BYTES = 256 * 1024;

export const CAP_STATUSES = ["Actual", "Exercise", "System", "Test", "Draft"] as const;
export const CAP_MSG_TYPES = ["Alert", "Update", "Cancel", "Ack", "Error"] as const;
export const CAP_SCOPES = ["Public", "Restricted", "Private"] as const;
export const CAP_CATEGORIES = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"] as const;
export const CAP_RESPONSE_TYPES = ["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"] as const;
export const CAP_URGENCIES = ["Immediate", "Expected", "Future", "Past", "Unknown"] as const;
export const CAP_SEVERITIES = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"] as const;
export const CAP_CERTAINTIES = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"] as const;

export type CapStatus = (typeof CAP_STATUSES)[number];
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];
export type CapScope = (typeof CAP_SCOPES)[number];
export type CapCategory = (typeof CAP_CATEGORIES)[number];
export type CapResponseType = (typeof CAP_RESPONSE_TYPES)[number];
export type CapUrgency = (typeof CAP_URGENCIES)[number];
export type CapSeverity = (typeof CAP_SEVERITIES)[number];
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

/** An `eventCode`, `parameter` or `geocode`. */
export interface CapValuePair {
  valueName: string;
  value: string;
}

/** A WGS 84 point, latitude first as in CAP. */
export type CapPoint = [lat: number, lon: number];

export interface CapCircle {
  lat: number;
  lon: number;
  radiusKm: number;
}

export interface CapArea {
  areaDesc: string;
  /** Each a closed ring (first point repeated last), at least 4 points. */
  polygons: CapPoint[][];
  circles: CapCircle[];
  geocodes: CapValuePair[];
  /** Feet above mean sea level. */
  altitude?: number;
  /** Feet above mean sea level; only with `altitude`. */
  ceiling?: number;
}

export interface CapResource {
  resourceDesc: string;
  mimeType: string;
  size?: number;
  uri?: string;
  derefUri?: string;
  digest?: string;
}

export interface CapInfo {
  /** RFC 3066 tag; "en-US" when the alert leaves it out (CAP's default). */
  language: string;
  category: CapCategory[];
  event: string;
  responseType?: CapResponseType[];
  urgency: CapUrgency;
  severity: CapSeverity;
  certainty: CapCertainty;
  audience?: string;
  eventCodes: CapValuePair[];
  effective?: string;
  onset?: string;
  expires?: string;
  senderName?: string;
  headline?: string;
  description?: string;
  instruction?: string;
  web?: string;
  contact?: string;
  parameters?: CapValuePair[];
  resources?: CapResource[];
  areas: CapArea[];
}

export interface CapAlert {
  identifier: string;
  sender: string;
  /** CAP dateTime, as written (`2026-11-20T16:30:00+10:00`); {@link capDateTimeToUtc} gives UTC. */
  sent: string;
  status: CapStatus;
  msgType: CapMsgType;
  source?: string;
  scope: CapScope;
  restriction?: string;
  addresses?: string;
  code?: string[];
  note?: string;
  /** Space-separated `sender,identifier,sent` triples; {@link parseCapReferences} splits them. */
  references?: string;
  incidents?: string;
  infos: CapInfo[];
}

export type CapParseResult = { ok: true; alert: CapAlert } | { ok: false; errors: FieldError[] };

export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

// ---------------------------------------------------------------------------------------------
// Values

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})[+-](\d{2}):(\d{2})$/;
const DATE_TIME_MESSAGE = 'Must be a CAP date and time such as 2026-05-01T14:00:00-00:00 (with a timezone offset; "Z" is not allowed)';

/** Whether `value` is a CAP 1.2 dateTime: `YYYY-MM-DDThh:mm:ss±hh:mm`, a real calendar date, no fractions, no "Z". */
export function isCapDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 14 && offsetMinutes <= 59;
}

/** A CAP dateTime as a UTC ISO 8601 timestamp (`2026-11-20T06:30:00.000Z`). Throws a RangeError for anything else. */
export function capDateTimeToUtc(value: string): string {
  if (!isCapDateTime(value)) throw new RangeError(`Not a CAP date and time: ${value}`);
  return new Date(value).toISOString();
}

/** The earlier messages a `references` value names, or null when one of its entries is not `sender,identifier,sent`. */
export function parseCapReferences(references: string): CapReference[] | null {
  const out: CapReference[] = [];
  for (const entry of references.trim().split(/\s+/)) {
    const parts = entry.split(",");
    const [sender, identifier, sent] = parts;
    if (parts.length !== 3 || !sender || !identifier || !sent || !isCapDateTime(sent)) return null;
    out.push({ sender, identifier, sent });
  }
  return out;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const LANGUAGE = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
// identifier and sender: "MUST NOT include spaces, commas or restricted characters (< and &)".
const RESTRICTED = /[\s,<&]/;
// Characters XML 1.0 does not allow anywhere (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what it looks for.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function parseDecimal(text: string): number | null {
  return DECIMAL.test(text) ? Number(text) : null;
}

/** A number as CAP text: plain decimal notation, never an exponent (String(1e-7) would be "1e-7"). */
function formatDecimal(n: number): string {
  const s = String(n);
  if (!/e/i.test(s) || !Number.isFinite(n)) return s;
  return n.toFixed(20).replace(/\.?0+$/, "");
}

/** A "lat,lon" pair, or an error message. */
function parsePoint(text: string): CapPoint | string {
  const parts = text.split(",");
  const lat = parts.length === 2 ? parseDecimal(parts[0] ?? "") : null;
  const lon = parts.length === 2 ? parseDecimal(parts[1] ?? "") : null;
  if (lat === null || lon === null) return `"${text}" is not a "lat,lon" pair of decimal degrees`;
  if (lat < -90 || lat > 90) return `Latitude ${lat} is out of range (-90 to 90)`;
  if (lon < -180 || lon > 180) return `Longitude ${lon} is out of range (-180 to 180)`;
  return [lat, lon];
}

/** A CAP polygon ("lat,lon lat,lon …", closed, at least 4 points), or an error message. */
function parsePolygon(text: string): CapPoint[] | string {
  const tokens = text
    .replace(/\s*,\s*/g, ",")
    .split(/\s+/)
    .filter(Boolean);
  const points: CapPoint[] = [];
  for (const [i, token] of tokens.entries()) {
    const p = parsePoint(token);
    if (typeof p === "string") return `Point ${i + 1}: ${p}`;
    points.push(p);
  }
  if (points.length < 4) return `Must be a closed ring of at least 4 "lat,lon" pairs (the first repeated last); found ${points.length}`;
  const first = points[0] as CapPoint;
  const last = points[points.length - 1] as CapPoint;
  if (first[0] !== last[0] || first[1] !== last[1])
    return `Must be a closed ring: the last point (${last.join(",")}) must repeat the first (${first.join(",")})`;
  return points;
}

/** A CAP circle ("lat,lon radius", radius in km), or an error message. */
function parseCircle(text: string): CapCircle | string {
  const tokens = text
    .replace(/\s*,\s*/g, ",")
    .split(/\s+/)
    .filter(Boolean);
  const usage = 'Must be "lat,lon radius" (the radius in kilometres)';
  if (tokens.length !== 2) return usage;
  const centre = parsePoint(tokens[0] ?? "");
  if (typeof centre === "string") return `${usage}: ${centre}`;
  const radiusKm = parseDecimal(tokens[1] ?? "");
  if (radiusKm === null || radiusKm < 0) return `${usage}: the radius must be a number of kilometres, 0 or more`;
  return { lat: centre[0], lon: centre[1], radiusKm };
}

// ---------------------------------------------------------------------------------------------
// XML → element tree

/** One element of the document, its namespace resolved and its character data decoded. */
interface XmlElement {
  local: string;
  namespace: string | undefined;
  children: XmlElement[];
  /** Text and CDATA directly inside, decoded, in document order. */
  text: string;
  /** Why the text could not be decoded (an undeclared entity, a forbidden character). */
  textError?: string;
}

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the references XML defines (the five predefined entities, numeric character references); anything else is an error. */
function decodeXmlText(raw: string): { text: string } | { error: string } {
  let error: string | undefined;
  const text = raw.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      const ch = code <= 0x10ffff ? String.fromCodePoint(code) : "";
      if (!ch || NOT_XML_CHAR.test(ch) || (code >= 0xd800 && code <= 0xdfff)) error ??= `${whole} is not a character XML allows`;
      return ch;
    }
    const value = Object.hasOwn(PREDEFINED, ref) ? PREDEFINED[ref] : undefined;
    if (value === undefined) error ??= `Undeclared entity ${whole} (only &amp; &lt; &gt; &quot; &apos; and numeric references are allowed)`;
    return value ?? "";
  });
  if (error) return { error };
  if (NOT_XML_CHAR.test(text)) return { error: "Contains a control character XML does not allow" };
  return { text };
}

const PARSER = new XMLParser({
  preserveOrder: true,
  // No entity expansion by the parser at all: decodeXmlText does the predefined ones.
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: "#cdata",
  // CAP is 4 levels deep (alert/info/area/polygon); anything much deeper is not CAP.
  maxNestedTags: 32,
});

type OrderedNode = Record<string, unknown>;

function isNodeList(value: unknown): value is OrderedNode[] {
  return Array.isArray(value) && value.every((v) => typeof v === "object" && v !== null);
}

function attributesOf(node: OrderedNode): Record<string, string> {
  const attrs = node[":@"];
  if (typeof attrs !== "object" || attrs === null) return {};
  return Object.fromEntries(Object.entries(attrs).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Builds the element for one fast-xml-parser ordered node, resolving namespace prefixes in `scope`. */
function toElement(node: OrderedNode, scope: ReadonlyMap<string, string>): XmlElement | null {
  const name = Object.keys(node).find((k) => k !== ":@");
  const content = name === undefined ? undefined : node[name];
  if (name === undefined || !isNodeList(content)) return null;
  const inner = new Map(scope);
  for (const [attr, value] of Object.entries(attributesOf(node))) {
    const decoded = decodeXmlText(value);
    const uri = "text" in decoded ? decoded.text : value;
    if (attr === "xmlns") inner.set("", uri);
    else if (attr.startsWith("xmlns:")) inner.set(attr.slice(6), uri);
  }
  const colon = name.indexOf(":");
  const prefix = colon === -1 ? "" : name.slice(0, colon);
  const element: XmlElement = { local: name.slice(colon + 1), namespace: inner.get(prefix), children: [], text: "" };
  for (const child of content) {
    if (typeof child["#text"] === "string") {
      const decoded = decodeXmlText(child["#text"]);
      if ("error" in decoded) element.textError ??= decoded.error;
      else element.text += decoded.text;
    } else if (isNodeList(child["#cdata"])) {
      for (const part of child["#cdata"]) if (typeof part["#text"] === "string") element.text += part["#text"];
      if (NOT_XML_CHAR.test(element.text)) element.textError ??= "Contains a control character XML does not allow";
    } else {
      const el = toElement(child, inner);
      if (el) element.children.push(el);
    }
  }
  return element;
}

/** Whether `text` is longer than `maxBytes` in UTF-8. */
function tooLarge(text: string, maxBytes: number): boolean {
  // Every UTF-16 unit is 1–3 UTF-8 bytes: only encode when the bounds straddle the limit.
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return new TextEncoder().encode(text).byteLength > maxBytes;
}

/** The document's root element, or the errors that stop it from being read. */
function readDocument(xml: string, maxBytes: number): { root: XmlElement } | { errors: FieldError[] } {
  if (tooLarge(xml, maxBytes)) return { errors: [{ path: "document", message: `Too large: a CAP alert may be at most ${Math.floor(maxBytes / 1024)} kB` }] };
  if (/<!DOCTYPE/i.test(xml)) return { errors: [{ path: "!DOCTYPE", message: "A DOCTYPE declaration is not allowed (it could declare entities: XXE)" }] };
  if (/<!ENTITY/i.test(xml)) return { errors: [{ path: "!ENTITY", message: "An ENTITY declaration is not allowed (XXE)" }] };
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    return { errors: [{ path: "document", message: `Not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` }] };
  let nodes: unknown;
  try {
    nodes = PARSER.parse(xml);
  } catch (e) {
    return { errors: [{ path: "document", message: `Not readable XML: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  const elements = isNodeList(nodes) ? nodes.filter((n) => !("#text" in n)) : [];
  const texts = isNodeList(nodes) ? nodes.filter((n) => typeof n["#text"] === "string" && n["#text"].trim() !== "") : [];
  const root = elements.length === 1 && elements[0] ? toElement(elements[0], new Map()) : null;
  if (!root || texts.length > 0) return { errors: [{ path: "document", message: "Must contain exactly one root element, alert, and nothing else" }] };
  if (root.local !== "alert") return { errors: [{ path: root.local, message: "The root element must be alert" }] };
  if (root.namespace !== CAP_NAMESPACE) {
    return { errors: [{ path: "alert", message: `Must be in the CAP 1.2 namespace ${CAP_NAMESPACE} (found ${root.namespace ?? "no namespace"})` }] };
  }
  return { root };
}

// ---------------------------------------------------------------------------------------------
// Element tree → CapAlert, collecting errors

type Occurs = "one" | "many";

/** The CAP children of one element, grouped by name, with its path for error messages. */
class Children {
  private readonly groups = new Map<string, XmlElement[]>();

  constructor(
    readonly el: XmlElement,
    readonly path: string,
    spec: Record<string, Occurs>,
    readonly errors: FieldError[],
  ) {
    if (el.text.trim() !== "") errors.push({ path, message: "Must contain elements only, not text" });
    for (const child of el.children) {
      if (child.namespace !== CAP_NAMESPACE) continue; // foreign extensions, e.g. an XML signature
      const occurs = Object.hasOwn(spec, child.local) ? spec[child.local] : undefined;
      if (occurs === undefined) {
        errors.push({ path: `${path}/${child.local}`, message: `Unknown element: not part of CAP 1.2 ${el.local}` });
        continue;
      }
      const list = this.groups.get(child.local) ?? [];
      if (occurs === "one" && list.length === 1) errors.push({ path: `${path}/${child.local}`, message: "Must appear at most once" });
      list.push(child);
      this.groups.set(child.local, list);
    }
  }

  /** The elements called `name`, each with its path (`name[i]` for repeatable ones). */
  all(name: string): { el: XmlElement; path: string }[] {
    return (this.groups.get(name) ?? []).map((el, i) => ({ el, path: `${this.path}/${name}[${i + 1}]` }));
  }

  /** The trimmed text of a leaf element, reporting child elements and undecodable text. */
  textOf(el: XmlElement, path: string): string {
    if (el.children.length > 0) this.errors.push({ path, message: "Must contain text only, not elements" });
    if (el.textError) this.errors.push({ path, message: el.textError });
    return el.text.trim();
  }

  /** The text of the single element `name`, undefined when absent or empty. */
  optional(name: string): string | undefined {
    const el = this.groups.get(name)?.[0];
    const text = el ? this.textOf(el, `${this.path}/${name}`) : "";
    return text === "" ? undefined : text;
  }

  required(name: string): string {
    const text = this.optional(name);
    if (text === undefined) this.errors.push({ path: `${this.path}/${name}`, message: "Required" });
    return text ?? "";
  }

  /** The texts of the repeatable leaf element `name` (empty ones dropped unless `keepEmpty`). */
  texts(name: string, keepEmpty = false): { text: string; path: string }[] {
    return this.all(name)
      .map(({ el, path }) => ({ text: this.textOf(el, path), path }))
      .filter((t) => keepEmpty || t.text !== "");
  }

  /** The values of the repeatable enumerated element `name`, each checked. */
  enumList<T extends string>(name: string, values: readonly T[]): T[] {
    return this.texts(name, true).map(({ text, path }) => this.check(text, values, path));
  }

  /** `text` when it is one of `values`; otherwise an error at `path` (an empty text too). */
  check<T extends string>(text: string, values: readonly T[], path: string): T {
    if (!values.includes(text as T)) this.errors.push({ path, message: `Must be one of ${values.join(", ")}` });
    return text as T;
  }

  /** The required single element `name`, one of `values`. */
  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const text = this.required(name);
    return text === "" ? (text as T) : this.check(text, values, `${this.path}/${name}`);
  }

  dateTime(name: string, required: boolean): string | undefined {
    const text = required ? this.required(name) : this.optional(name);
    if (text && !isCapDateTime(text)) this.errors.push({ path: `${this.path}/${name}`, message: DATE_TIME_MESSAGE });
    return text;
  }

  decimal(name: string): number | undefined {
    const text = this.optional(name);
    if (text === undefined) return undefined;
    const n = parseDecimal(text);
    if (n === null) this.errors.push({ path: `${this.path}/${name}`, message: "Must be a decimal number" });
    return n ?? undefined;
  }

  /** `eventCode`, `parameter` or `geocode` elements: each a valueName and a value. */
  pairs(name: string): CapValuePair[] {
    return this.all(name).map(({ el, path }) => {
      const c = new Children(el, path, { valueName: "one", value: "one" }, this.errors);
      return { valueName: c.required("valueName"), value: c.required("value") };
    });
  }
}

/** Copies `obj` without its undefined properties, so that parsed objects compare equal after a round trip. */
function compact<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

function readArea(c: Children): CapArea {
  const polygons: CapPoint[][] = [];
  for (const { text, path } of c.texts("polygon")) {
    const ring = parsePolygon(text);
    if (typeof ring === "string") c.errors.push({ path, message: ring });
    else polygons.push(ring);
  }
  const circles: CapCircle[] = [];
  for (const { text, path } of c.texts("circle")) {
    const circle = parseCircle(text);
    if (typeof circle === "string") c.errors.push({ path, message: circle });
    else circles.push(circle);
  }
  const altitude = c.decimal("altitude");
  const ceiling = c.decimal("ceiling");
  if (ceiling !== undefined && altitude === undefined) c.errors.push({ path: `${c.path}/ceiling`, message: "Only allowed with altitude" });
  return compact({ areaDesc: c.required("areaDesc"), polygons, circles, geocodes: c.pairs("geocode"), altitude, ceiling });
}

function readResource(c: Children): CapResource {
  const sizeText = c.optional("size");
  const size = sizeText === undefined ? undefined : /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
  if (sizeText !== undefined && size === undefined) c.errors.push({ path: `${c.path}/size`, message: "Must be a whole number of bytes" });
  return compact({
    resourceDesc: c.required("resourceDesc"),
    mimeType: c.required("mimeType"),
    size,
    uri: c.optional("uri"),
    derefUri: c.optional("derefUri"),
    digest: c.optional("digest"),
  });
}

const INFO_SPEC: Record<string, Occurs> = {
  language: "one",
  category: "many",
  event: "one",
  responseType: "many",
  urgency: "one",
  severity: "one",
  certainty: "one",
  audience: "one",
  eventCode: "many",
  effective: "one",
  onset: "one",
  expires: "one",
  senderName: "one",
  headline: "one",
  description: "one",
  instruction: "one",
  web: "one",
  contact: "one",
  parameter: "many",
  resource: "many",
  area: "many",
};

function readInfo(c: Children): CapInfo {
  const language = c.optional("language") ?? "en-US";
  if (!LANGUAGE.test(language)) c.errors.push({ path: `${c.path}/language`, message: "Must be an RFC 3066 language tag such as en or en-US" });
  const categories = c.enumList("category", CAP_CATEGORIES);
  if (categories.length === 0) c.errors.push({ path: `${c.path}/category`, message: "Required (at least one)" });
  const responseTypes = c.enumList("responseType", CAP_RESPONSE_TYPES);
  const web = c.optional("web");
  if (web !== undefined && !URL.canParse(web)) c.errors.push({ path: `${c.path}/web`, message: "Must be an absolute URI (https://…)" });
  return compact({
    language,
    category: categories,
    event: c.required("event"),
    responseType: nonEmpty(responseTypes),
    urgency: c.oneOf("urgency", CAP_URGENCIES),
    severity: c.oneOf("severity", CAP_SEVERITIES),
    certainty: c.oneOf("certainty", CAP_CERTAINTIES),
    audience: c.optional("audience"),
    eventCodes: c.pairs("eventCode"),
    effective: c.dateTime("effective", false),
    onset: c.dateTime("onset", false),
    expires: c.dateTime("expires", false),
    senderName: c.optional("senderName"),
    headline: c.optional("headline"),
    description: c.optional("description"),
    instruction: c.optional("instruction"),
    web,
    contact: c.optional("contact"),
    parameters: nonEmpty(c.pairs("parameter")),
    resources: nonEmpty(c.all("resource").map(({ el, path }) => readResource(new Children(el, path, RESOURCE_SPEC, c.errors)))),
    areas: c.all("area").map(({ el, path }) => readArea(new Children(el, path, AREA_SPEC, c.errors))),
  });
}

const RESOURCE_SPEC: Record<string, Occurs> = { resourceDesc: "one", mimeType: "one", size: "one", uri: "one", derefUri: "one", digest: "one" };
const AREA_SPEC: Record<string, Occurs> = { areaDesc: "one", polygon: "many", circle: "many", geocode: "many", altitude: "one", ceiling: "one" };
const ALERT_SPEC: Record<string, Occurs> = {
  identifier: "one",
  sender: "one",
  sent: "one",
  status: "one",
  msgType: "one",
  source: "one",
  scope: "one",
  restriction: "one",
  addresses: "one",
  code: "many",
  note: "one",
  references: "one",
  incidents: "one",
  info: "many",
};

function readAlert(c: Children): CapAlert {
  const identifier = c.required("identifier");
  if (RESTRICTED.test(identifier)) c.errors.push({ path: "alert/identifier", message: "Must not contain spaces, commas, < or &" });
  const sender = c.required("sender");
  if (RESTRICTED.test(sender)) c.errors.push({ path: "alert/sender", message: "Must not contain spaces, commas, < or &" });
  const sent = c.dateTime("sent", true) ?? "";
  const status = c.oneOf("status", CAP_STATUSES);
  const msgType = c.oneOf("msgType", CAP_MSG_TYPES);
  const scope = c.oneOf("scope", CAP_SCOPES);
  const restriction = c.optional("restriction");
  if (scope === "Restricted" && restriction === undefined) c.errors.push({ path: "alert/restriction", message: "Required when scope is Restricted" });
  const addresses = c.optional("addresses");
  if (scope === "Private" && addresses === undefined) c.errors.push({ path: "alert/addresses", message: "Required when scope is Private" });
  const references = c.optional("references");
  if (references !== undefined && parseCapReferences(references) === null) {
    c.errors.push({ path: "alert/references", message: "Must be space-separated sender,identifier,sent triples (sent a CAP date and time)" });
  }
  if (references === undefined && msgType !== "Alert" && (CAP_MSG_TYPES as readonly string[]).includes(msgType)) {
    c.errors.push({ path: "alert/references", message: `Required when msgType is ${msgType}: the earlier message(s) as sender,identifier,sent` });
  }
  return compact({
    identifier,
    sender,
    sent,
    status,
    msgType,
    source: c.optional("source"),
    scope,
    restriction,
    addresses,
    code: nonEmpty(c.texts("code").map((t) => t.text)),
    note: c.optional("note"),
    references,
    incidents: c.optional("incidents"),
    infos: c.all("info").map(({ el, path }) => readInfo(new Children(el, path, INFO_SPEC, c.errors))),
  });
}

/**
 * Parses and validates a CAP 1.2 alert. Errors name the element, e.g.
 * `{ path: "alert/info[1]/urgency", message: "Must be one of Immediate, Expected, Future, Past, Unknown" }`.
 * @example const r = parseCap(xml); if (r.ok) use(r.alert); else show(r.errors);
 */
export function parseCap(xml: string, options: { maxBytes?: number } = {}): CapParseResult {
  const doc = readDocument(xml, options.maxBytes ?? CAP_MAX_BYTES);
  if ("errors" in doc) return { ok: false, errors: doc.errors };
  const errors: FieldError[] = [];
  const alert = readAlert(new Children(doc.root, "alert", ALERT_SPEC, errors));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, alert };
}

/** {@link parseCap} for a use case: the alert, or an `Invalid` error (422) carrying the element errors. */
export function parseCapOrThrow(xml: string, options: { maxBytes?: number } = {}): CapAlert {
  const result = parseCap(xml, options);
  if (!result.ok) throw new Invalid("The CAP alert is not valid.", result.errors);
  return result.alert;
}

// ---------------------------------------------------------------------------------------------
// CapAlert → XML

type BuilderNode = Record<string, BuilderNode[] | string | Record<string, string>>;

const BUILDER = new XMLBuilder({
  preserveOrder: true,
  format: true,
  indentBy: "  ",
  ignoreAttributes: false,
  attributeNamePrefix: "",
  suppressEmptyNode: false,
  // Escapes & < > " ' in text: values are plain text here, never markup.
  processEntities: true,
});

function leaf(name: string, value: string | number | undefined): BuilderNode[] {
  if (value === undefined) return [];
  return [{ [name]: [{ "#text": typeof value === "number" ? formatDecimal(value) : value }] }];
}

function leaves(name: string, values: readonly (string | number)[] | undefined): BuilderNode[] {
  return (values ?? []).flatMap((v) => leaf(name, v));
}

function pairNodes(name: string, pairs: readonly CapValuePair[] | undefined): BuilderNode[] {
  return (pairs ?? []).map((p) => ({ [name]: [...leaf("valueName", p.valueName), ...leaf("value", p.value)] }));
}

function areaNode(a: CapArea): BuilderNode {
  return {
    area: [
      ...leaf("areaDesc", a.areaDesc),
      ...leaves(
        "polygon",
        a.polygons.map((ring) => ring.map(([lat, lon]) => `${formatDecimal(lat)},${formatDecimal(lon)}`).join(" ")),
      ),
      ...leaves(
        "circle",
        a.circles.map((c) => `${formatDecimal(c.lat)},${formatDecimal(c.lon)} ${formatDecimal(c.radiusKm)}`),
      ),
      ...pairNodes("geocode", a.geocodes),
      ...leaf("altitude", a.altitude),
      ...leaf("ceiling", a.ceiling),
    ],
  };
}

function resourceNode(r: CapResource): BuilderNode {
  return {
    resource: [
      ...leaf("resourceDesc", r.resourceDesc),
      ...leaf("mimeType", r.mimeType),
      ...leaf("size", r.size),
      ...leaf("uri", r.uri),
      ...leaf("derefUri", r.derefUri),
      ...leaf("digest", r.digest),
    ],
  };
}

function infoNode(i: CapInfo): BuilderNode {
  return {
    info: [
      ...leaf("language", i.language),
      ...leaves("category", i.category),
      ...leaf("event", i.event),
      ...leaves("responseType", i.responseType),
      ...leaf("urgency", i.urgency),
      ...leaf("severity", i.severity),
      ...leaf("certainty", i.certainty),
      ...leaf("audience", i.audience),
      ...pairNodes("eventCode", i.eventCodes),
      ...leaf("effective", i.effective),
      ...leaf("onset", i.onset),
      ...leaf("expires", i.expires),
      ...leaf("senderName", i.senderName),
      ...leaf("headline", i.headline),
      ...leaf("description", i.description),
      ...leaf("instruction", i.instruction),
      ...leaf("web", i.web),
      ...leaf("contact", i.contact),
      ...pairNodes("parameter", i.parameters),
      ...(i.resources ?? []).map(resourceNode),
      ...i.areas.map(areaNode),
    ],
  };
}

/**
 * Serialises an alert as a CAP 1.2 document, elements in the schema's order. It does not validate:
 * use {@link validateCapAlert} for an alert built in code.
 */
export function toCapXml(alert: CapAlert): string {
  const root: BuilderNode = {
    alert: [
      ...leaf("identifier", alert.identifier),
      ...leaf("sender", alert.sender),
      ...leaf("sent", alert.sent),
      ...leaf("status", alert.status),
      ...leaf("msgType", alert.msgType),
      ...leaf("source", alert.source),
      ...leaf("scope", alert.scope),
      ...leaf("restriction", alert.restriction),
      ...leaf("addresses", alert.addresses),
      ...leaves("code", alert.code),
      ...leaf("note", alert.note),
      ...leaf("references", alert.references),
      ...leaf("incidents", alert.incidents),
      ...alert.infos.map(infoNode),
    ],
    ":@": { xmlns: CAP_NAMESPACE },
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${BUILDER.build([root]).trim()}\n`;
}

/** The errors of an alert built in code (the same checks as {@link parseCap}, on its serialisation); empty when valid. */
export function validateCapAlert(alert: CapAlert): FieldError[] {
  const result = parseCap(toCapXml(alert));
  return result.ok ? [] : result.errors;
}
