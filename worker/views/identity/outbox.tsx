import { Badge, CsrfField, EmptyState, PageHeader, Pager, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";

export function OutboxPage(props: {
  ctx: PageContext;
  emails: {
    id: string;
    template: string;
    toEmail: string;
    subject: string;
    status: string;
    attempts: number;
    lastError: string | null;
    createdAt: string;
    sentAt: string | null;
    nextAttemptAt: string;
  }[];
  status?: string;
  nextCursor: string | null;
  /** The page was opened at a cursor (shows the pager's "First page" link). */
  hasCursor?: boolean;
  canRetry: boolean;
}) {
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title="Email outbox" wide>
      <PageHeader title="Email outbox" subtitle="Every email is queued here first and sent through Mailjet with retries." />
      <nav class="tabs" aria-label="Filter by status">
        {["", "pending", "sent", "failed"].map((s) => (
          <a
            href={s ? `/admin/outbox?status=${s}` : "/admin/outbox"}
            class={(props.status ?? "") === s ? "active" : ""}
            aria-current={(props.status ?? "") === s ? "page" : undefined}
          >
            {s || "all"}
          </a>
        ))}
      </nav>
      <section class="card">
        <Table
          rows={props.emails}
          empty={<EmptyState title="No emails." />}
          columns={[
            { header: "Queued", class: "nowrap", cell: (m) => <Time iso={m.createdAt} timeZone={tz} /> },
            { header: "To", cell: (m) => m.toEmail },
            {
              header: "Subject",
              cell: (m) => (
                <>
                  {m.subject}
                  <div class="muted small">{m.template}</div>
                </>
              ),
            },
            { header: "Status", cell: (m) => <Badge value={m.status} /> },
            { header: "Attempts", cell: (m) => m.attempts },
            {
              header: "Detail",
              class: "small",
              cell: (m) => (
                <>
                  {m.status === "sent" ? (
                    <Time iso={m.sentAt} timeZone={tz} />
                  ) : m.status === "pending" ? (
                    <>
                      next try <Time iso={m.nextAttemptAt} timeZone={tz} />
                    </>
                  ) : null}
                  {m.lastError && <div class="field-error">{m.lastError}</div>}
                  {m.status === "failed" && props.canRetry && (
                    <form method="post" action={`/admin/outbox/${m.id}/retry`}>
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button">
                        Retry
                      </button>
                    </form>
                  )}
                </>
              ),
            },
          ]}
        />
        <Pager baseUrl="/admin/outbox" params={{ status: props.status }} nextCursor={props.nextCursor} hasCursor={props.hasCursor ?? false} />
      </section>
    </Layout>
  );
}
