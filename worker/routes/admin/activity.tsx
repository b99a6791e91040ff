import { Hono } from "hono";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import { activitySubjects, matchSubjects } from "../../db/queries/activity-subjects";
import { periodOf } from "../../domain/activity/filters";
import type { AppEnv } from "../../env";
import { localiseError } from "../../i18n/form-errors";
import { t } from "../../i18n/request-locale";
import { can } from "../../middleware/access";
import { ActivityFilters, ActivityLogTable } from "../../views/activity";
import { PageHeader, Pager } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

const Query = z.object({
  q: z.string().max(200).optional().catch(undefined),
  from: z.string().max(40).optional().catch(undefined),
  to: z.string().max(40).optional().catch(undefined),
  kind: z.enum(["all", "business"]).optional().catch(undefined),
  entity: z.string().max(40).optional().catch(undefined),
  entity_id: z.string().max(64).optional().catch(undefined),
  actor: z.string().max(64).optional().catch(undefined),
  action: z.string().max(60).optional().catch(undefined),
  customer_id: z.string().max(64).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

export const activityPages = new Hono<AppEnv>().get("/activity", can("activity:read"), async (c) => {
  const q = Query.parse(c.req.query());
  const ctx = pageContext(c);
  const tz = ctx.settings.default_timezone;
  const db = c.get("db");
  const period = periodOf(q.from || undefined, q.to || undefined, tz);
  const typed = q.q?.trim() || undefined;
  // Dates that are not dates are refused with the form and its messages (nothing is listed).
  const subjects = period.ok && typed ? await matchSubjects(db, typed) : undefined;
  const page = period.ok
    ? await listActivity(db, {
        entity: q.entity || undefined,
        entityId: q.entity_id || undefined,
        actor: q.actor || undefined,
        action: q.action || undefined,
        customerId: q.customer_id || undefined,
        business: q.kind === "business",
        ...period.period,
        subjects,
        limit: 50,
        cursor: q.cursor,
      })
    : { data: [], next_cursor: null };
  const names = await activitySubjects(db, page.data);
  const { cursor: _cursor, ...params } = q;
  const dateErrors = period.ok ? {} : Object.fromEntries(Object.entries(period.errors).map(([k, v]) => [k, localiseError(v)]));
  return c.html(
    <Layout ctx={ctx} title={t("overview.activity.title")} wide>
      <PageHeader title={t("overview.activity.title")} subtitle={t("overview.activity.subtitle")} />
      <ActivityFilters values={q} errors={dateErrors} timeZone={tz} />
      {!period.ok && (
        <div class="alert error" role="alert">
          {t("overview.activity.correct_dates", { errors: Object.values(dateErrors).join("; ") })}
        </div>
      )}
      <section class="card">
        <ActivityLogTable
          entries={page.data}
          subjects={names}
          timeZone={tz}
          empty={
            typed && subjects && subjects.entities.length + subjects.customerIds.length === 0
              ? t("overview.activity.nothing_called", { q: typed })
              : t("overview.activity.no_match")
          }
        />
        <Pager baseUrl="/admin/activity" params={params} nextCursor={page.next_cursor} hasCursor={Boolean(q.cursor)} />
      </section>
    </Layout>,
    period.ok ? 200 : 400,
  );
});
