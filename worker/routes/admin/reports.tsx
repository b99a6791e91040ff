import { Hono } from "hono";
import { addMonths, monthOfDate } from "../../domain/billing/bill-runs/charges";
import { checkPeriod, taxReport, taxReportCsv } from "../../domain/billing/reports/tax-report";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { can } from "../../middleware/access";
import { TaxReportPage } from "../../views/tax-report";
import { pageContext } from "./context";
import { attempt } from "./forms";

export const reportPages = new Hono<AppEnv>()
  .get("/reports/tax.csv", can("billing:read"), async (c) => {
    const result = await attempt(async () => taxReport(c.get("db"), checkPeriod(c.req.query("period_start"), c.req.query("period_end"))));
    if (!result.ok) return c.text(result.message ?? t("billing.error.period_needed"), 422);
    return new Response(taxReportCsv(result.data), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="tax-report-${result.data.period_start}-${result.data.period_end}.csv"`,
        "cache-control": "no-store",
      },
    });
  })
  .get("/reports/tax", can("billing:read"), async (c) => {
    const asked = { start: c.req.query("period_start"), end: c.req.query("period_end") };
    // Last month by default.
    const period = asked.start || asked.end ? { start: asked.start ?? "", end: asked.end ?? "" } : addMonths(monthOfDate(new Date().toISOString()), -1);
    const result = await attempt(async () => taxReport(c.get("db"), checkPeriod(period.start, period.end)));
    if (!result.ok) return c.html(<TaxReportPage ctx={pageContext(c)} period={period} report={null} errors={result.errors} message={result.message} />, 422);
    return c.html(<TaxReportPage ctx={pageContext(c)} period={period} report={result.data} errors={{}} />);
  });
