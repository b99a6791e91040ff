import { describe, expect, it } from "vitest";
import {
  additionalLanguageId,
  describeMessageId,
  isAdditionalLanguage,
  isValidMessageId,
  MESSAGE_IDS,
  type MessageIdInput,
  messageIdFor,
  messageIdForCapInfo,
  primaryMessageId,
} from "../../worker/lib/cell-broadcast/message-id";

const SAME = (value: string) => [{ valueName: "SAME", value }];
const actual = (severity: string, urgency: string, certainty: string, eventCodes?: MessageIdInput["eventCodes"]): MessageIdInput => ({
  status: "Actual",
  severity,
  urgency,
  certainty,
  eventCodes,
});

describe("message identifier from CAP (INTEGRATIONS.md, TS 23.041 §9.4.1.2.2)", () => {
  // [case, input, primary language id, additional language id]
  const table: [string, MessageIdInput, number, number][] = [
    ["status Exercise", { ...actual("Moderate", "Future", "Possible"), status: "Exercise" }, 4381, 4394],
    ["status Exercise wins over severity", { ...actual("Extreme", "Immediate", "Observed"), status: "Exercise" }, 4381, 4394],
    ["status Exercise wins over SAME EAN", { ...actual("Extreme", "Immediate", "Observed", SAME("EAN")), status: "Exercise" }, 4381, 4394],
    ["status Test", { ...actual("Minor", "Past", "Unknown"), status: "Test" }, 4380, 4393],
    ["status Test wins over SAME CAE", { ...actual("Severe", "Immediate", "Likely", SAME("CAE")), status: "Test" }, 4380, 4393],
    ["SAME EAN (presidential / EU-Alert level 1)", actual("Minor", "Future", "Possible", SAME("EAN")), 4370, 4383],
    ["SAME EAN wins over severity", actual("Severe", "Expected", "Likely", SAME("EAN")), 4370, 4383],
    ["SAME CAE (child abduction)", actual("Severe", "Immediate", "Likely", SAME("CAE")), 4379, 4392],
    ["SAME code among other codes", actual("Minor", "Future", "Possible", [{ valueName: "profile:CAP-AU", value: "x" }, ...SAME("CAE")]), 4379, 4392],
    ["EAN under another valueName is not SAME", actual("Minor", "Future", "Possible", [{ valueName: "EU", value: "EAN" }]), 4396, 4397],
    ["Extreme Immediate Observed", actual("Extreme", "Immediate", "Observed"), 4371, 4384],
    ["Extreme Immediate Likely", actual("Extreme", "Immediate", "Likely"), 4372, 4385],
    ["Extreme Expected Observed", actual("Extreme", "Expected", "Observed"), 4373, 4386],
    ["Extreme Expected Likely", actual("Extreme", "Expected", "Likely"), 4374, 4387],
    ["Severe Immediate Observed", actual("Severe", "Immediate", "Observed"), 4375, 4388],
    ["Severe Immediate Likely", actual("Severe", "Immediate", "Likely"), 4376, 4389],
    ["Severe Expected Observed", actual("Severe", "Expected", "Observed"), 4377, 4390],
    ["Severe Expected Likely", actual("Severe", "Expected", "Likely"), 4378, 4391],
    ["Moderate severity", actual("Moderate", "Immediate", "Observed"), 4396, 4397],
    ["Minor severity", actual("Minor", "Immediate", "Observed"), 4396, 4397],
    ["Unknown severity", actual("Unknown", "Immediate", "Observed"), 4396, 4397],
    ["Future urgency", actual("Extreme", "Future", "Observed"), 4396, 4397],
    ["Past urgency", actual("Severe", "Past", "Likely"), 4396, 4397],
    ["Unknown urgency", actual("Extreme", "Unknown", "Observed"), 4396, 4397],
    ["Possible certainty", actual("Extreme", "Immediate", "Possible"), 4396, 4397],
    ["Unlikely certainty", actual("Severe", "Expected", "Unlikely"), 4396, 4397],
    ["Unknown certainty", actual("Severe", "Expected", "Unknown"), 4396, 4397],
    ["values that name Object properties", actual("constructor", "toString", "valueOf"), 4396, 4397],
    ["status System falls through to the matrix", { ...actual("Severe", "Expected", "Likely"), status: "System" }, 4378, 4391],
  ];
  it.each(table)("%s → %i (additional language %i)", (_case, input, primary, additional) => {
    expect(primaryMessageId(input)).toBe(primary);
    expect(messageIdFor(input)).toBe(primary);
    expect(messageIdFor(input, { additionalLanguage: false })).toBe(primary);
    expect(messageIdFor(input, { additionalLanguage: true })).toBe(additional);
  });
});

describe("additional-language identifiers", () => {
  // [primary, additional]: +13 for 4370–4382, +1 for 4396 and 4398, none for ETWS
  const table: [number, number | null][] = [
    ...Array.from({ length: 13 }, (_, i): [number, number] => [4370 + i, 4383 + i]),
    [4396, 4397],
    [4398, 4399],
    [4352, null],
    [4356, null],
  ];
  it.each(table)("%i → %s", (primary, additional) => {
    expect(additionalLanguageId(primary)).toBe(additional);
  });

  // [message language, operator's primary language, additional?]
  const languages: [string, string, boolean][] = [
    ["en", "en", false],
    ["en-US", "en", false],
    ["EN-gb", "en-AU", false],
    ["fr", "en", true],
    ["fr-CA", "en-CA", true],
    ["mi", "en-NZ", true],
  ];
  it.each(languages)("%s for an operator in %s is additional: %s", (language, primaryLanguage, additional) => {
    expect(isAdditionalLanguage(language, primaryLanguage)).toBe(additional);
    const info = { language, severity: "Severe", urgency: "Expected", certainty: "Likely", eventCodes: [] };
    expect(messageIdForCapInfo({ status: "Actual" }, info, primaryLanguage)).toBe(additional ? 4391 : 4378);
  });
});

describe("the identifier table for display and overrides", () => {
  const valid = [...Array.from({ length: 5 }, (_, i) => 4352 + i), ...Array.from({ length: 30 }, (_, i) => 4370 + i)];

  it("describes exactly ETWS 4352–4356 and CMAS 4370–4399, in order", () => {
    expect([...MESSAGE_IDS.keys()]).toEqual(valid);
    for (const [id, info] of MESSAGE_IDS) {
      expect(info.id).toBe(id);
      expect(info.system).toBe(id < 4370 ? "ETWS" : "CMAS");
      expect(info.name.length).toBeGreaterThan(0);
    }
  });

  // [id, name, primary id, additional language]
  const names: [number, string, number, boolean][] = [
    [4352, "ETWS earthquake", 4352, false],
    [4370, "Presidential alert", 4370, false],
    [4378, "Severe alert", 4378, false],
    [4379, "Child abduction (AMBER)", 4379, false],
    [4380, "Required monthly test", 4380, false],
    [4381, "Exercise", 4381, false],
    [4382, "Operator defined", 4382, false],
    [4383, "Presidential alert (additional language)", 4370, true],
    [4391, "Severe alert (additional language)", 4378, true],
    [4395, "Operator defined (additional language)", 4382, true],
    [4396, "Public safety", 4396, false],
    [4397, "Public safety (additional language)", 4396, true],
    [4398, "State/local test", 4398, false],
    [4399, "State/local test (additional language)", 4398, true],
  ];
  it.each(names)("%i is %s", (id, name, primaryId, additionalLanguage) => {
    expect(describeMessageId(id)).toMatchObject({ id, name, primaryId, additionalLanguage });
  });

  it("says what 4378 means", () => {
    expect(describeMessageId(4378)?.description).toBe("Severe alert: severity Severe, urgency Expected, certainty Likely");
  });

  // [id, valid override?]
  const overrides: [number, boolean][] = [
    [4351, false],
    [4352, true],
    [4356, true],
    [4357, false],
    [4369, false],
    [4370, true],
    [4399, true],
    [4400, false],
    [4378.5, false],
    [Number.NaN, false],
    [-4378, false],
    [0, false],
  ];
  it.each(overrides)("%d is a valid override: %s", (id, ok) => {
    expect(isValidMessageId(id)).toBe(ok);
    expect(describeMessageId(id) !== undefined).toBe(ok);
  });
});
