import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../worker/routes/api/index";
import { OPERATION_IDS, withOperationIds } from "../worker/routes/api/operation-ids";

type Doc = { paths: Record<string, Record<string, { operationId?: string }>> };

/** Every `pattern` in the document, with where it sits. */
function patterns(node: unknown, at = "#"): [string, string][] {
  if (Array.isArray(node)) return node.flatMap((v, i) => patterns(v, `${at}/${i}`));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) => (k === "pattern" && typeof v === "string" ? [[at, v] as [string, string]] : patterns(v, `${at}/${k}`)));
}

describe("the OpenAPI document", () => {
  const doc = openApiDocument() as Doc;

  it("passes an OpenAPI 3.1 validator with 0 errors", async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("gives every operation a unique operationId", () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses to build with a missing, duplicate or stale operationId", () => {
    const fresh = () => ({ paths: { "/a": { get: {} }, "/b": { post: {} } } });
    expect(() => withOperationIds(fresh(), { "GET /a": "x" })).toThrow(/POST \/b has no operationId/);
    expect(() => withOperationIds(fresh(), { "GET /a": "x", "POST /b": "x" })).toThrow(/used by both/);
    expect(() => withOperationIds(fresh(), { "GET /a": "x", "POST /b": "y", "GET /c": "z" })).toThrow(/do not exist: GET \/c/);
    expect(Object.keys(OPERATION_IDS).length).toBe(Object.values(doc.paths).flatMap(Object.keys).length);
  });

  it("writes patterns a JSON Schema validator can use (no JS regex flags inside)", () => {
    const all = patterns(doc);
    expect(all.length).toBeGreaterThan(5);
    for (const [at, pattern] of all) {
      expect(pattern, at).not.toMatch(/\/[dgimsuvy]+$/);
      expect(() => new RegExp(pattern, "u"), at).not.toThrow();
    }
    const tag = all.find(([, p]) => p.includes("\\p{L}"));
    expect(tag).toBeDefined();
    expect(new RegExp(tag?.[1] ?? "", "u").test("vip")).toBe(true);
    expect(new RegExp(tag?.[1] ?? "", "u").test("fibre-éclair")).toBe(true);
  });
});
