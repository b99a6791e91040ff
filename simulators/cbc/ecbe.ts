/**
 * The ECBE message of the Osmocom CBC (`POST /api/ecbe/v1/message`), checked the way osmo-cbc's
 * REST handler (src/rest_api.c) parses it: same nesting (`serial_nr: {serial_nr_decoded | serial_nr_encoded}`,
 * `payload: {payload_decoded | payload_encoded | payload_etws}`), same mandatory fields, same order
 * of checks, and refusal texts modelled on its own. Ranges are those of its JSON schema
 * (cbc.schema.json, smscb.schema.json) where the C code is looser (repetition_period 1–4095,
 * msg_code 0–1023, warning_period_sec 0–3600, warning_type_encoded 0–127).
 *
 * Stricter than osmo-cbc, so that a client bug shows up here rather than as a silently different
 * broadcast: unknown fields, wrong JSON types, two alternatives at once (e.g. both serial_nr forms),
 * an empty text, text that needs more than 15 pages, `gsm` text outside the GSM 7-bit alphabet,
 * `ucs2` text outside the BMP and `8bit` data that is not hex are all refused.
 */

/** A refusal: osmo-cbc answers 400 with this text as the body. */
export class EcbeRefusal extends Error {}

export type Category = "normal" | "high_priority" | "background";
export type GeoScope = "cell_wide_immediate" | "plmn_wide" | "lac_sac_tac_wide" | "cell_wide";

/** What a valid message means once parsed (the request itself is kept as received). */
export type ParsedMessage = {
  cbe_name: string;
  category: Category;
  repetition_period: number;
  num_of_bcast: number;
  message_id: number;
  /** The 16-bit serial number (TS 23.041 §9.4.1.2.1): GS(2) | message code(10) | update number(4). */
  serial_nr: number;
  /** Pages (82 octets each) the CBS message needs; null for ETWS. */
  pages: number | null;
  kind: "cbs" | "etws";
};

export const CATEGORIES: readonly Category[] = ["normal", "high_priority", "background"];
export const GEO_SCOPES: readonly GeoScope[] = ["cell_wide_immediate", "plmn_wide", "lac_sac_tac_wide", "cell_wide"];
const CHARACTER_SETS = ["gsm", "8bit", "ucs2"] as const;
const WARNING_TYPES = ["earthquake", "tsunami", "earthquake_and_tsunami", "test", "other", "rfu"];
// ISO 639-1, as the schema's `iso639-1` enum lists them.
const LANGUAGES = new Set(
  (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff " +
    "fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku " +
    "kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu " +
    "rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo " +
    "wa wo xh yi yo za zh zu"
  ).split(" "),
);

/** A page carries 82 octets of user data; a message has at most 15 (TS 23.041 §9.4.1.2). */
export const PAGE_OCTETS = 82;
export const MAX_PAGES = 15;
/** GSM 7-bit characters in one page: ⌊82 × 8 / 7⌋. */
export const GSM_PAGE_SEPTETS = 93;

// GSM 7-bit default alphabet and its extension table (TS 23.038 §6.2.1); an extension character costs two septets.
/** In code order, without the escape (0x1B): a character's code is its index, plus one from 0x1B on. */
export const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
export const GSM_EXTENSION = new Set("\f^{}\\[~]|€");

type Json = Record<string, unknown>;

function refuse(message: string): never {
  throw new EcbeRefusal(message);
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

function object(value: unknown, problem: string): Json {
  if (!isObject(value)) refuse(problem);
  return value;
}

/** Refuses any member the schema does not define (osmo-cbc ignores them: a misspelt optional field would silently not apply). */
function onlyFields(value: Json, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) refuse(`unknown field '${path}${key}'`);
}

/** Exactly one of the alternatives (the schema's oneOf); `none` when there is none of them. */
function oneOf(value: Json, alternatives: readonly string[], none: string): string {
  const present = alternatives.filter((key) => key in value);
  if (present.length > 1) refuse(`only one of ${alternatives.map((a) => `'${a}'`).join(", ")} may be present`);
  return present[0] ?? refuse(none);
}

function integer(value: Json, key: string, min: number, max: number, label: string): number;
function integer(value: Json, key: string, min: number, max: number, label: string, required: false): number | undefined;
function integer(value: Json, key: string, min: number, max: number, label: string, required = true): number | undefined {
  const v = value[key];
  if (v === undefined) return required ? refuse(`${label} is mandatory`) : undefined;
  if (typeof v !== "number" || !Number.isInteger(v)) refuse(`${label} must be an integer`);
  if (v < min || v > max) refuse(`${label} out of range (${min}–${max})`);
  return v;
}

function string(value: Json, key: string, label: string): string;
function string(value: Json, key: string, label: string, required: false): string | undefined;
function string(value: Json, key: string, label: string, required = true): string | undefined {
  const v = value[key];
  if (v === undefined) return required ? refuse(`${label} is mandatory`) : undefined;
  if (typeof v !== "string") refuse(`${label} must be a string`);
  return v;
}

function oneOfStrings<T extends string>(value: Json, key: string, allowed: readonly T[], label: string): T;
function oneOfStrings<T extends string>(value: Json, key: string, allowed: readonly T[], label: string, required: false): T | undefined;
function oneOfStrings<T extends string>(value: Json, key: string, allowed: readonly T[], label: string, required = true): T | undefined {
  const v = required ? string(value, key, label) : string(value, key, label, false);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) refuse(`${label} is invalid (one of ${allowed.join(", ")})`);
  return v as T;
}

function boolean(value: Json, key: string): void {
  if (key in value && typeof value[key] !== "boolean") refuse(`'${key}' must be a boolean`);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
function hex(text: string, maxOctets: number, problem: string): number {
  if (!HEX.test(text) || text.length / 2 > maxOctets) refuse(problem);
  return text.length / 2;
}

const pagesFor = (octets: number) => Math.ceil(octets / PAGE_OCTETS);

/** Septets `text` takes in the GSM 7-bit default alphabet, or null when a character is outside it. */
export function gsmSeptets(text: string): number | null {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENSION.has(ch)) septets += 2;
    else return null;
  }
  return septets;
}

function serialNr(value: unknown): number {
  const serial = object(value, "'serial_nr' must be present and an object");
  const form = oneOf(serial, ["serial_nr_encoded", "serial_nr_decoded"], "Either 'serial_nr_encoded' or 'serial_nr_decoded' are mandatory");
  onlyFields(serial, [form], "smscb_message.serial_nr.");
  if (form === "serial_nr_encoded") return integer(serial, form, 0, 65535, "'serial_nr_encoded'");
  const decoded = object(serial.serial_nr_decoded, "'serial_nr_decoded' must be an object");
  onlyFields(decoded, ["geo_scope", "msg_code", "update_nr"], "smscb_message.serial_nr.serial_nr_decoded.");
  const geoScope = oneOfStrings(decoded, "geo_scope", GEO_SCOPES, "'geo_scope'");
  const msgCode = integer(decoded, "msg_code", 0, 1023, "'msg_code'");
  const updateNr = integer(decoded, "update_nr", 0, 15, "'update_nr'");
  return (GEO_SCOPES.indexOf(geoScope) << 14) | (msgCode << 4) | updateNr;
}

function decodedPayload(value: unknown): number {
  const payload = object(value, "'payload_decoded' must be an object");
  onlyFields(payload, ["character_set", "language", "dcs_class", "data_utf8"], "smscb_message.payload.payload_decoded.");
  const charset = oneOfStrings(payload, "character_set", CHARACTER_SETS, "'character_set'");
  const language = string(payload, "language", "'language'", false);
  if (language !== undefined && language.length !== 2) refuse("Only two-digit 'language' code is supported");
  if (language !== undefined && !LANGUAGES.has(language)) refuse("'language' is not an ISO 639-1 code");
  integer(payload, "dcs_class", 0, 3, "'dcs_class'", false);
  const data = string(payload, "data_utf8", "'data_utf8'");
  if (data.length === 0) refuse("'data_utf8' must not be empty");
  const tooLong = `'data_utf8' does not fit in ${MAX_PAGES} pages of ${PAGE_OCTETS} octets`;
  if (charset === "8bit")
    return pagesFor(hex(data, MAX_PAGES * PAGE_OCTETS, `'data_utf8' must be hex octets for character_set 8bit (at most ${MAX_PAGES * PAGE_OCTETS})`));
  if (charset === "ucs2") {
    if (/[\uD800-\uDFFF]/.test(data)) refuse("'data_utf8' has characters outside UCS-2 (beyond U+FFFF)");
    if (data.length * 2 > MAX_PAGES * PAGE_OCTETS) refuse(tooLong);
    return pagesFor(data.length * 2);
  }
  const septets = gsmSeptets(data);
  if (septets === null) return refuse("'data_utf8' has characters outside the GSM 7-bit alphabet: use character_set ucs2");
  // Each page is packed on its own (TS 23.041 §9.4.1.2.4), so a septet never straddles two pages; osmo-cbc
  // packs the whole text in one run, which allows a few more characters in the last page.
  if (septets > MAX_PAGES * GSM_PAGE_SEPTETS) refuse(tooLong);
  return Math.ceil(septets / GSM_PAGE_SEPTETS);
}

function encodedPayload(value: unknown): number {
  const payload = object(value, "'payload_encoded' must be an object");
  onlyFields(payload, ["dcs", "pages"], "smscb_message.payload.payload_encoded.");
  integer(payload, "dcs", 0, 255, "'dcs'");
  const pages = payload.pages;
  if (!Array.isArray(pages)) return refuse("'pages' absent or not an array");
  if (pages.length < 1 || pages.length > MAX_PAGES) refuse("'pages' array size out of range");
  for (const page of pages) {
    if (typeof page !== "string") return refuse("'pages' array must contain strings");
    hex(page, PAGE_OCTETS, `'pages' array must contain hex strings of up to ${PAGE_OCTETS} octets`);
  }
  return pages.length;
}

function etwsPayload(value: unknown): void {
  const payload = object(value, "'payload_etws' must be an object");
  onlyFields(payload, ["warning_type", "emergency_user_alert", "popup_on_display", "warning_sec_info"], "smscb_message.payload.payload_etws.");
  const type = object(payload.warning_type, "'warning_type' must be object");
  const form = oneOf(type, ["warning_type_encoded", "warning_type_decoded"], "either 'warning_type_encoded' or 'warning_type_decoded' must be present");
  onlyFields(type, [form], "smscb_message.payload.payload_etws.warning_type.");
  if (form === "warning_type_encoded") integer(type, form, 0, 127, "'warning_type_encoded'");
  else oneOfStrings(type, form, WARNING_TYPES, "'warning_type_decoded'");
  boolean(payload, "emergency_user_alert");
  boolean(payload, "popup_on_display");
  const security = string(payload, "warning_sec_info", "'warning_sec_info'", false);
  if (security !== undefined) hex(security, 50, "'warning_sec_info' must be a hex string of up to 50 octets");
}

function smscbMessage(value: unknown): Pick<ParsedMessage, "serial_nr" | "message_id" | "pages" | "kind"> {
  const smscb = object(value, "CBCMSG 'smscb_message' must be an object");
  onlyFields(smscb, ["serial_nr", "message_id", "payload"], "smscb_message.");
  if (smscb.serial_nr === undefined) refuse("serial_nr is mandatory");
  const serial = serialNr(smscb.serial_nr);
  const messageId = integer(smscb, "message_id", 0, 65535, "message_id");
  if (smscb.payload === undefined) refuse("'payload' is mandatory");
  const payload = object(smscb.payload, "'payload' must be JSON object");
  const form = oneOf(payload, ["payload_encoded", "payload_decoded", "payload_etws"], "'payload_encoded', 'payload_decoded' or 'payload_etws' must be present");
  onlyFields(payload, [form], "smscb_message.payload.");
  if (form === "payload_etws") {
    etwsPayload(payload.payload_etws);
    return { serial_nr: serial, message_id: messageId, pages: null, kind: "etws" };
  }
  const pages = form === "payload_encoded" ? encodedPayload(payload.payload_encoded) : decodedPayload(payload.payload_decoded);
  return { serial_nr: serial, message_id: messageId, pages, kind: "cbs" };
}

/** Parses the body of `POST /api/ecbe/v1/message` (cbc.schema.json `cbc_message`); throws EcbeRefusal. */
export function parseCbcMessage(value: unknown): ParsedMessage {
  const message = object(value, "CBCMSG must be JSON object");
  onlyFields(message, ["cbe_name", "category", "repetition_period", "num_of_bcast", "scope", "warning_period_sec", "smscb_message"], "");
  const cbeName = string(message, "cbe_name", "CBCMSG 'cbe_name'");
  if (cbeName.length === 0) refuse("CBCMSG 'cbe_name' is mandatory");
  const category = oneOfStrings(message, "category", CATEGORIES, "CBCMSG 'category'", false) ?? "normal";
  const repetition = integer(message, "repetition_period", 1, 4095, "CBCMSG 'repetition_period'");
  const broadcasts = integer(message, "num_of_bcast", 0, 65535, "CBCMSG 'num_of_bcast'", false) ?? 0;
  integer(message, "warning_period_sec", 0, 3600, "CBCMSG 'warning_period_sec'", false);
  if (message.scope === undefined) refuse("CBCMSG 'scope' is mandatory");
  const scope = object(message.scope, "CBCMSG 'scope' must be an object");
  if (!("scope_plmn" in scope) || Object.keys(scope).length !== 1) refuse("CBCMSG only 'scope_plmn' supported");
  onlyFields(object(scope.scope_plmn, "CBCMSG 'scope_plmn' must be an object"), [], "scope.scope_plmn.");
  if (message.smscb_message === undefined) refuse("CBCMSG 'smscb_message' is mandatory");
  return { cbe_name: cbeName, category, repetition_period: repetition, num_of_bcast: broadcasts, ...smscbMessage(message.smscb_message) };
}
