/**
 * Cell broadcast message identifiers (3GPP TS 23.041 §9.4.1.2.2) and the rule that picks one from a
 * CAP alert (docs: INTEGRATIONS.md, "Cell broadcast"). Handsets choose how to alert (sound, opt-out
 * settings) by this number, so it is computed in one place and overrides are checked against the
 * ranges this system sends: ETWS 4352–4356 and CMAS / EU-Alert 4370–4399.
 */

export type MessageIdSystem = "ETWS" | "CMAS";

export interface MessageIdInfo {
  id: number;
  system: MessageIdSystem;
  /** Short name for lists and selects. */
  name: string;
  /** What the identifier means, for a tooltip or the audit log. */
  description: string;
  /** The identifier of the same alert in the operator's primary language (itself when it is one). */
  primaryId: number;
  /** An "additional language" identifier (4383–4395, 4397, 4399). */
  additionalLanguage: boolean;
}

export const ETWS_RANGE = { first: 4352, last: 4356 } as const;
export const CMAS_RANGE = { first: 4370, last: 4399 } as const;

/** Offset of the additional-language identifiers from 4370–4382. */
const ADDITIONAL_OFFSET = 13;

/** The primary-language identifiers: [id, system, name, description]. */
const PRIMARY: readonly (readonly [number, MessageIdSystem, string, string])[] = [
  [4352, "ETWS", "ETWS earthquake", "ETWS: earthquake warning"],
  [4353, "ETWS", "ETWS tsunami", "ETWS: tsunami warning"],
  [4354, "ETWS", "ETWS earthquake and tsunami", "ETWS: earthquake and tsunami warning"],
  [4355, "ETWS", "ETWS test", "ETWS: test message"],
  [4356, "ETWS", "ETWS other emergency", "ETWS: other emergency"],
  [4370, "CMAS", "Presidential alert", "Presidential alert / EU-Alert level 1 (cannot be turned off by the user)"],
  [4371, "CMAS", "Extreme alert", "Extreme alert: severity Extreme, urgency Immediate, certainty Observed"],
  [4372, "CMAS", "Extreme alert", "Extreme alert: severity Extreme, urgency Immediate, certainty Likely"],
  [4373, "CMAS", "Extreme alert", "Extreme alert: severity Extreme, urgency Expected, certainty Observed"],
  [4374, "CMAS", "Extreme alert", "Extreme alert: severity Extreme, urgency Expected, certainty Likely"],
  [4375, "CMAS", "Severe alert", "Severe alert: severity Severe, urgency Immediate, certainty Observed"],
  [4376, "CMAS", "Severe alert", "Severe alert: severity Severe, urgency Immediate, certainty Likely"],
  [4377, "CMAS", "Severe alert", "Severe alert: severity Severe, urgency Expected, certainty Observed"],
  [4378, "CMAS", "Severe alert", "Severe alert: severity Severe, urgency Expected, certainty Likely"],
  [4379, "CMAS", "Child abduction (AMBER)", "Child abduction emergency (AMBER alert)"],
  [4380, "CMAS", "Required monthly test", "Required monthly test"],
  [4381, "CMAS", "Exercise", "Exercise"],
  [4382, "CMAS", "Operator defined", "Operator defined use"],
  [4396, "CMAS", "Public safety", "Public safety message"],
  [4398, "CMAS", "State/local test", "State or local test"],
];

/** The additional-language identifier of a primary one: +13 for 4370–4382, +1 for 4396 and 4398; null when there is none (ETWS). */
export function additionalLanguageId(primaryId: number): number | null {
  if (primaryId >= 4370 && primaryId <= 4382) return primaryId + ADDITIONAL_OFFSET;
  if (primaryId === 4396 || primaryId === 4398) return primaryId + 1;
  return null;
}

function buildTable(): ReadonlyMap<number, MessageIdInfo> {
  const table = new Map<number, MessageIdInfo>();
  for (const [id, system, name, description] of PRIMARY) {
    table.set(id, { id, system, name, description, primaryId: id, additionalLanguage: false });
    const other = additionalLanguageId(id);
    if (other !== null) {
      table.set(other, {
        id: other,
        system,
        name: `${name} (additional language)`,
        description: `${description}, in an additional language`,
        primaryId: id,
        additionalLanguage: true,
      });
    }
  }
  return new Map([...table].sort(([a], [b]) => a - b));
}

/** Every identifier this system sends, in numeric order, with its name and meaning (for display and selects). */
export const MESSAGE_IDS: ReadonlyMap<number, MessageIdInfo> = buildTable();

/** The name and meaning of an identifier, or undefined when it is outside the ranges this system sends. */
export function describeMessageId(id: number): MessageIdInfo | undefined {
  return MESSAGE_IDS.get(id);
}

/** Whether `id` may be used as an override: an integer in ETWS 4352–4356 or CMAS 4370–4399. */
export function isValidMessageId(id: number): boolean {
  return Number.isInteger(id) && ((id >= ETWS_RANGE.first && id <= ETWS_RANGE.last) || (id >= CMAS_RANGE.first && id <= CMAS_RANGE.last));
}

/** The CAP fields the identifier is chosen from (an alert's `status` with one of its `info` blocks). */
export interface MessageIdInput {
  status: string;
  eventCodes?: readonly { valueName: string; value: string }[];
  severity: string;
  urgency: string;
  certainty: string;
}

// Severity × urgency × certainty → 4371–4378 in the order of TS 23.041: base by severity, +2 for
// Expected, +1 for Likely. Maps, not object literals, so that a string such as "constructor" finds nothing.
const SEVERITY_BASE = new Map([
  ["Extreme", 4371],
  ["Severe", 4375],
]);
const URGENCY_STEP = new Map([
  ["Immediate", 0],
  ["Expected", 2],
]);
const CERTAINTY_STEP = new Map([
  ["Observed", 0],
  ["Likely", 1],
]);

function matrixId(severity: string, urgency: string, certainty: string): number | undefined {
  const base = SEVERITY_BASE.get(severity);
  const u = URGENCY_STEP.get(urgency);
  const c = CERTAINTY_STEP.get(certainty);
  return base === undefined || u === undefined || c === undefined ? undefined : base + u + c;
}

function hasSameCode(codes: MessageIdInput["eventCodes"], code: string): boolean {
  return (codes ?? []).some((c) => c.valueName.trim().toUpperCase() === "SAME" && c.value.trim().toUpperCase() === code);
}

/**
 * The primary-language identifier for a CAP alert: status Exercise → 4381, Test → 4380; SAME event
 * code EAN → 4370, CAE → 4379; Extreme|Severe × Immediate|Expected × Observed|Likely → 4371–4378;
 * anything else → 4396 (public safety).
 */
export function primaryMessageId(input: MessageIdInput): number {
  if (input.status === "Exercise") return 4381;
  if (input.status === "Test") return 4380;
  if (hasSameCode(input.eventCodes, "EAN")) return 4370;
  if (hasSameCode(input.eventCodes, "CAE")) return 4379;
  return matrixId(input.severity, input.urgency, input.certainty) ?? 4396;
}

/**
 * The identifier for a CAP alert, in the additional-language variant when `additionalLanguage`.
 * @example messageIdFor({ status: "Actual", severity: "Severe", urgency: "Expected", certainty: "Likely" }) // 4378
 */
export function messageIdFor(input: MessageIdInput, options: { additionalLanguage?: boolean } = {}): number {
  const primary = primaryMessageId(input);
  return options.additionalLanguage ? (additionalLanguageId(primary) ?? primary) : primary;
}

/** The primary subtag of an RFC 3066 / BCP 47 language tag, lower-cased ("en-US" → "en"). */
function primarySubtag(tag: string): string {
  return (tag.trim().split("-")[0] ?? "").toLowerCase();
}

/**
 * Whether a message in `language` is in an additional language for an operator whose primary language
 * is `primaryLanguage`. Only the primary subtags are compared, so "en-US" is the primary language of an
 * "en" operator (regional variants are not separate languages on a handset's settings).
 */
export function isAdditionalLanguage(language: string, primaryLanguage: string): boolean {
  return primarySubtag(language) !== primarySubtag(primaryLanguage);
}

/**
 * The identifier for one `info` block of a CAP alert, given the operator's primary language.
 * @example messageIdForCapInfo(alert, alert.infos[0], "en") // 4378 for the severe thunderstorm fixture
 */
export function messageIdForCapInfo(alert: { status: string }, info: Omit<MessageIdInput, "status"> & { language: string }, primaryLanguage: string): number {
  return messageIdFor({ ...info, status: alert.status }, { additionalLanguage: isAdditionalLanguage(info.language, primaryLanguage) });
}
