import type { Context } from "hono";
import { Hono } from "hono";
import { listStuckWrites } from "../../db/queries/stuck-writes";
import { resolveStuckWrite } from "../../domain/services/stuck-writes";
import type { AppEnv } from "../../env";
import { allowed, can, writeContext } from "../../middleware/access";
import { Badge, CsrfField, EmptyState, PageHeader, Pager, Time } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";
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
      {page.length === 0 ? (
        <EmptyState title={showHandled ? "Nothing handled yet." : "No stuck writes."}>Every change of every service reached the database.</EmptyState>
      ) : (
        <table class="table" id="stuck-writes">
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">When</th>
              <th scope="col">Refused change</th>
              <th scope="col">Database error</th>
              <th scope="col">Undone</th>
              <th scope="col">{showHandled ? "Handled" : ""}</th>
            </tr>
          </thead>
          <tbody>
            {page.map((w) => (
              <tr data-stuck-write={w.id}>
                <td>
                  <a href={`/admin/services/${w.serviceId}`}>
                    <code>{w.serviceId}</code>
                  </a>
                </td>
                <td class="nowrap">
                  <Time iso={w.createdAt} timeZone={tz} />
                </td>
                <td class="small">
                  {w.summary}
                  <div class="muted">
                    <code>{w.opKey.length > 40 ? `${w.opKey.slice(0, 38)}…` : w.opKey}</code>
                  </div>
                </td>
                <td class="small">{w.error}</td>
                <td class="small">{w.rolledBack ?? <span class="muted">nothing</span>}</td>
                <td>
                  {w.resolvedAt ? (
                    <span class="small">
                      <Badge value="resolved" /> {w.resolvedBy}: {w.resolution}
                    </span>
                  ) : (
                    canResolve && (
                      <form method="post" action={`/admin/stuck-writes/${w.id}/resolve`} class="inline">
                        <CsrfField token={ctx.csrfToken} />
                        <label class="visually-hidden" for={`res-${w.id}`}>
                          What was done
                        </label>
                        <input id={`res-${w.id}`} name="resolution" required minlength={3} maxlength={500} placeholder="What was done" />
                        <button type="submit" class="button small">
                          Mark handled
                        </button>
                      </form>
                    )
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
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
    return c.redirect("/admin/stuck-writes", 303);
  });
