import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PLAYBOOKS, PlaybookNeeds } from "../worker/domain/catalog/playbooks";

const dir = new URL("../playbooks/", import.meta.url);
const builtInTypes = new Set(
  [...readFileSync(new URL("../migrations/0005_inventory_builtins.sql", import.meta.url), "utf8").matchAll(/VALUES \('([a-z_]+)'/g)].map((m) => m[1]),
);

describe("playbook needs files", () => {
  it("sit beside every playbook, parse, and are all known to the worker", () => {
    const playbooks = readdirSync(dir)
      .filter((f) => f.endsWith(".yml"))
      .map((f) => f.slice(0, -4))
      .sort();
    const needs = readdirSync(dir)
      .filter((f) => f.endsWith(".needs.json"))
      .map((f) => f.slice(0, -".needs.json".length))
      .sort();
    expect(needs).toEqual(playbooks);
    expect(Object.keys(PLAYBOOKS).sort()).toEqual(playbooks);
    for (const name of needs) {
      const parsed = PlaybookNeeds.safeParse(JSON.parse(readFileSync(new URL(`${name}.needs.json`, dir), "utf8")));
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      // Needs speak of the built-in inventory types, which every operator has.
      for (const group of parsed.data?.inventory ?? []) for (const type of group) expect(builtInTypes.has(type), `${name}: ${type}`).toBe(true);
    }
  });

  it("declare every product variable the playbook reads", () => {
    for (const name of Object.keys(PLAYBOOKS)) {
      const yml = readFileSync(new URL(`${name}.yml`, dir), "utf8");
      const read = new Set([...yml.matchAll(/product\.provisioning_json_vars\.([a-z_]+)/g)].map((m) => m[1]));
      expect([...read].sort(), name).toEqual(Object.keys(PLAYBOOKS[name]?.vars ?? {}).sort());
    }
  });
});
