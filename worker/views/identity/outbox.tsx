import { Badge, CsrfField, EmptyState, PageHeader, Time } from "../components";
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
        {props.emails.length === 0 ? (
          <EmptyState title="No emails." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {props.emails.map((m) => (
                <tr>
                  <td class="nowrap">
                    <Time iso={m.createdAt} timeZone={tz} />
                  </td>
                  <td>{m.toEmail}</td>
                  <td>
                    {m.subject}
                    <div class="muted small">{m.template}</div>
                  </td>
                  <td>
                    <Badge value={m.status} />
                  </td>
                  <td>{m.attempts}</td>
                  <td class="small">
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
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {props.nextCursor && (
          <nav class="pager">
            <span />
            <a href={`/admin/outbox?${new URLSearchParams({ ...(props.status ? { status: props.status } : {}), cursor: props.nextCursor })}`}>Next page »</a>
          </nav>
        )}
      </section>
    </Layout>
  );
}
