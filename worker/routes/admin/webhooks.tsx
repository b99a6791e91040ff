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
    <Layout ctx={props.ctx} title="Webhooks">
      <PageHeader title="Webhooks" subtitle="Events sent to integrators' endpoints, signed (OpenBSS-Signature), retried with backoff" />
      {props.secret && (
        <div class="alert success" role="status" id="webhook-secret">
          Endpoint created. Its signing secret is shown this once — copy it now: <code>{props.secret.secret}</code>
        </div>
      )}
      <section class="card">
        <Table
          rows={props.endpoints}
          empty={<EmptyState title="No webhook endpoint yet." />}
          columns={[
            { header: "URL", cell: (w) => <a href={`/admin/webhooks/${w.id}`}>{w.url}</a> },
            { header: "Events", cell: (w) => w.events.join(", ") },
            { header: "Status", cell: (w) => <Badge value={w.status} /> },
            { header: "Created", cell: (w) => <Time iso={w.created_at} timeZone={props.ctx.settings.default_timezone} dateOnly /> },
          ]}
        />
      </section>
      <form method="post" action="/admin/webhooks" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <h2 class="span-2">New endpoint</h2>
        <div class="span-2">
          <ErrorSummary errors={e} message={props.message} />
        </div>
        <Field name="url" label="URL" value={props.values?.url} error={e.url} required hint="https://… (http:// only for 127.0.0.1)" />
        <Field name="description" label="Description" value={props.values?.description} error={e.description} />
        <fieldset class="span-2">
          <legend>Events {e.events && <span class="field-error">{e.events}</span>}</legend>
          {WEBHOOK_EVENT_TYPES.map((t) => (
            <label class="checkbox">
              <input type="checkbox" name="events" value={t} checked={props.values?.events?.includes(t)} /> {t}
            </label>
          ))}
        </fieldset>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            Add endpoint
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
    if (!parsed.ok) return endpointsPage(c, { errors: parsed.errors, message: "Please correct the highlighted fields.", values }, 422);
    const made = await createEndpoint(writeContext(c), c.env.ENCRYPTION_KEY, parsed.data);
    // The secret is rendered in this response only (never stored in clear, never in a URL).
    return endpointsPage(c, { secret: { id: made.id, secret: made.secret } });
  })
  .get("/webhooks/:id", can("webhooks:manage"), async (c) => {
    const endpoint = await getEndpoint(c.get("db"), c.req.param("id"));
    if (!endpoint) throw new NotFound("No webhook endpoint with this id.");
    const cursor = c.req.query("cursor")?.slice(0, 100);
    const deliveries = await listDeliveries(c.get("db"), endpoint.id, 50, cursor);
    const ctx = pageContext(c);
    const done = c.req.query("done");
    return c.html(
      <Layout ctx={ctx} title={endpoint.url}>
        <PageHeader title={endpoint.url} back={{ href: "/admin/webhooks", label: "Webhooks" }} subtitle={<Badge value={endpoint.status} />} />
        {done === "replayed" && (
          <div class="alert success" role="status">
            Queued again: it is sent within a minute.
          </div>
        )}
        <section class="card">
          <p>Events: {endpoint.events.join(", ")}</p>
          <form method="post" action={`/admin/webhooks/${endpoint.id}/status`} class="inline">
            <CsrfField token={ctx.csrfToken} />
            <input type="hidden" name="status" value={endpoint.status === "active" ? "disabled" : "active"} />
            <button type="submit" class="button">
              {endpoint.status === "active" ? "Disable" : "Enable"}
            </button>
          </form>{" "}
          <form
            method="post"
            action={`/admin/webhooks/${endpoint.id}/delete`}
            class="inline"
            hx-confirm="Delete this endpoint? Pending deliveries are dropped."
          >
            <CsrfField token={ctx.csrfToken} />
            <button type="submit" class="button danger">
              Delete
            </button>
          </form>
        </section>
        <section class="card">
          <h2>Deliveries</h2>
          <Table
            rows={deliveries.data}
            empty={<EmptyState title="Nothing delivered yet." />}
            rowClass={(d) => (d.status === "failed" ? "failed" : undefined)}
            columns={[
              { header: "Event", cell: (d) => `${d.event_type} ${d.event_id}` },
              { header: "Status", cell: (d) => <Badge value={d.status} /> },
              { header: "Attempts", class: "num", cell: (d) => d.attempts },
              { header: "Last answer", cell: (d) => d.last_error ?? (d.last_status_code ? `HTTP ${d.last_status_code}` : "—") },
              { header: "Next attempt", cell: (d) => (d.next_attempt_at ? <Time iso={d.next_attempt_at} timeZone={ctx.settings.default_timezone} /> : "—") },
              {
                header: <span class="visually-hidden">Replay</span>,
                class: "row-actions",
                cell: (d) => (
                  <form method="post" action={`/admin/webhook-deliveries/${d.id}/replay`} class="inline">
                    <CsrfField token={ctx.csrfToken} />
                    <button type="submit" class="button small">
                      Replay
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
    return redirectWithNotice(c, `/admin/webhooks/${id}`, `Webhook endpoint ${endpoint.url} ${status === "active" ? "enabled" : "disabled"}.`);
  })
  .post("/webhooks/:id/delete", can("webhooks:manage"), async (c) => {
    const endpoint = await getEndpoint(c.get("db"), c.req.param("id"));
    await deleteEndpoint(writeContext(c), c.req.param("id"));
    return redirectWithNotice(c, "/admin/webhooks", `Webhook endpoint ${endpoint?.url ?? c.req.param("id")} deleted.`);
  })
  .post("/webhook-deliveries/:id/replay", can("webhooks:manage"), async (c) => {
    const result = await attempt(() => replayDelivery(writeContext(c), c.req.param("id")));
    if (!result.ok) throw new NotFound("No webhook delivery with this id.");
    return redirectWithNotice(c, `/admin/webhooks/${result.data.endpoint_id}`, `Delivery ${c.req.param("id")} queued to be sent again.`);
  });
