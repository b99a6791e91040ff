import { describe, expect, it } from "vitest";
import { type AreaTextShapes, formatAreaText, parseAreaText } from "../../worker/lib/cell-broadcast/area-text";

const square = "45.7,4.8 45.8,4.8 45.8,4.9 45.7,4.9 45.7,4.8";
const squareRing: [number, number][] = [
  [45.7, 4.8],
  [45.8, 4.8],
  [45.8, 4.9],
  [45.7, 4.9],
  [45.7, 4.8],
];

describe("parseAreaText: accepted", () => {
  const cases: [name: string, text: string, expected: AreaTextShapes][] = [
    ["empty text", "", { polygons: [], circles: [] }],
    ["blank lines and comments only", "\n  \n# Lyon centre\n", { polygons: [], circles: [] }],
    ["a closed ring", square, { polygons: [squareRing], circles: [] }],
    ["a ring without its closing point is closed", "45.7,4.8 45.8,4.8 45.8,4.9 45.7,4.9", { polygons: [squareRing], circles: [] }],
    [
      "a triangle of 3 points",
      "1,1 2,2 1,3",
      {
        polygons: [
          [
            [1, 1],
            [2, 2],
            [1, 3],
            [1, 1],
          ],
        ],
        circles: [],
      },
    ],
    ["a circle", "45.76,4.83 2.5", { polygons: [], circles: [{ lat: 45.76, lon: 4.83, radius_km: 2.5 }] }],
    ["spaces around commas and tabs", "  45.76 , 4.83\t2.5  ", { polygons: [], circles: [{ lat: 45.76, lon: 4.83, radius_km: 2.5 }] }],
    [
      "shapes mixed with comments and CRLF",
      `# zone A\r\n${square}\r\n\r\n# and a circle\r\n-33.9,18.4 10`,
      { polygons: [squareRing], circles: [{ lat: -33.9, lon: 18.4, radius_km: 10 }] },
    ],
    [
      "a ring crossing the antimeridian is kept as given",
      "-17,179.5 -17,-179.5 -18,-179.5 -18,179.5 -17,179.5",
      {
        polygons: [
          [
            [-17, 179.5],
            [-17, -179.5],
            [-18, -179.5],
            [-18, 179.5],
            [-17, 179.5],
          ],
        ],
        circles: [],
      },
    ],
    [
      "range boundaries",
      "90,180 -90,-180 0,0 90,180",
      {
        polygons: [
          [
            [90, 180],
            [-90, -180],
            [0, 0],
            [90, 180],
          ],
        ],
        circles: [],
      },
    ],
    ["radius at the limit", "0,0 1000", { polygons: [], circles: [{ lat: 0, lon: 0, radius_km: 1000 }] }],
  ];
  it.each(cases)("%s", (_name, text, expected) => {
    expect(parseAreaText(text)).toEqual({ ok: true, ...expected });
  });
});

describe("parseAreaText: refused, naming the line", () => {
  const cases: [name: string, text: string, messages: string[]][] = [
    ["latitude out of range", `${square}\n95,4.8 45.8,4.8 45.8,4.9 95,4.8`, ["Line 2: point 1: latitude 95 is outside −90…90"]],
    ["longitude out of range", "45,181 3", ["Line 1: circle centre: longitude 181 is outside −180…180"]],
    ["not a number", "45.7,4.8 45.8,abc 45.8,4.9", ['Line 1: point 2: "45.8,abc" is not a "lat,lon" pair of decimal degrees']],
    ["points as 'lat lon' pairs are not CAP syntax", "45.7 4.8, 45.8 4.8, 45.8 4.9", ['Line 1: point 1: "45.7" is not a "lat,lon" pair of decimal degrees']],
    ["too few distinct points", "1,1 2,2 1,1", ['Line 1: a polygon needs at least 3 distinct "lat,lon" points; found 2']],
    ["a single point", "\n\n45.7,4.8", ['Line 3: one point alone is neither a polygon ("lat,lon lat,lon lat,lon …") nor a circle ("lat,lon radius_km")']],
    ["zero radius", "45,4 0", ['Line 1: the circle radius "0" must be a number of kilometres above 0 and at most 1000']],
    ["radius over the limit", "45,4 1000.5", ['Line 1: the circle radius "1000.5" must be a number of kilometres above 0 and at most 1000']],
    ["exponent notation", "45,4 1e3", ['Line 1: the circle radius "1e3" must be a number of kilometres above 0 and at most 1000']],
    [
      "every bad line is reported",
      "# ok\n1,1 2,2\n45,4 -1\n45.7,4.8 2",
      [
        'Line 2: a polygon needs at least 3 distinct "lat,lon" points; found 2',
        'Line 3: the circle radius "-1" must be a number of kilometres above 0 and at most 1000',
      ],
    ],
  ];
  it.each(cases)("%s", (_name, text, messages) => {
    const result = parseAreaText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.message)).toEqual(messages);
  });

  it("gives the line number apart from the message", () => {
    expect(parseAreaText("# comment\n\n0,0 0")).toMatchObject({ ok: false, errors: [{ line: 3 }] });
  });
});

describe("parseAreaText: limits", () => {
  it("accepts 20 polygons and 20 circles, and refuses the 21st of each at its line", () => {
    const twenty = [...Array.from({ length: 20 }, () => square), ...Array.from({ length: 20 }, (_, i) => `45,4 ${i + 1}`)];
    expect(parseAreaText(twenty.join("\n")).ok).toBe(true);
    const result = parseAreaText([...twenty, square, "45,4 1"].join("\n"));
    expect(result).toEqual({
      ok: false,
      errors: [
        { line: 41, message: "Line 41: too many polygons (at most 20)" },
        { line: 42, message: "Line 42: too many circles (at most 20)" },
      ],
    });
  });

  it("accepts a ring of 1000 points and refuses 1001", () => {
    const points = (n: number) => Array.from({ length: n }, (_, i) => `${(i / 100).toFixed(2)},${i % 2}`).join(" ");
    expect(parseAreaText(points(999)).ok).toBe(true); // closed: 1000 points
    expect(parseAreaText(points(1000))).toEqual({ ok: false, errors: [{ line: 1, message: "Line 1: a polygon may have at most 1000 points; found 1001" }] });
  });
});

describe("formatAreaText", () => {
  it("writes closed rings and circles with at most 5 decimals, one shape a line", () => {
    const text = formatAreaText({
      polygons: [
        [
          [45.123456789, 4.8],
          [45.2, -0.0000001],
          [45.3, 4.9],
        ],
      ],
      circles: [{ lat: 45.76, lon: 4.83, radius_km: 2.123456 }],
    });
    expect(text).toBe("45.12346,4.8 45.2,0 45.3,4.9 45.12346,4.8\n45.76,4.83 2.12346");
  });

  it("round-trips through parseAreaText, antimeridian rings included", () => {
    const shapes: AreaTextShapes = {
      polygons: [
        [
          [-17, 179.5],
          [-17, -179.5],
          [-18.12345, -179.5],
          [-17, 179.5],
        ],
        squareRing,
      ],
      circles: [
        { lat: 0.00001, lon: -0.5, radius_km: 0.25 },
        { lat: -89.99999, lon: 180, radius_km: 1000 },
      ],
    };
    expect(parseAreaText(formatAreaText(shapes))).toEqual({ ok: true, ...shapes });
  });

  it("writes nothing for no shapes", () => {
    expect(formatAreaText({ polygons: [], circles: [] })).toBe("");
  });
});
