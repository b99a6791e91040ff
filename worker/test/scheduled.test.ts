import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../index";
import { runScheduled } from "../scheduled";

describe("the minute cron", () => {
  it("runs every task through the scheduled handler and logs each outcome", async () => {
    const ctx = createExecutionContext();
    const logs: string[] = [];
    const log = console.log;
    console.log = (line: unknown) => logs.push(String(line));
    try {
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    } finally {
      console.log = log;
    }
    const tasks = logs.flatMap((l) => (l.includes('"scheduled task"') ? [JSON.parse(l) as { task: string; ok: boolean; error?: string }] : []));
    expect(tasks.map((t) => t.task)).toEqual([
      "purge_idempotency_keys",
      "sweep_inventory",
      "sweep_jobs",
      "queue_usage_syncs",
      "queue_nightly_reconciliation",
      "send_emails",
      "send_sms",
    ]);
    expect(tasks.filter((t) => !t.ok), JSON.stringify(tasks)).toEqual([]);
  });

  it("keeps going when one task fails", async () => {
    const broken = { ...env, DB: new Proxy(env.DB, {}) } as Env;
    const outcomes = await runScheduled({ ...broken, MAILJET_API_BASE: "not a url" } as Env);
    expect(outcomes).toHaveLength(7);
  });
});
