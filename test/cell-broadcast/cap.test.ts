import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CAP_MAX_BYTES,
  type CapAlert,
  capDateTimeToUtc,
  isCapDateTime,
  parseCap,
  parseCapOrThrow,
  parseCapReferences,
  toCapXml,
  validateCapAlert,
} from "../../worker/lib/cell-broadcast/cap";
import { messageIdForCapInfo } from "../../worker/lib/cell-broadcast/message-id";
import { Invalid } from "../../worker/lib/errors";

// Copies of /work/shared/fixtures/cap (the repository's tests read nothing outside it).
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const THUNDERSTORM = fixture("severe-thunderstorm.xml");
const CANCEL = fixture("severe-thunderstorm-cancel.xml");

function parsed(xml: string): CapAlert {
  const result = parseCap(xml);
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.alert;
}

/** A complete alert using every CAP 1.2 element, with markup-like text, a numeric reference and CDATA. */
const RICH = `<?xml version="1.0" encoding="UTF-8"?>
<!-- every element -->
<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <cap:identifier>FJ-MET-2026-7</cap:identifier>
  <cap:sender>alerts@met.gov.example</cap:sender>
  <cap:sent>2026-02-10T08:00:00+12:00</cap:sent>
  <cap:status>Actual</cap:status>
  <cap:msgType>Update</cap:msgType>
  <cap:source>Duty forecaster</cap:source>
  <cap:scope>Public</cap:scope>
  <cap:code>profile:CAP-AU:1.0</cap:code>
  <cap:code>IPAWSv1.0</cap:code>
  <cap:note>Tom &amp; Jerry &lt;not markup&gt; caf&#233; &#x20AC;</cap:note>
  <cap:references>alerts@met.gov.example,FJ-MET-2026-6,2026-02-10T06:00:00+12:00 alerts@met.gov.example,FJ-MET-2026-5,2026-02-09T18:00:00+12:00</cap:references>
  <cap:incidents>TC-WINSTON</cap:incidents>
  <cap:info>
    <cap:language>en-FJ</cap:language>
    <cap:category>Met</cap:category>
    <cap:category>Safety</cap:category>
    <cap:event>Tropical Cyclone Warning</cap:event>
    <cap:responseType>Shelter</cap:responseType>
    <cap:responseType>Prepare</cap:responseType>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Extreme</cap:severity>
    <cap:certainty>Observed</cap:certainty>
    <cap:audience>Everyone in the area</cap:audience>
    <cap:eventCode><cap:valueName>SAME</cap:valueName><cap:value>HUW</cap:value></cap:eventCode>
    <cap:effective>2026-02-10T08:00:00+12:00</cap:effective>
    <cap:onset>2026-02-10T12:00:00+12:00</cap:onset>
    <cap:expires>2026-02-11T08:00:00+12:00</cap:expires>
    <cap:senderName>Fiji Meteorological Service</cap:senderName>
    <cap:headline>Category 5 cyclone: winds over 250 km/h</cap:headline>
    <cap:description><![CDATA[Winds > 250 km/h & storm surge.
Second line kept.]]></cap:description>
    <cap:instruction>Shelter in a strong building now.</cap:instruction>
    <cap:web>https://met.gov.example/warnings/7</cap:web>
    <cap:contact>+679 000 0000</cap:contact>
    <cap:parameter><cap:valueName>WindSpeed</cap:valueName><cap:value>250</cap:value></cap:parameter>
    <cap:resource>
      <cap:resourceDesc>Track map</cap:resourceDesc>
      <cap:mimeType>image/png</cap:mimeType>
      <cap:size>12345</cap:size>
      <cap:uri>https://met.gov.example/track.png</cap:uri>
    </cap:resource>
    <cap:area>
      <cap:areaDesc>Fiji, across the antimeridian</cap:areaDesc>
      <cap:polygon>-15.5,177.0 -15.5,-179.5 -19.5,-179.5 -19.5,177.0 -15.5,177.0</cap:polygon>
      <cap:circle>-17.8,178.4 0</cap:circle>
      <cap:geocode><cap:valueName>ISO3166-2</cap:valueName><cap:value>FJ-C</cap:value></cap:geocode>
      <cap:altitude>0</cap:altitude>
      <cap:ceiling>30000.5</cap:ceiling>
    </cap:area>
  </cap:info>
  <cap:info>
    <cap:language>fj</cap:language>
    <cap:category>Met</cap:category>
    <cap:event>Vakaro ni cagilaba</cap:event>
    <cap:urgency>Immediate</cap:urgency>
    <cap:severity>Extreme</cap:severity>
    <cap:certainty>Observed</cap:certainty>
    <cap:area>
      <cap:areaDesc>Viti</cap:areaDesc>
      <cap:polygon>-15.5,177.0 -15.5,-179.5 -19.5,-179.5 -19.5,177.0 -15.5,177.0</cap:polygon>
    </cap:area>
  </cap:info>
  <ds:Signature>ignored: another namespace</ds:Signature>
</cap:alert>
`;

describe("CAP 1.2 fixtures", () => {
  it("reads the severe thunderstorm warning", () => {
    const alert = parsed(THUNDERSTORM);
    expect(alert).toStrictEqual({
      identifier: "DEMO-MET-2026-0042",
      sender: "warnings@met.example.org",
      sent: "2026-11-20T16:30:00+10:00",
      status: "Actual",
      msgType: "Alert",
      scope: "Public",
      infos: [
        {
          language: "en",
          category: ["Met"],
          event: "Severe Thunderstorm Warning",
          urgency: "Expected",
          severity: "Severe",
          certainty: "Likely",
          eventCodes: [],
          expires: "2026-11-20T19:30:00+10:00",
          headline: "Severe thunderstorms with large hail expected this evening",
          instruction: "Move vehicles under cover, stay indoors and away from windows.",
          areas: [{ areaDesc: "Northern suburbs", polygons: [], circles: [{ lat: -27.4, lon: 153.05, radiusKm: 12.5 }], geocodes: [] }],
        },
      ],
    });
  });

  it("gives the severe thunderstorm warning message identifier 4378 (4391 in an additional language)", () => {
    const alert = parsed(THUNDERSTORM);
    const info = alert.infos[0];
    if (!info) throw new Error("no info");
    expect(messageIdForCapInfo(alert, info, "en")).toBe(4378);
    expect(messageIdForCapInfo(alert, info, "fr")).toBe(4391);
  });

  it("reads the cancel, whose references name the warning", () => {
    const warning = parsed(THUNDERSTORM);
    const cancel = parsed(CANCEL);
    expect(cancel.msgType).toBe("Cancel");
    expect(cancel.infos).toEqual([]);
    expect(parseCapReferences(cancel.references ?? "")).toEqual([{ sender: warning.sender, identifier: warning.identifier, sent: warning.sent }]);
  });

  it.each([
    ["severe-thunderstorm.xml", THUNDERSTORM],
    ["severe-thunderstorm-cancel.xml", CANCEL],
    ["every element, prefixed namespace", RICH],
  ])("%s: parse → serialise → parse gives the same alert", (_name, xml) => {
    const first = parsed(xml);
    const xml2 = toCapXml(first);
    expect(parsed(xml2)).toStrictEqual(first);
    // and serialising is stable
    expect(toCapXml(parsed(xml2))).toBe(xml2);
  });
});

describe("reading CAP", () => {
  it("reads every element, decodes the predefined entities and character references, keeps CDATA as text", () => {
    const alert = parsed(RICH);
    expect(alert.note).toBe("Tom & Jerry <not markup> café €");
    expect(alert.code).toEqual(["profile:CAP-AU:1.0", "IPAWSv1.0"]);
    expect(alert.infos).toHaveLength(2);
    const [en, fj] = alert.infos;
    expect(en?.description).toBe("Winds > 250 km/h & storm surge.\nSecond line kept.");
    expect(en?.category).toEqual(["Met", "Safety"]);
    expect(en?.responseType).toEqual(["Shelter", "Prepare"]);
    expect(en?.eventCodes).toEqual([{ valueName: "SAME", value: "HUW" }]);
    expect(en?.parameters).toEqual([{ valueName: "WindSpeed", value: "250" }]);
    expect(en?.resources).toEqual([{ resourceDesc: "Track map", mimeType: "image/png", size: 12345, uri: "https://met.gov.example/track.png" }]);
    expect(en?.areas[0]).toEqual({
      areaDesc: "Fiji, across the antimeridian",
      polygons: [
        [
          [-15.5, 177],
          [-15.5, -179.5],
          [-19.5, -179.5],
          [-19.5, 177],
          [-15.5, 177],
        ],
      ],
      circles: [{ lat: -17.8, lon: 178.4, radiusKm: 0 }],
      geocodes: [{ valueName: "ISO3166-2", value: "FJ-C" }],
      altitude: 0,
      ceiling: 30000.5,
    });
    expect(fj?.language).toBe("fj");
    expect(parseCapReferences(alert.references ?? "")).toHaveLength(2);
  });

  it("defaults a missing language to en-US, as CAP does", () => {
    const alert = parsed(THUNDERSTORM.replace("<language>en</language>", ""));
    expect(alert.infos[0]?.language).toBe("en-US");
  });

  it("writes markup-like text escaped, in the CAP namespace, elements in schema order", () => {
    const xml = toCapXml(parsed(RICH));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">')).toBe(true);
    expect(xml).toContain("<note>Tom &amp; Jerry &lt;not markup&gt; café €</note>");
    expect(xml).toContain("<polygon>-15.5,177 -15.5,-179.5 -19.5,-179.5 -19.5,177 -15.5,177</polygon>");
    expect(xml).toContain("<circle>-17.8,178.4 0</circle>");
    expect(xml).not.toContain("Signature");
    const order = [
      "<identifier>",
      "<sender>",
      "<sent>",
      "<status>",
      "<msgType>",
      "<source>",
      "<scope>",
      "<code>",
      "<note>",
      "<references>",
      "<incidents>",
      "<info>",
    ];
    expect(order.map((tag) => xml.indexOf(tag))).toEqual(order.map((tag) => xml.indexOf(tag)).sort((x, y) => x - y));
  });

  it("gives a 422 with the errors from parseCapOrThrow", () => {
    expect(parseCapOrThrow(THUNDERSTORM).identifier).toBe("DEMO-MET-2026-0042");
    try {
      parseCapOrThrow(THUNDERSTORM.replace("<urgency>Expected</urgency>", "<urgency>Soon</urgency>"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(Invalid);
      expect((e as Invalid).status).toBe(422);
      expect((e as Invalid).errors).toEqual([{ path: "alert/info[1]/urgency", message: "Must be one of Immediate, Expected, Future, Past, Unknown" }]);
    }
  });

  it("validates an alert built in code", () => {
    const alert = parsed(THUNDERSTORM);
    expect(validateCapAlert(alert)).toEqual([]);
    const info = alert.infos[0];
    if (!info?.areas[0]) throw new Error("no area");
    info.areas[0].circles = [{ lat: -97, lon: 153, radiusKm: 5 }];
    info.areas[0].polygons = [
      [
        [1, 1],
        [1, 2],
        [2, 2],
      ],
    ];
    expect(validateCapAlert({ ...alert, sent: "2026-11-20 16:30", identifier: "has space" })).toEqual([
      { path: "alert/identifier", message: "Must not contain spaces, commas, < or &" },
      { path: "alert/sent", message: expect.stringContaining("Must be a CAP date and time") },
      { path: "alert/info[1]/area[1]/polygon[1]", message: expect.stringContaining("at least 4") },
      { path: "alert/info[1]/area[1]/circle[1]", message: expect.stringContaining("Latitude -97 is out of range") },
    ]);
  });
});

describe("CAP dateTime", () => {
  // [value, valid]
  const table: [string, boolean][] = [
    ["2026-05-01T14:00:00-00:00", true],
    ["2026-11-20T16:30:00+10:00", true],
    ["2024-02-29T23:59:59+14:00", true],
    ["2026-05-01T14:00:00Z", false],
    ["2026-05-01T14:00:00", false],
    ["2026-05-01T14:00:00.000-00:00", false],
    ["2026-05-01 14:00:00-00:00", false],
    ["2026-13-01T14:00:00-00:00", false],
    ["2026-02-29T14:00:00-00:00", false],
    ["2026-04-31T14:00:00-00:00", false],
    ["2026-05-01T24:00:00-00:00", false],
    ["2026-05-01T14:60:00-00:00", false],
    ["2026-05-01T14:00:00+15:00", false],
    ["", false],
  ];
  it.each(table)("%j is valid: %s", (value, ok) => {
    expect(isCapDateTime(value)).toBe(ok);
  });

  it("converts to UTC", () => {
    expect(capDateTimeToUtc("2026-11-20T16:30:00+10:00")).toBe("2026-11-20T06:30:00.000Z");
    expect(capDateTimeToUtc("2026-05-01T14:00:00-00:00")).toBe("2026-05-01T14:00:00.000Z");
    expect(() => capDateTimeToUtc("2026-05-01T14:00:00Z")).toThrow(RangeError);
  });
});

describe("bad CAP input names the element", () => {
  const t = (from: string, to: string) => THUNDERSTORM.replace(from, to);
  const area = (inner: string) => t("<circle>-27.40,153.05 12.5</circle>", inner);
  const URGENCY = "Must be one of Immediate, Expected, Future, Past, Unknown";
  // [case, document, path, message (text or pattern)]
  const table: [string, string, string, string | RegExp][] = [
    ["missing identifier", t("<identifier>DEMO-MET-2026-0042</identifier>", ""), "alert/identifier", "Required"],
    ["empty identifier", t("<identifier>DEMO-MET-2026-0042</identifier>", "<identifier> </identifier>"), "alert/identifier", "Required"],
    ["identifier with a comma", t("DEMO-MET-2026-0042", "DEMO,42"), "alert/identifier", "Must not contain spaces, commas, < or &"],
    ["missing sender", t("<sender>warnings@met.example.org</sender>", ""), "alert/sender", "Required"],
    ["bad urgency", t("<urgency>Expected</urgency>", "<urgency>Soon</urgency>"), "alert/info[1]/urgency", URGENCY],
    ["lower-case urgency", t("<urgency>Expected</urgency>", "<urgency>expected</urgency>"), "alert/info[1]/urgency", URGENCY],
    ["missing urgency", t("<urgency>Expected</urgency>", ""), "alert/info[1]/urgency", "Required"],
    [
      "urgency twice",
      t("<urgency>Expected</urgency>", "<urgency>Expected</urgency><urgency>Immediate</urgency>"),
      "alert/info[1]/urgency",
      "Must appear at most once",
    ],
    [
      "bad severity",
      t("<severity>Severe</severity>", "<severity>Bad</severity>"),
      "alert/info[1]/severity",
      /Must be one of Extreme, Severe, Moderate, Minor, Unknown/,
    ],
    ["bad certainty", t("<certainty>Likely</certainty>", "<certainty>Very Likely</certainty>"), "alert/info[1]/certainty", /Must be one of Observed, Likely/],
    ["bad status", t("<status>Actual</status>", "<status>Real</status>"), "alert/status", /Must be one of Actual, Exercise, System, Test, Draft/],
    ["bad msgType", t("<msgType>Alert</msgType>", "<msgType>Warning</msgType>"), "alert/msgType", /Must be one of Alert, Update, Cancel, Ack, Error/],
    ["bad scope", t("<scope>Public</scope>", "<scope>Everyone</scope>"), "alert/scope", /Must be one of Public, Restricted, Private/],
    ["bad category", t("<category>Met</category>", "<category>Weather</category>"), "alert/info[1]/category[1]", /Must be one of Geo, Met/],
    ["empty category", t("<category>Met</category>", "<category/>"), "alert/info[1]/category[1]", /Must be one of Geo, Met/],
    ["missing category", t("<category>Met</category>", ""), "alert/info[1]/category", "Required (at least one)"],
    ["missing event", t("<event>Severe Thunderstorm Warning</event>", ""), "alert/info[1]/event", "Required"],
    [
      "bad date: Z",
      t("2026-11-20T16:30:00+10:00</sent>", "2026-11-20T06:30:00Z</sent>"),
      "alert/sent",
      /Must be a CAP date and time such as 2026-05-01T14:00:00-00:00/,
    ],
    ["bad date: no timezone", t("2026-11-20T16:30:00+10:00</sent>", "2026-11-20T16:30:00</sent>"), "alert/sent", /with a timezone offset/],
    [
      "bad date: expires",
      t("<expires>2026-11-20T19:30:00+10:00</expires>", "<expires>tonight</expires>"),
      "alert/info[1]/expires",
      /Must be a CAP date and time/,
    ],
    [
      "open polygon ring",
      area("<polygon>-27.3,153.0 -27.3,153.1 -27.5,153.1 -27.5,153.0</polygon>"),
      "alert/info[1]/area[1]/polygon[1]",
      /Must be a closed ring/,
    ],
    ["polygon of 3 points", area("<polygon>-27.3,153.0 -27.3,153.1 -27.3,153.0</polygon>"), "alert/info[1]/area[1]/polygon[1]", /at least 4/],
    [
      "polygon point not a pair",
      area("<polygon>-27.3,153.0 -27.3 -27.5,153.1 -27.3,153.0</polygon>"),
      "alert/info[1]/area[1]/polygon[1]",
      /Point 2: "-27.3" is not a "lat,lon" pair/,
    ],
    [
      "polygon longitude out of range",
      area("<polygon>-27.3,153.0 -27.3,181 -27.5,153.1 -27.3,153.0</polygon>"),
      "alert/info[1]/area[1]/polygon[1]",
      /Point 2: Longitude 181 is out of range/,
    ],
    ["second polygon bad", area("<polygon>1,1 1,2 2,2 1,1</polygon><polygon>x</polygon>"), "alert/info[1]/area[1]/polygon[2]", /Point 1/],
    ["circle without radius", area("<circle>-27.40,153.05</circle>"), "alert/info[1]/area[1]/circle[1]", /Must be "lat,lon radius"/],
    ["circle negative radius", area("<circle>-27.40,153.05 -1</circle>"), "alert/info[1]/area[1]/circle[1]", /0 or more/],
    ["circle latitude out of range", area("<circle>-91,153.05 5</circle>"), "alert/info[1]/area[1]/circle[1]", /Latitude -91 is out of range/],
    ["missing areaDesc", t("<areaDesc>Northern suburbs</areaDesc>", ""), "alert/info[1]/area[1]/areaDesc", "Required"],
    ["ceiling without altitude", area("<ceiling>100</ceiling>"), "alert/info[1]/area[1]/ceiling", "Only allowed with altitude"],
    ["eventCode without value", t("<event>", "<eventCode><valueName>SAME</valueName></eventCode><event>"), "alert/info[1]/eventCode[1]/value", "Required"],
    ["unknown element", t("<headline>", "<colour>red</colour><headline>"), "alert/info[1]/colour", /Unknown element/],
    ["element inside a text element", t("<event>Severe Thunderstorm Warning</event>", "<event><b>Storm</b></event>"), "alert/info[1]/event", /text only/],
    ["bad language", t("<language>en</language>", "<language>english (UK)</language>"), "alert/info[1]/language", /RFC 3066/],
    ["relative web link", t("<headline>", "<web>/warnings/42</web><headline>"), "alert/info[1]/web", /absolute URI/],
    ["undeclared entity", t("large hail", "large&nbsp;hail"), "alert/info[1]/headline", /Undeclared entity &nbsp;/],
    ["control character reference", t("large hail", "large&#1;hail"), "alert/info[1]/headline", /not a character XML allows/],
    [
      "second info bad",
      t("</info>", "</info><info><category>Met</category><event>x</event><urgency>Now</urgency><severity>Minor</severity><certainty>Likely</certainty></info>"),
      "alert/info[2]/urgency",
      URGENCY,
    ],
    ["Cancel without references", CANCEL.replace(/<references>.*<\/references>/, ""), "alert/references", /Required when msgType is Cancel/],
    [
      "malformed references",
      CANCEL.replace("DEMO-MET-2026-0042,2026-11-20T16:30:00+10:00", "DEMO-MET-2026-0042"),
      "alert/references",
      /sender,identifier,sent/,
    ],
    ["Private scope without addresses", t("<scope>Public</scope>", "<scope>Private</scope>"), "alert/addresses", "Required when scope is Private"],
    ["Restricted scope without restriction", t("<scope>Public</scope>", "<scope>Restricted</scope>"), "alert/restriction", "Required when scope is Restricted"],
    ["CAP 1.1 namespace", t("cap:1.2", "cap:1.1"), "alert", /Must be in the CAP 1.2 namespace/],
    ["no namespace", t(' xmlns="urn:oasis:names:tc:emergency:cap:1.2"', ""), "alert", /found no namespace/],
    ["another root element", `<?xml version="1.0"?><warning xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>`, "warning", "The root element must be alert"],
    ["two root elements", `${THUNDERSTORM}<alert/>`, "document", /Not well-formed XML|exactly one root element/],
    ["malformed XML", t("</info>", ""), "document", /Not well-formed XML/],
    ["bare ampersand", t("large hail", "hail & rain"), "document", /Not well-formed XML/],
    ["empty document", "", "document", /Not well-formed XML/],
    [
      "DOCTYPE (XXE)",
      t("<alert", `<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<alert`).replace("large hail", "&xxe;"),
      "!DOCTYPE",
      /DOCTYPE declaration is not allowed/,
    ],
    ["DOCTYPE without entities", t("<alert", "<!DOCTYPE alert>\n<alert"), "!DOCTYPE", /not allowed/],
    [
      "billion laughs",
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>`,
      "!DOCTYPE",
      /not allowed/,
    ],
    ["ENTITY outside a DOCTYPE", t("<alert", '<!ENTITY x "y">\n<alert'), "!ENTITY", /not allowed/],
    ["over 256 kB", t("Move vehicles", `${"x".repeat(CAP_MAX_BYTES)} Move vehicles`), "document", "Too large: a CAP alert may be at most 256 kB"],
    ["over 256 kB in UTF-8 only", t("Move vehicles", `${"é".repeat(CAP_MAX_BYTES / 2)} Move vehicles`), "document", /Too large/],
  ];
  it.each(table)("%s → %s", (_case, xml, path, message) => {
    const result = parseCap(xml);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    const match = errors.find((e) => e.path === path);
    expect(match, JSON.stringify(errors)).toBeDefined();
    if (typeof message === "string") expect(match?.message).toBe(message);
    else expect(match?.message).toMatch(message);
  });

  it("reports every error at once, in document order", () => {
    const xml = THUNDERSTORM.replace("<identifier>DEMO-MET-2026-0042</identifier>", "")
      .replace("<urgency>Expected</urgency>", "<urgency>Soon</urgency>")
      .replace("<circle>-27.40,153.05 12.5</circle>", "<polygon>1,1 1,2 2,2 2,1</polygon>");
    const result = parseCap(xml);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(["alert/identifier", "alert/info[1]/urgency", "alert/info[1]/area[1]/polygon[1]"]);
  });

  it("accepts a document just under the size limit", () => {
    const padding = CAP_MAX_BYTES - new TextEncoder().encode(THUNDERSTORM).byteLength - 1;
    const xml = THUNDERSTORM.replace("Move vehicles", `${"x".repeat(padding)}Move vehicles`);
    expect(new TextEncoder().encode(xml).byteLength).toBe(CAP_MAX_BYTES - 1);
    expect(parseCap(xml).ok).toBe(true);
    expect(parseCap(xml, { maxBytes: 1024 }).ok).toBe(false);
  });
});
