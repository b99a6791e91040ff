import { describe, expect, it } from "vitest";
import { diff } from "../domain/activity/record";
import { coerceAttributeValue } from "../domain/attributes/schemas";
import { contactDocument, toFtsQuery } from "../domain/search/documents";
import { availableActions, SERVICE_ACTIONS } from "../domain/services/actions";
import { applied, unwrap } from "../domain/services/support";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { AppError } from "../lib/errors";
import { newId, ulid } from "../lib/ids";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken, verifyAccessToken } from "../lib/jwt";
import { hashPassword, needsRehash, verifyPassword } from "../lib/password";

describe("pure building blocks", () => {
  it("turns user input into quoted FTS5 prefix terms", () => {
    expect(toFtsQuery("Jean Dupont")).toBe('"jean"* "dupont"*');
    expect(toFtsQuery('"a" OR b* NEAR(c)')).toBe('"a"* "or"* "b"* "near"* "c"*');
    expect(toFtsQuery("Émilie")).toBe('"émilie"*');
    expect(toFtsQuery("  ***  ")).toBeNull();
  });

  it("indexes phone numbers in national and international forms", () => {
    const doc = contactDocument({ id: "con_x", customerId: "cus_x", firstName: "A", lastName: null, email: "a@b.fr", phone: "+33612345678" }, "Cust");
    expect(doc.keywords).toContain("33612345678");
    expect(doc.keywords).toContain("0612345678");
  });

  it("diffs records field by field, ignoring timestamps", () => {
    expect(diff({ a: 1, b: "x", updated_at: "t1" }, { a: 1, b: "y", updated_at: "t2" })).toEqual({ b: { before: "x", after: "y" } });
    expect(diff(null, { a: 1 })).toEqual({ a: { before: null, after: 1 } });
    expect(diff({ tags: ["a"] }, { tags: ["a"] })).toEqual({});
  });

  it("coerces attribute values by type", () => {
    const def = (type: "text" | "number" | "date" | "boolean" | "enum", options: string[] = []) => ({ key: "k", label: "K", type, options, required: false });
    expect(coerceAttributeValue(def("number"), "12.5")).toEqual({ value: 12.5 });
    expect(coerceAttributeValue(def("number"), "")).toHaveProperty("error");
    expect(coerceAttributeValue(def("date"), "2028-02-29")).toEqual({ value: "2028-02-29" });
    expect(coerceAttributeValue(def("date"), "2027-02-29")).toHaveProperty("error");
    expect(coerceAttributeValue(def("boolean"), "on")).toEqual({ value: true });
    expect(coerceAttributeValue(def("enum", ["a"]), "b")).toHaveProperty("error");
  });

  it("round-trips cursors and rejects forged ones", () => {
    expect(decodeCursor(encodeCursor(["Zoé", "cus_1"]), 2)).toEqual(["Zoé", "cus_1"]);
    expect(() => decodeCursor("!!!", 2)).toThrow(AppError);
    expect(() => decodeCursor(encodeCursor(["only one"]), 2)).toThrow(AppError);
  });

  it("makes sortable prefixed ids, monotonic within a millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => ulid(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(newId("customer")).toMatch(/^cus_[0-9a-z]{26}$/);
  });

  it("hashes passwords with stored parameters and a pepper", async () => {
    const hash = await hashPassword("long enough password", "pepper", 1000);
    expect(hash).toMatch(/^pbkdf2-sha256\$1000\$/);
    expect(await verifyPassword("long enough password", "pepper", hash)).toBe(true);
    expect(await verifyPassword("long enough password", "other pepper", hash)).toBe(false);
    expect(await verifyPassword("wrong", "pepper", hash)).toBe(false);
    expect(needsRehash(hash)).toBe(true);
    expect(await verifyPassword("x", "pepper", "md5$abc")).toBe(false);
  });
});

describe("access tokens verified once per isolate", () => {
  const secret = "unit-test-secret-0123456789abcdef";
  it("answers a token from memory only while it is valid, and never for another token or secret", async () => {
    const issued = Math.floor(Date.now() / 1000);
    const token = await signAccessToken(secret, { sub: "usr_1", sid: "ses_1" }, issued);
    expect(await verifyAccessToken(secret, token)).toEqual({ sub: "usr_1", sid: "ses_1", cid: null });
    // Remembered, but not past its expiry.
    expect(await verifyAccessToken(secret, token, (issued + ACCESS_TOKEN_TTL_SECONDS - 1) * 1000)).toEqual({ sub: "usr_1", sid: "ses_1", cid: null });
    expect(await verifyAccessToken(secret, token, (issued + ACCESS_TOKEN_TTL_SECONDS + 1) * 1000)).toBeNull();
    // Another secret, or the same token with its signature altered, is checked again (and refused).
    expect(await verifyAccessToken(`${secret}-rotated`, token)).toBeNull();
    const [header, payload, signature = ""] = token.split(".");
    const tampered = `${header}.${payload}.${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    expect(await verifyAccessToken(secret, tampered)).toBeNull();
    // A forged payload under the remembered signature is another string: refused.
    const forged = `${header}.${btoa(JSON.stringify({ sub: "usr_admin", sid: "ses_1", typ: "access" })).replace(/=+$/, "")}.${signature}`;
    expect(await verifyAccessToken(secret, forged)).toBeNull();
  });
});

describe("service lifecycle actions are declared once", () => {
  it("offers an action only from the statuses the state machine allows and to those holding its permission", () => {
    const all = () => true;
    expect(availableActions("active", all)).toEqual(["suspend", "terminate"]);
    expect(availableActions("suspended", all)).toEqual(["resume", "terminate"]);
    expect(availableActions("failed", all)).toEqual(["retry"]);
    expect(availableActions("terminated", all)).toEqual([]);
    expect(availableActions("failed", (p) => p === "services:write")).toEqual([]);
    expect(availableActions("active", (p) => p === "services:provision")).toEqual([]);
    expect(SERVICE_ACTIONS.terminate.confirm).toMatch(/Terminate/);
  });
});

describe("outcomes of the ServiceState object are never dropped", () => {
  it("unwrap throws the typed error; applied accepts a service that moved on and throws anything else", () => {
    expect(unwrap({ ok: true, value: 1, replayed: false })).toBe(1);
    expect(() => unwrap({ ok: false, error: { status: 409, message: "moved on" } })).toThrow(AppError);
    expect(applied({ ok: true, value: 2, replayed: true }, "test")).toBe(2);
    expect(applied({ ok: false, error: { status: 409, message: "Cannot activate a service that is terminated." } }, "test")).toBeNull();
    expect(applied({ ok: false, error: { status: 404, message: "gone" } }, "test")).toBeNull();
    expect(() => applied({ ok: false, error: { status: 422, message: "bad", errors: [{ path: "currency", message: "x" }] } }, "test")).toThrow(
      expect.objectContaining({ status: 422, errors: [{ path: "currency", message: "x" }] }),
    );
  });
});
