import type { Context } from "hono";
import { Hono } from "hono";
import { monthFrom } from "../../domain/billing/bill-runs/charges";
import { createBillRun, getBillRun, listBillRuns } from "../../domain/billing/bill-runs/run";
import { BillRunCreate } from "../../domain/billing/bill-runs/schemas";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import { BillRunLive, BillRunPage, BillRunsPage } from "../../views/bill-runs";
import type { FormErrors } from "../../views/components";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, text, validate } from "./forms";

const PAGE = 25;

async function listPage(
  c: Context<AppEnv>,
  form: { values: { month?: string; issue?: boolean; send?: boolean }; errors: FormErrors; message?: string },
  status: 200 | 422 = 200,
) {
  const cursor = c.req.query("cursor");
  const rows = await listBillRuns(c.get("db"), PAGE + 1, cursor);
  const runs = rows.slice(0, PAGE);
  return c.html(
    <BillRunsPage
      ctx={pageContext(c)}
      runs={runs}
      nextCursor={rows.length > PAGE ? (runs.at(-1)?.id ?? null) : null}
      hasCursor={Boolean(cursor)}
      canWrite={allowed(c, "billing:write")}
      {...form}
    />,
    status,
  );
}

async function runOr404(c: Context<AppEnv>) {
  const run = await getBillRun(c.get("db"), c.req.param("id") ?? "");
  if (!run) throw new NotFound("No bill run with this id.");
  return run;
}

export const billRunPages = new Hono<AppEnv>()
  .get("/bill-runs", can("billing:read"), (c) => listPage(c, { values: {}, errors: {} }))
  .post("/bill-runs", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const month = text(body, "month") ?? "";
    const issue = text(body, "issue") === "1";
    const send = text(body, "send") === "1";
    const values = { month, issue, send };
    if (!/^\d{4}-\d{2}$/.test(month)) return listPage(c, { values, errors: { period_start: t("billing.error.month") } }, 422);
    // A month that does not exist (2031-13) has no last day: createBillRun names the field.
    const last = monthFrom(`${month}-01`)?.end ?? `${month}-31`;
    const parsed = validate(BillRunCreate, { period_start: `${month}-01`, period_end: last, issue, send });
    if (!parsed.ok) return listPage(c, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => createBillRun(writeContext(c), (ids) => serviceDeps(c.env).enqueue(ids), parsed.data));
    if (!result.ok) return listPage(c, { values, errors: result.errors, message: result.message }, 422);
    if (!result.data) return redirectWithNotice(c, "/admin/bill-runs", t("overview.notice.bill_run_exists", { month }));
    return redirectWithNotice(c, `/admin/bill-runs/${result.data.id}`, t("overview.notice.bill_run_started", { month }));
  })
  .get("/bill-runs/:id", can("billing:read"), async (c) => c.html(<BillRunPage ctx={pageContext(c)} run={await runOr404(c)} />))
  .get("/bill-runs/:id/live", can("billing:read"), async (c) =>
    c.html(<BillRunLive run={await runOr404(c)} timeZone={pageContext(c).settings.default_timezone} />),
  );
