import type { Context } from "hono";
import { Hono } from "hono";
import { listStuckWrites } from "../../db/queries/stuck-writes";
import { resolveStuckWrite } from "../../domain/services/stuck-writes";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
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
    <Layout ctx={ctx} title={t("settings.stuck.title")}>
      <PageHeader title={t("settings.stuck.title")} back={{ href: "/admin/jobs", label: t("settings.stuck.jobs") }} subtitle={t("settings.stuck.subtitle")} />
      {message && (
        <div class="alert error" role="alert">
          {message}
        </div>
      )}
      <nav class="tabs" aria-label={t("settings.stuck.filter")}>
        <a href="/admin/stuck-writes" class={showHandled ? undefined : "active"} aria-current={showHandled ? undefined : "page"}>
          {t("settings.stuck.open")}
        </a>
        <a href="/admin/stuck-writes?status=handled" class={showHandled ? "active" : undefined} aria-current={showHandled ? "page" : undefined}>
          {t("settings.stuck.handled")}
        </a>
      </nav>
      <Table
        id="stuck-writes"
        rows={page}
        empty={<EmptyState title={showHandled ? t("settings.stuck.nothing_handled") : t("settings.stuck.none")}>{t("settings.stuck.all_reached")}</EmptyState>}
        rowAttributes={(w) => ({ "data-stuck-write": w.id })}
        columns={[
          {
            header: t("settings.stuck.service"),
            cell: (w) => (
              <a href={`/admin/services/${w.serviceId}`}>
                <code>{w.serviceId}</code>
              </a>
            ),
          },
          { header: t("settings.stuck.when"), class: "nowrap", cell: (w) => <Time iso={w.createdAt} timeZone={tz} /> },
          {
            header: t("settings.stuck.refused_change"),
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
          { header: t("settings.stuck.database_error"), class: "small", cell: (w) => w.error },
          { header: t("settings.stuck.undone"), class: "small", cell: (w) => w.rolledBack ?? <span class="muted">{t("settings.stuck.nothing")}</span> },
          {
            header: showHandled ? t("settings.stuck.handled") : "",
            cell: (w) =>
              w.resolvedAt ? (
                <span class="small">
                  <Badge value="resolved" /> {w.resolvedBy}: {w.resolution}
                </span>
              ) : (
                canResolve && (
                  <ResolutionForm
                    action={`/admin/stuck-writes/${w.id}/resolve`}
                    csrfToken={ctx.csrfToken}
                    inputId={`res-${w.id}`}
                    submit={t("settings.stuck.mark_handled")}
                  />
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
    if (resolution.length < 3) return stuckWritesPage(c, t("settings.stuck.error.resolution"), 422);
    const result = await attempt(() => resolveStuckWrite(writeContext(c), c.req.param("id"), resolution.slice(0, 500)));
    if (!result.ok) return stuckWritesPage(c, result.message, 409);
    return redirectWithNotice(c, "/admin/stuck-writes", t("settings.stuck.notice.handled"));
  });
