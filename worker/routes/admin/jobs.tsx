import { Hono } from "hono";
import { getJobWithEvents, jobSubjects, listJobs, type TaskRow, taskRows } from "../../db/queries/jobs";
import { getService } from "../../db/queries/services";
import { openStuckWriteCount } from "../../db/queries/stuck-writes";
import type { jobEvents, jobs } from "../../db/schema";
import { FINISHED_JOB_STATUSES, JOB_STATUSES } from "../../domain/jobs/contract";
import { retryJobAsStaff } from "../../domain/jobs/retry";
import { resendJob } from "../../domain/jobs/runner";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { currentIntlLocale, t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import { Badge, CsrfField, EmptyState, PageHeader, Pager, statusLabel, Table, Time } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm } from "./forms";

const STATUSES = JOB_STATUSES;
const FINISHED = new Set<string>(FINISHED_JOB_STATUSES);
type JobRow = typeof jobs.$inferSelect;
type EventRow = typeof jobEvents.$inferSelect;

/** A duration as people read it: `420 ms`, `3.2 s`, `2 min 5 s`. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A time of day with seconds, in the operator's time zone (tasks take seconds). */
function Clock(props: { iso: string; timeZone: string }) {
  const text = new Intl.DateTimeFormat(currentIntlLocale(), { timeZone: props.timeZone, timeStyle: "medium" }).format(new Date(props.iso));
  return (
    <time datetime={props.iso} title={props.iso}>
      {text}
    </time>
  );
}

const anchor = (t: TaskRow) => `task-${t.attempt}-${t.n}`;
const FAILED_TASK = new Set(["failed", "unreachable"]);

/** One table per attempt, one row per task: its final status, start, duration and message. */
function EventsPanel(props: { job: JobRow; events: EventRow[]; tz: string; now: number }) {
  const { job } = props;
  const live = !FINISHED.has(job.status);
  const rows = taskRows(props.events, live ? job.attempts : null);
  const current = rows.filter((t) => t.attempt === job.attempts && t.status !== "info");
  const failedNow = current.filter((t) => FAILED_TASK.has(t.status)).length;
  const failed = rows.filter((t) => FAILED_TASK.has(t.status)).at(-1);
  const attempts = [...new Set(rows.map((t) => t.attempt))];
  return (
    <section class="card" id="job-events">
      <h2>
        {t("jobs.tasks")} {live && <span class="badge badge-leased">{t("jobs.live")}</span>}
      </h2>
      <p class="muted" aria-live="polite">
        {t("jobs.progress", {
          attempt: job.attempts,
          max: job.maxAttempts,
          done: current.filter((task) => task.status !== "running").length,
          total: current.length,
        })}
        {failedNow ? t("jobs.progress_failed", { count: failedNow }) : ""}.
      </p>
      {failed && (
        <p class="alert error failed-task">
          <a href={`#${anchor(failed)}`}>{t("jobs.failed_task", { task: failed.task })}</a>
          <span class="muted small"> {t("jobs.attempt_n", { n: failed.attempt })}</span>
          {failed.message && <span class="small"> — {failed.message}</span>}
        </p>
      )}
      {attempts.length === 0 && <EmptyState title={t("jobs.no_events")}>{t("jobs.no_events_hint")}</EmptyState>}
      {attempts.map((a) => (
        <Table
          class="task-table"
          caption={`${t("jobs.attempt_caption", { n: a })}${live && a === job.attempts ? t("jobs.running_suffix") : ""}`}
          rows={rows.filter((t) => t.attempt === a)}
          rowId={anchor}
          rowClass={(t) => (FAILED_TASK.has(t.status) ? "row-failed" : t.status === "running" ? "row-running" : undefined)}
          rowAttributes={(t) => ({ "data-status": t.status })}
          columns={[
            { header: "#", class: "muted", cell: (t) => t.n },
            { header: t("jobs.started"), class: "nowrap", cell: (task) => <Clock iso={task.startedAt} timeZone={props.tz} /> },
            { header: t("jobs.status"), cell: (task) => <Badge value={task.status} /> },
            { header: t("jobs.task"), class: "task-name", cell: (task) => task.task },
            {
              header: t("jobs.duration"),
              class: "nowrap",
              cell: (task) =>
                task.status === "running" ? (
                  <span class="elapsed">{t("jobs.so_far", { duration: duration(Math.max(0, props.now - Date.parse(task.startedAt))) })}</span>
                ) : task.durationMs === null ? (
                  ""
                ) : (
                  duration(task.durationMs)
                ),
            },
            { header: t("jobs.message"), class: "small", cell: (task) => task.message ?? "" },
          ]}
        />
      ))}
    </section>
  );
}

/** The job's state and its events, refreshed every 2 s while the job is not finished. */
function JobLive(props: { job: JobRow; events: EventRow[]; tz: string; serviceLink: { id: string; name: string } | null }) {
  const live = !FINISHED.has(props.job.status);
  return (
    <div id="job-live" {...(live ? { "hx-get": `/admin/jobs/${props.job.id}/live`, "hx-trigger": "every 2s", "hx-swap": "outerHTML" } : {})}>
      <section class="card">
        <dl class="details">
          <dt>{t("jobs.status")}</dt>
          <dd>
            <Badge value={props.job.status} />
          </dd>
          <dt>{t("jobs.attempts")}</dt>
          <dd>{t("jobs.of", { n: props.job.attempts, max: props.job.maxAttempts })}</dd>
          <dt>{t("jobs.service")}</dt>
          <dd>{props.serviceLink ? <a href={`/admin/services/${props.serviceLink.id}`}>{props.serviceLink.name}</a> : "—"}</dd>
          <dt>{t("jobs.created")}</dt>
          <dd>
            <Time iso={props.job.createdAt} timeZone={props.tz} />
          </dd>
          <dt>{t("jobs.finished")}</dt>
          <dd>
            <Time iso={props.job.finishedAt} timeZone={props.tz} />
          </dd>
          {props.job.error && (
            <>
              <dt>{t("jobs.error")}</dt>
              <dd class="error-text">{props.job.error}</dd>
            </>
          )}
        </dl>
        {props.job.result && Object.keys(props.job.result).length > 0 && (
          <details>
            <summary>{t("jobs.outputs")}</summary>
            <pre>{JSON.stringify(props.job.result, null, 2)}</pre>
          </details>
        )}
      </section>
      <EventsPanel job={props.job} events={props.events} tz={props.tz} now={Date.now()} />
    </div>
  );
}

async function loadJob(db: AppEnv["Variables"]["db"], id: string) {
  const found = await getJobWithEvents(db, id);
  if (!found) throw new NotFound("No job with this id.");
  return found;
}

/** Provisioning jobs: the list (with the dead-letter view), each job's live events, and retry. */
export const jobPages = new Hono<AppEnv>()
  .get("/jobs", can("jobs:read"), async (c) => {
    const ctx = pageContext(c);
    const status = STATUSES.find((s) => s === c.req.query("status"));
    const cursor = c.req.query("cursor")?.slice(0, 200);
    const listed = await attempt(() => listJobs(c.get("db"), { status, limit: 50, cursor }));
    const page = listed.ok ? listed.data.data : [];
    const subjects = await jobSubjects(c.get("db"), page);
    // A pending job older than a minute lost its queue message (the minute sweep sends it again).
    const staleBefore = Date.now() - 60_000;
    const canResend = allowed(c, "jobs:retry");
    const next = listed.ok ? listed.data.next_cursor : null;
    const stuck = await openStuckWriteCount(c.get("db"));
    return c.html(
      <Layout ctx={ctx} title={t("jobs.title")}>
        <PageHeader
          title={t("jobs.title")}
          subtitle={t("jobs.subtitle")}
          actions={
            <a class={stuck > 0 ? "button danger" : "button"} href="/admin/stuck-writes">
              {t("jobs.stuck_writes")}
              {stuck > 0 ? ` (${stuck})` : ""}
            </a>
          }
        />
        <nav class="tabs" aria-label={t("jobs.filter_status")}>
          <a href="/admin/jobs" class={status ? undefined : "active"} aria-current={status ? undefined : "page"}>
            {t("jobs.all")}
          </a>
          {STATUSES.map((s) => (
            <a href={`/admin/jobs?status=${s}`} class={status === s ? "active" : undefined} aria-current={status === s ? "page" : undefined}>
              {s === "dead" ? t("jobs.dead_letter") : statusLabel(s)}
            </a>
          ))}
        </nav>
        <Table
          rows={page}
          empty={<EmptyState title={status ? t("jobs.none_status", { status }) : t("jobs.none")}>{t("jobs.none_hint")}</EmptyState>}
          columns={[
            {
              header: t("jobs.job"),
              cell: (j) => (
                <a href={`/admin/jobs/${j.id}`}>
                  <code>{j.id}</code>
                </a>
              ),
            },
            { header: t("jobs.type"), cell: (j) => j.type },
            {
              header: t("jobs.status"),
              cell: (j) => (
                <>
                  <Badge value={j.status} />
                  {j.status === "pending" && Date.parse(j.updatedAt) < staleBefore && (
                    <>
                      {" "}
                      <span class="badge badge-failed" title={t("jobs.stale_title")}>
                        {t("jobs.stale")}
                      </span>
                      {canResend && (
                        <form method="post" action={`/admin/jobs/${j.id}/resend`} class="inline">
                          <CsrfField token={ctx.csrfToken} />
                          <button type="submit" class="button small">
                            {t("jobs.send_again")}
                          </button>
                        </form>
                      )}
                    </>
                  )}
                </>
              ),
            },
            {
              header: t("jobs.attempts"),
              cell: (j) => (
                <>
                  {j.attempts} / {j.maxAttempts}
                </>
              ),
            },
            {
              header: t("jobs.for"),
              cell: (j) => {
                const subject = subjects.get(j.id);
                if (!subject) return j.serviceId ? <a href={`/admin/services/${j.serviceId}`}>{j.serviceId}</a> : "";
                return (
                  <>
                    <a href={subject.href} title={j.serviceId ?? undefined}>
                      {subject.label}
                    </a>
                    {subject.detail && <div class="small muted">{subject.detail}</div>}
                  </>
                );
              },
            },
            { header: t("jobs.created"), class: "nowrap", cell: (j) => <Time iso={j.createdAt} timeZone={ctx.settings.default_timezone} /> },
            { header: t("jobs.error"), class: "small", cell: (j) => j.error ?? "" },
          ]}
        />
        <Pager baseUrl="/admin/jobs" params={{ status }} nextCursor={next} hasCursor={Boolean(cursor)} />
      </Layout>,
    );
  })
  .get("/jobs/:id", can("jobs:read"), async (c) => {
    const ctx = pageContext(c);
    const { job, events } = await loadJob(c.get("db"), c.req.param("id"));
    const service = job.serviceId ? await getService(c.get("db"), job.serviceId) : null;
    const canRetry = (job.status === "dead" || job.status === "failed") && allowed(c, "jobs:retry");
    const message = c.req.query("error");
    return c.html(
      <Layout ctx={ctx} title={t("services.job.title", { id: job.id })}>
        <PageHeader
          title={t("jobs.job_title", { type: job.type })}
          subtitle={<code>{job.id}</code>}
          back={{ href: "/admin/jobs", label: t("admin.nav.jobs") }}
          actions={
            canRetry ? (
              <form method="post" action={`/admin/jobs/${job.id}/retry`}>
                <CsrfField token={ctx.csrfToken} />
                <button type="submit" class="button primary">
                  {t("jobs.retry")}
                </button>
              </form>
            ) : undefined
          }
        />
        {message && (
          <div class="alert error" role="alert">
            {message}
          </div>
        )}
        <JobLive job={job} events={events} tz={ctx.settings.default_timezone} serviceLink={service ? { id: service.id, name: service.product_name } : null} />
      </Layout>,
    );
  })
  .get("/jobs/:id/live", can("jobs:read"), async (c) => {
    const ctx = pageContext(c);
    const { job, events } = await loadJob(c.get("db"), c.req.param("id"));
    const service = job.serviceId ? await getService(c.get("db"), job.serviceId) : null;
    return c.html(
      <JobLive job={job} events={events} tz={ctx.settings.default_timezone} serviceLink={service ? { id: service.id, name: service.product_name } : null} />,
    );
  })
  .post("/jobs/:id/resend", can("jobs:retry"), async (c) => {
    const id = c.req.param("id");
    await readForm(c);
    const ctx = writeContext(c);
    const result = await attempt(() => resendJob(ctx.db, serviceDeps(c.env), { actor: ctx.actor, requestId: ctx.requestId, now: ctx.now }, id));
    if (!result.ok) return c.redirect(`/admin/jobs/${id}?error=${encodeURIComponent(result.message ?? t("services.job.not_sent"))}`, 303);
    return redirectWithNotice(c, "/admin/jobs?status=pending", t("services.job.requeued", { id }));
  })
  .post("/jobs/:id/retry", can("jobs:retry"), async (c) => {
    const id = c.req.param("id");
    await readForm(c);
    const result = await attempt(() => retryJobAsStaff(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), id));
    if (!result.ok) return c.redirect(`/admin/jobs/${id}?error=${encodeURIComponent(result.message ?? t("services.job.retry_failed"))}`, 303);
    return redirectWithNotice(c, `/admin/jobs/${result.data}`, t("services.job.retried", { id, new: result.data }));
  });
