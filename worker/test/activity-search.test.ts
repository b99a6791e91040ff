import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, ensureUser, unique } from "./helpers";

describe("activity log", () => {
  it("records every mutation with actor, entity, diff and request id", async () => {
    const { id: adminId } = await ensureUser("admin");
    const created = await api("POST", "/customers", { body: { name: unique("Audited"), type: "individual" }, headers: { "x-request-id": "req-audit-test-1" } });
    const id = created.body.id;
    await api("PATCH", `/customers/${id}`, { body: { notes: "hello" } });
    await api("PUT", `/customers/${id}/tags`, { body: ["audit"] });
    await api("POST", `/customers/${id}/suspend`);
    const contact = await api("POST", `/customers/${id}/contacts`, { body: { first_name: "Kim", email: "kim@example.com" } });
    await api("DELETE", `/contacts/${contact.body.id}`);
    const log = await api("GET", `/customers/${id}/activity`);
    expect(log.status).toBe(200);
    const actions = log.body.data.map((a: { action: string }) => a.action);
    expect(actions).toEqual(["contact.delete", "contact.create", "customer.suspend", "customer.tags", "customer.update", "customer.create"]);
    const first = log.body.data.at(-1);
    expect(first).toMatchObject({ actor: { type: "user", id: adminId }, entity: "customer", entity_id: id, request_id: "req-audit-test-1" });
    expect(first.changes.name).toEqual({ before: null, after: created.body.name });
    const update = log.body.data.find((a: { action: string }) => a.action === "customer.update");
    expect(update.changes).toEqual({ notes: { before: null, after: "hello" } });
    const deletion = log.body.data[0];
    expect(deletion.changes.email).toEqual({ before: "kim@example.com", after: null });
    const filtered = await api("GET", `/activity?entity=customer&entity_id=${id}&action=customer.suspend`);
    expect(filtered.body.data).toHaveLength(1);
    const byActor = await api("GET", `/activity?actor=${adminId}&limit=5`);
    expect(byActor.body.data.every((a: { actor: { id: string } }) => a.actor.id === adminId)).toBe(true);
  });

  it("is append-only: the database refuses UPDATE and DELETE", async () => {
    await api("POST", "/customers", { body: { name: unique("Immutable"), type: "individual" } });
    const row = await env.DB.prepare("SELECT id FROM activity_log ORDER BY id DESC LIMIT 1").first<{ id: string }>();
    expect(row).not.toBeNull();
    await expect(env.DB.prepare("UPDATE activity_log SET action = 'forged' WHERE id = ?").bind(row?.id).run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM activity_log WHERE id = ?").bind(row?.id).run()).rejects.toThrow(/append-only/);
    const still = await env.DB.prepare("SELECT action FROM activity_log WHERE id = ?").bind(row?.id).first<{ action: string }>();
    expect(still?.action).toBe("customer.create");
  });
});

describe("global search", () => {
  it("finds customers, contacts and sites by prefix, best match first", async () => {
    const word = `Zyx${Date.now().toString(36)}`;
    const c = await api("POST", "/customers", { body: { name: `${word}ington Holdings`, type: "business" } });
    const other = await api("POST", "/customers", { body: { name: unique("Plain Co"), type: "business" } });
    await api("POST", `/customers/${other.body.id}/sites`, { body: { name: "Depot", address_line1: `12 ${word}ington Street`, city: "Lyon", country: "FR" } });
    await api("POST", `/customers/${other.body.id}/contacts`, {
      body: { first_name: "Ann", last_name: `${word}ington`, email: `ann@${word.toLowerCase()}.example` },
    });
    const res = await api("GET", `/search?q=${word.slice(0, 6)}`);
    expect(res.status).toBe(200);
    const types = res.body.data.map((h: { type: string }) => h.type);
    expect(types).toHaveLength(3);
    expect(new Set(types)).toEqual(new Set(["customer", "contact", "site"]));
    // The site mentions the word only in its address (subtitle): it ranks below title matches.
    expect(types.at(-1)).toBe("site");
    expect(res.body.data.find((h: { type: string }) => h.type === "customer")).toMatchObject({ id: c.body.id, url: `/api/v1/customers/${c.body.id}` });
    const onlyContacts = await api("GET", `/search?q=${word}&types=contact`);
    expect(onlyContacts.body.data.map((h: { type: string }) => h.type)).toEqual(["contact"]);
    const byEmail = await api("GET", `/search?q=ann@${word.toLowerCase()}`);
    expect(byEmail.body.data[0].type).toBe("contact");
  });

  it("keeps the index in step with renames and deletions", async () => {
    const old = `Qwo${Date.now().toString(36)}`;
    const renamed = `Vrk${Date.now().toString(36)}`;
    const c = await api("POST", "/customers", { body: { name: `${old} Ltd`, type: "business" } });
    const contact = await api("POST", `/customers/${c.body.id}/contacts`, { body: { first_name: "Bo", email: "bo@example.com" } });
    await api("PATCH", `/customers/${c.body.id}`, { body: { name: `${renamed} Ltd` } });
    expect((await api("GET", `/search?q=${old}`)).body.data).toHaveLength(0);
    const hits = (await api("GET", `/search?q=${renamed}`)).body.data;
    // The contact's document mentions its customer's name and follows the rename.
    expect(hits.map((h: { id: string }) => h.id).sort()).toEqual([c.body.id, contact.body.id].sort());
    await api("DELETE", `/contacts/${contact.body.id}`);
    expect((await api("GET", `/search?q=${renamed}`)).body.data.map((h: { id: string }) => h.id)).toEqual([c.body.id]);
  });

  it("never matches entity types or id prefixes, and answers one-letter queries with title matches", async () => {
    const word = `Kqz${Date.now().toString(36)}`;
    const c = await api("POST", "/customers", { body: { name: `${word} Holdings`, type: "business" } });
    await api("POST", `/customers/${c.body.id}/sites`, { body: { name: "Depot", address_line1: "1 Rue A", city: "Lyon", country: "FR" } });
    // "site" and "cus" are words of the index's plumbing (entity type, id prefix), not of the data.
    expect((await api("GET", `/search?q=${word}`)).body.data).toHaveLength(2);
    expect((await api("GET", `/search?q=${word} site`)).body.data).toHaveLength(0);
    expect((await api("GET", `/search?q=${word} cus`)).body.data).toHaveLength(0);
    const byId = await api("GET", `/search?q=${c.body.id}`);
    expect(byId.body.data.map((h: { id: string }) => h.id)).toContain(c.body.id);
    const short = await api("GET", "/search?q=k&limit=50");
    expect(short.status).toBe(200);
    expect(short.body.data.every((h: { title: string }) => /(^|\W)k/i.test(h.title))).toBe(true);
  });

  it("treats search syntax as plain text and validates parameters", async () => {
    for (const q of ['"', "*", "AND OR NOT", "a:b", "(x", "NEAR(a b)", "^", "'; DROP TABLE customers; --"]) {
      const res = await api("GET", `/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect((await api("GET", "/search")).status).toBe(400);
    expect((await api("GET", "/search?q=x&types=invoice")).status).toBe(400);
    expect((await api("GET", "/search?q=x&limit=500")).status).toBe(400);
  });
});
