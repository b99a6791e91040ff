/**
 * The CBC's per-cell results of an alert. osmo-cbc reports them only in its VTY (`show message id N`:
 * per peer, the cells installed, failed with a CBSP cause, and broadcasts completed); the runner reads
 * them after sending and on each `status` job, and reports them in the job's outputs. Untrusted:
 * parsed here, and a part that does not fit is left out.
 */
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db, Statement } from "../../db/client";
import { broadcastCellResults } from "../../db/schema";
import type { WriteContext } from "../context";

const cell = z.string().min(1).max(64);
const count = z.number().int().min(0).max(1_000_000);
const Peer = z.looseObject({
  peer: z.string().min(1).max(100),
  installed: z.array(cell).max(10_000).default([]),
  failed: z
    .array(z.looseObject({ cell, cause: z.number().int().min(0).max(255) }))
    .max(10_000)
    .default([]),
  completed: z
    .array(z.looseObject({ cell, done: count, of: count }))
    .max(10_000)
    .default([]),
});
const Report = z.looseObject({
  message_id: z.number().int().min(0).max(65535),
  cells: z.looseObject({ peers: z.array(Peer).max(1000) }).optional(),
});
const Outputs = z.looseObject({ broadcast: z.looseObject({ results: z.array(z.unknown()).max(100) }) });

/** CBSP causes (TS 48.049 §8.2.6) by number, for the page. */
export const CBSP_CAUSES: Record<number, string> = {
  0: "parameter not recognised",
  1: "parameter value invalid",
  2: "message reference not identified",
  3: "cell identity not valid",
  4: "unrecognised message",
  5: "missing mandatory element",
  6: "BSC capacity exceeded",
  7: "cell memory exceeded",
  8: "BSC memory exceeded",
  9: "cell broadcast not supported",
  10: "cell broadcast not operational",
};

type Row = typeof broadcastCellResults.$inferInsert;

/** The reported cells of one message, as rows. */
function rowsOf(broadcastId: string, report: z.infer<typeof Report>, now: string): Row[] {
  const rows = new Map<string, Row>();
  for (const peer of report.cells?.peers ?? []) {
    const base = { broadcastId, messageId: report.message_id, peer: peer.peer, reportedAt: now, cause: null, completed: null, requested: null };
    for (const c of peer.installed) rows.set(`${peer.peer}/${c}`, { ...base, cell: c, result: "installed" });
    for (const f of peer.failed) rows.set(`${peer.peer}/${f.cell}`, { ...base, cell: f.cell, result: "failed", cause: f.cause });
    for (const done of peer.completed) {
      const row = rows.get(`${peer.peer}/${done.cell}`);
      if (row) Object.assign(row, { completed: done.done, requested: done.of });
    }
  }
  return [...rows.values()];
}

/** Upserts of the per-cell results a broadcast job reported (none when it reported none). */
export function cellResultStatements(ctx: WriteContext, broadcastId: string, outputs: unknown): Statement[] {
  const parsed = Outputs.safeParse(outputs);
  if (!parsed.success) return [];
  const rows = parsed.data.broadcast.results.flatMap((r) => {
    const report = Report.safeParse(r);
    return report.success ? rowsOf(broadcastId, report.data, ctx.now) : [];
  });
  const statements: Statement[] = [];
  // D1 binds at most 100 parameters a statement: nine columns, ten rows.
  for (let i = 0; i < rows.length; i += 10) {
    statements.push(
      ctx.db
        .insert(broadcastCellResults)
        .values(rows.slice(i, i + 10))
        .onConflictDoUpdate({
          target: [broadcastCellResults.broadcastId, broadcastCellResults.messageId, broadcastCellResults.peer, broadcastCellResults.cell],
          set: {
            result: sql`excluded.result`,
            cause: sql`excluded.cause`,
            completed: sql`excluded.completed`,
            requested: sql`excluded.requested`,
            reportedAt: sql`excluded.reported_at`,
          },
        }),
    );
  }
  return statements;
}

export type CellResultView = {
  message_id: number;
  peer: string;
  cell: string;
  result: "installed" | "failed";
  cause: number | null;
  cause_text: string | null;
  completed: number | null;
  requested: number | null;
  reported_at: string;
};

/** The latest per-cell results of an alert, by message and cell. */
export async function cellResults(db: Db, broadcastId: string): Promise<CellResultView[]> {
  const rows = await db
    .select()
    .from(broadcastCellResults)
    .where(eq(broadcastCellResults.broadcastId, broadcastId))
    .orderBy(asc(broadcastCellResults.messageId), asc(broadcastCellResults.cell));
  return rows.map((r) => ({
    message_id: r.messageId,
    peer: r.peer,
    cell: r.cell,
    result: r.result,
    cause: r.cause,
    cause_text: r.cause === null ? null : (CBSP_CAUSES[r.cause] ?? `cause ${r.cause}`),
    completed: r.completed,
    requested: r.requested,
    reported_at: r.reportedAt,
  }));
}

/**
 * Counts for the alert page: the target cells installed, failed, not reported; and the cells outside
 * the area that reported it too (osmo-cbc's ECBE takes only a network-wide scope, so every cell of
 * its peers broadcasts an alert).
 */
export function resultSummary(targetCells: readonly string[], results: readonly CellResultView[]) {
  const target = new Set(targetCells);
  const failed = new Set(results.filter((r) => r.result === "failed").map((r) => r.cell));
  const installed = new Set(results.filter((r) => r.result === "installed" && !failed.has(r.cell)).map((r) => r.cell));
  const reported = new Set(results.map((r) => r.cell));
  const inArea = (cells: Set<string>) => [...cells].filter((c) => target.has(c)).length;
  return {
    installed: inArea(installed),
    failed: inArea(failed),
    not_reported: targetCells.filter((c) => !reported.has(c)).length,
    outside_area: [...installed].filter((c) => !target.has(c)).length,
  };
}
