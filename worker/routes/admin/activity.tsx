import { Hono } from "hono";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import type { AppEnv } from "../../env";
import { can } from "../../middleware/access";
import { ActivityTable, PageHeader, Pager, SelectField } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

const Query = z.object({
  entity: z.string().max(40).optional().catch(undefined),
  entity_id: z.string().max(64).optional().catch(undefined),
  actor: z.string().max(64).optional().catch(undefined),
  action: z.string().max(60).optional().catch(undefined),
  customer_id: z.string().max(64).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

const ENTITIES = ["customer", "contact", "site", "user", "session", "settings", "attribute_definition"];

export const activityPages = new Hono<AppEnv>().get("/activity", can("activity:read"), async (c) => {
  const q = Query.parse(c.req.query());
  const page = await listActivity(c.get("db"), {
    entity: q.entity || undefined,
    entityId: q.entity_id || undefined,
    actor: q.actor || undefined,
    action: q.action || undefined,
    customerId: q.customer_id || undefined,
    limit: 50,
    cursor: q.cursor,
  });
  const ctx = pageContext(c);
  const { cursor: _cursor, ...params } = q;
  return c.html(
    <Layout ctx={ctx} title="Activity log" wide>
      <PageHeader title="Activity log" subtitle="Every change, who made it and when. Entries can never be edited or removed." />
      <form class="filters" method="get" action="/admin/activity">
        <SelectField name="entity" label="Entity" value={q.entity} blank="Any" options={ENTITIES} />
        <div class="field">
          <label for="f-entity_id">Entity id</label>
          <input id="f-entity_id" name="entity_id" value={q.entity_id ?? ""} />
        </div>
        <div class="field">
          <label for="f-action">Action</label>
          <input id="f-action" name="action" value={q.action ?? ""} placeholder="customer.update" />
        </div>
        <div class="field">
          <label for="f-actor">Actor id</label>
          <input id="f-actor" name="actor" value={q.actor ?? ""} placeholder="usr_…" />
        </div>
        <div class="field">
          <label for="f-customer_id">Customer id</label>
          <input id="f-customer_id" name="customer_id" value={q.customer_id ?? ""} placeholder="cus_…" />
        </div>
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      <section class="card">
        <ActivityTable entries={page.data} timeZone={ctx.settings.default_timezone} showEntity />
        <Pager baseUrl="/admin/activity" params={params} nextCursor={page.next_cursor} hasCursor={Boolean(q.cursor)} />
      </section>
    </Layout>,
  );
});
