import type { Context } from "hono";
import { Hono } from "hono";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  replayDelivery,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
  WebhookEndpointCreate,
} from "../../domain/webhooks/webhooks";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, Table, Time } from "../../views/components";
import { Layout, type PageContext } from "../../views/layout";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, list, readForm, text, validate } from "./forms";

function EndpointsPage(props: {
  ctx: PageContext;
  endpoints: Awaited<ReturnType<typeof listEndpoints>>;
  errors?: FormErrors;
  message?: string;
  values?: { url?: string; description?: string; events?: string[] };
  secret?: { id: string; secret: string };
}) {
  const e = props.errors ?? {};
  return (
    <Layout ctx={props.ctx} title={t("settings.webhooks.title")}>
      <PageHeader title={t("settings.webhooks.title")} subtitle={t("settings.webhooks.subtitle")} />
      {props.secret && (
        <div class="alert success" role="status" id="webhook-secret">
          {t("settings.webhooks.secret")} <code>{props.secret.secret}</code>
        </div>
      )}
      <section class="card">
        <Table
          rows={props.endpoints}
          empty={<EmptyState title={t("settings.webhooks.empty")} />}
          columns={[
            { header: "URL", cell: (w) => <a href={`/admin/webhooks/${w.id}`}>{w.url}</a> },
            { header: t("settings.webhooks.events"), cell: (w) => w.events.join(", ") },
            { header: t("settings.status"), cell: (w) => <Badge value={w.status} /> },
            { header: t("settings.webhooks.created"), cell: (w) => <Time iso={w.created_at} timeZone={props.ctx.settings.default_timezone} dateOnly /> },
          ]}
        />
      </section>
      <form method="post" action="/admin/webhooks" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <h2 class="span-2">{t("settings.webhooks.new")}</h2>
        <div class="span-2">
          <ErrorSummary errors={e} message={props.message} />
        </div>
        <Field name="url" label="URL" value={props.values?.url} error={e.url} required hint={t("settings.webhooks.url_hint")} />
        <Field name="description" label={t("settings.description")} value={props.values?.description} error={e.description} />
        <fieldset class="span-2">
          <legend>
            {t("settings.webhooks.events")} {e.events && <span class="field-error">{e.events}</span>}
          </legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label class="checkbox">
              <input type="checkbox" name="events" value={type} checked={props.values?.events?.includes(type)} /> {type}
            </label>
          ))}
        </fieldset>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("settings.webhooks.add")}
          </button>
        </div>
      </form>
    </Layout>
  );
}

async function endpointsPage(c: Context<AppEnv>, extra: Omit<Parameters<typeof EndpointsPage>[0], "ctx" | "endpoints"> = {}, status: 200 | 422 = 200) {
  return c.html(<EndpointsPage ctx={pageContext(c)} endpoints={await listEndpoints(c.get("db"))} {...extra} />, status);
}

export const webhookPages = new Hono<AppEnv>()
  .get("/webhooks", can("webhooks:manage"), (c) => endpointsPage(c))
  .post("/webhooks", can("webhooks:manage"), async (c) => {
    const body = await readForm(c);
    const values = { url: text(body, "url") ?? "", description: text(body, "description") ?? "", events: list(body, "events") };
    const parsed = validate(WebhookEndpointCreate, { url: values.url, events: values.events, description: values.description });
    if (!parsed.ok) return endpointsPage(c, { errors: parsed.errors, message: t("settings.webhooks.correct"), values }, 422);
    const made = await createEndpoint(writeContext(c), c.env.ENCRYPTION_KEY, parsed.data);
    // The secret is rendered in this response only (never stored in clear, never in a URL).
    return endpointsPage(c, { secret: { id: made.id, secret: made.secret } });
  })
  .get("/webhooks/:id", can("webhooks:manage"), async (c) => {
    const endpoint = await getEndpoint(c.get("db"), c.req.param("id"));
    if (!endpoint) throw new NotFound(t("settings.webhooks.error.no_endpoint"));
    const cursor = c.req.query("cursor")?.slice(0, 100);
    const deliveries = await listDeliveries(c.get("db"), endpoint.id, 50, cursor);
    const ctx = pageContext(c);
    const done = c.req.query("done");
    return c.html(
      <Layout ctx={ctx} title={endpoint.url}>
        <PageHeader title={endpoint.url} back={{ href: "/admin/webhooks", label: t("settings.webhooks.title") }} subtitle={<Badge value={endpoint.status} />} />
        {done === "replayed" && (
          <div class="alert success" role="status">
            {t("settings.webhooks.replayed")}
          </div>
        )}
        <section class="card">
          <p>{t("settings.webhooks.events_list", { events: endpoint.events.join(", ") })}</p>
          <form method="post" action={`/admin/webhooks/${endpoint.id}/status`} class="inline">
            <CsrfField token={ctx.csrfToken} />
            <input type="hidden" name="status" value={endpoint.status === "active" ? "disabled" : "active"} />
            <button type="submit" class="button">
              {endpoint.status === "active" ? t("settings.webhooks.disable") : t("settings.webhooks.enable")}
            </button>
          </form>{" "}
          <form method="post" action={`/admin/webhooks/${endpoint.id}/delete`} class="inline" hx-confirm={t("settings.webhooks.delete_confirm")}>
            <CsrfField token={ctx.csrfToken} />
            <button type="submit" class="button danger">
              {t("settings.delete")}
            </button>
          </form>
        </section>
        <section class="card">
          <h2>{t("settings.webhooks.deliveries")}</h2>
          <Table
            rows={deliveries.data}
            empty={<EmptyState title={t("settings.webhooks.no_deliveries")} />}
            rowClass={(d) => (d.status === "failed" ? "failed" : undefined)}
            columns={[
              { header: t("settings.webhooks.event"), cell: (d) => `${d.event_type} ${d.event_id}` },
              { header: t("settings.status"), cell: (d) => <Badge value={d.status} /> },
              { header: t("settings.webhooks.attempts"), class: "num", cell: (d) => d.attempts },
              { header: t("settings.webhooks.last_answer"), cell: (d) => d.last_error ?? (d.last_status_code ? `HTTP ${d.last_status_code}` : "—") },
              {
                header: t("settings.webhooks.next_attempt"),
                cell: (d) => (d.next_attempt_at ? <Time iso={d.next_attempt_at} timeZone={ctx.settings.default_timezone} /> : "—"),
              },
              {
                header: <span class="visually-hidden">{t("settings.webhooks.replay")}</span>,
                class: "row-actions",
                cell: (d) => (
                  <form method="post" action={`/admin/webhook-deliveries/${d.id}/replay`} class="inline">
                    <CsrfField token={ctx.csrfToken} />
                    <button type="submit" class="button small">
                      {t("settings.webhooks.replay")}
                    </button>
                  </form>
                ),
              },
            ]}
          />
          <Pager baseUrl={`/admin/webhooks/${endpoint.id}`} params={{}} nextCursor={deliveries.next_cursor} hasCursor={Boolean(cursor)} />
        </section>
      </Layout>,
    );
  })
  .post("/webhooks/:id/status", can("webhooks:manage"), async (c) => {
    const id = c.req.param("id");
    const status = text(await readForm(c), "status") === "disabled" ? "disabled" : "active";
    const endpoint = await updateEndpoint(writeContext(c), id, { status });
    return redirectWithNotice(
      c,
      `/admin/webhooks/${id}`,
      t(status === "active" ? "settings.webhooks.notice.enabled" : "settings.webhooks.notice.disabled", { url: endpoint.url }),
    );
  })
  .post("/webhooks/:id/delete", can("webhooks:manage"), async (c) => {
    const endpoint = await getEndpoint(c.get("db"), c.req.param("id"));
    await deleteEndpoint(writeContext(c), c.req.param("id"));
    return redirectWithNotice(c, "/admin/webhooks", t("settings.webhooks.notice.deleted", { url: endpoint?.url ?? c.req.param("id") }));
  })
  .post("/webhook-deliveries/:id/replay", can("webhooks:manage"), async (c) => {
    const result = await attempt(() => replayDelivery(writeContext(c), c.req.param("id")));
    if (!result.ok) throw new NotFound(t("settings.webhooks.error.no_delivery"));
    return redirectWithNotice(c, `/admin/webhooks/${result.data.endpoint_id}`, t("settings.webhooks.notice.replayed", { id: c.req.param("id") }));
  });
