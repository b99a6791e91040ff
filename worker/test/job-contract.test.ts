import { describe, expect, it } from "vitest";
import { JOB_PAYLOADS, JOB_STATUSES, JOB_TRANSITIONS, JOB_TYPES, JobTransitionError, jobTransition, parseOutputs, parsePayload } from "../domain/jobs/contract";

describe("the job contract", () => {
  it("allows only the state machine's moves", () => {
    expect(jobTransition(["pending"], "ready")).toEqual(["pending"]);
    expect(jobTransition(["ready", "leased"], "leased")).toEqual(["ready", "leased"]);
    expect(jobTransition(["dead", "failed"], "ready")).toEqual(["dead", "failed"]);
    for (const [from, to] of [
      ["succeeded", "ready"],
      ["pending", "leased"],
      ["ready", "succeeded"],
      ["failed", "succeeded"],
      ["dead", "leased"],
    ] as const) {
      expect(() => jobTransition([from], to), `${from} → ${to}`).toThrow(JobTransitionError);
    }
    // Every status has its row, and finished jobs go nowhere but (failed/dead) back to ready.
    expect(Object.keys(JOB_TRANSITIONS).sort()).toEqual([...JOB_STATUSES].sort());
    expect(JOB_TRANSITIONS.succeeded).toEqual([]);
  });

  it("has a payload schema per job type, and reads payloads through it", () => {
    expect(Object.keys(JOB_PAYLOADS).sort()).toEqual([...JOB_TYPES].sort());
    expect(parsePayload("topup", { service_id: "svc_1", top_up_keys: [] })).toBeNull();
    expect(parsePayload("topup", { service_id: "svc_1", top_up_keys: ["topup:k"], charge_key: "topup:svc_1:k" })).toMatchObject({ credits: [] });
    expect(parsePayload("modify", { service_id: "svc_1", change: "addon" })).toBeNull();
    const plan = parsePayload("modify", {
      service_id: "svc_1",
      change: "plan",
      from: { product_id: "p1", version_id: "v1" },
      to: { product_id: "p2", version_id: "v2" },
    });
    expect(plan).toMatchObject({ remove_balances: [], grants: [] });
  });

  it("keeps the parts of a runner's outputs that fit and leaves the rest out", () => {
    const outputs = parseOutputs({
      identifiers: { msisdn: "+33612345678" },
      usage: [{ day: "not a day", unit: "data", amount: 1 }],
      config: { item_id: "inv_1", content: "x" },
      extra: true,
    });
    expect(outputs.identifiers).toEqual({ msisdn: "+33612345678" });
    expect(outputs.config).toEqual({ item_id: "inv_1", content: "x" });
    expect(outputs.usage).toEqual([]);
    expect(
      parseOutputs({
        usage: [
          { day: "2026-11-30", unit: "data", amount: 5 },
          { day: "x", unit: "data", amount: 1 },
        ],
      }).usage,
    ).toEqual([{ day: "2026-11-30", unit: "data", amount: 5 }]);
    expect(parseOutputs(null)).toEqual({});
  });
});
