import type { Context } from "hono";
import { Hono } from "hono";
import { listStuckWrites } from "../../db/queries/stuck-writes";
import { resolveStuckWrite } from "../../domain/services/stuck-writes";
import type { AppEnv } from "../../env";
import { allowed, can, writeContext } from "../../middleware/access";
import { Badge, EmptyState, PageHeader, Pager, ResolutionForm, Table, Time } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, text } from "./forms";

async function stuckWritesPage(c: Context<AppEnv>, message?: string, status: 200 | 409 | 422 = 200) {
  const ctx = pageContext(c);
  const showHandled = c.req.query("status") === "handled";
  const cursor = c.req.query("cursor")?.slice(0, 40);
  const { data: page, next_cursor: next } = await listStuckWrites(c.get("db"), { handled: showHandled, cursor, limit: 50 });
  const canResolve = allowed(c, "jobs:retry");
  const tz = ctx.settings.default_timezone;
  return c.html(
    <Layout ctx={ctx} title="Stuck writes">
      <PageHeader
        title="Stuck writes"
        back={{ href: "/admin/jobs", label: "Provisioning jobs" }}
        subtitle="Changes a service's state object made that the database refused. The object set each aside, undid what it could, and carried on."
      />
      {message && (
        <div class="alert error" role="alert">
          {message}
        </div>
      )}
      <nav class="tabs" aria-label="Filter">
        <a href="/admin/stuck-writes" class={showHandled ? undefined : "active"} aria-current={showHandled ? undefined : "page"}>
          Open
        </a>
        <a href="/admin/stuck-writes?status=handled" class={showHandled ? "active" : undefined} aria-current={showHandled ? "page" : undefined}>
          Handled
        </a>
      </nav>
      <Table
        id="stuck-writes"
        rows={page}
        empty={<EmptyState title={showHandled ? "Nothing handled yet." : "No stuck writes."}>Every change of every service reached the database.</EmptyState>}
        rowAttributes={(w) => ({ "data-stuck-write": w.id })}
        columns={[
          {
            header: "Service",
            cell: (w) => (
              <a href={`/admin/services/${w.serviceId}`}>
                <code>{w.serviceId}</code>
              </a>
            ),
          },
          { header: "When", class: "nowrap", cell: (w) => <Time iso={w.createdAt} timeZone={tz} /> },
          {
            header: "Refused change",
            class: "small",
            cell: (w) => (
              <>
                {w.summary}
                <div class="muted">
                  <code>{w.opKey.length > 40 ? `${w.opKey.slice(0, 38)}…` : w.opKey}</code>
                </div>
              </>
            ),
          },
          { header: "Database error", class: "small", cell: (w) => w.error },
          { header: "Undone", class: "small", cell: (w) => w.rolledBack ?? <span class="muted">nothing</span> },
          {
            header: showHandled ? "Handled" : "",
            cell: (w) =>
              w.resolvedAt ? (
                <span class="small">
                  <Badge value="resolved" /> {w.resolvedBy}: {w.resolution}
                </span>
              ) : (
                canResolve && (
                  <ResolutionForm action={`/admin/stuck-writes/${w.id}/resolve`} csrfToken={ctx.csrfToken} inputId={`res-${w.id}`} submit="Mark handled" />
                )
              ),
          },
        ]}
      />
      <Pager baseUrl="/admin/stuck-writes" params={{ status: showHandled ? "handled" : undefined }} nextCursor={next} hasCursor={Boolean(cursor)} />
    </Layout>,
    status,
  );
}

export const stuckWritePages = new Hono<AppEnv>()
  .get("/stuck-writes", can("jobs:read"), (c) => stuckWritesPage(c))
  .post("/stuck-writes/:id/resolve", can("jobs:retry"), async (c) => {
    const body = await readForm(c);
    const resolution = (text(body, "resolution") ?? "").trim();
    if (resolution.length < 3) return stuckWritesPage(c, "Say what was done about it (at least 3 characters).", 422);
    const result = await attempt(() => resolveStuckWrite(writeContext(c), c.req.param("id"), resolution.slice(0, 500)));
    if (!result.ok) return stuckWritesPage(c, result.message, 409);
    return redirectWithNotice(c, "/admin/stuck-writes", "Stuck write marked handled.");
  });
