import { t } from "../../i18n/request-locale";
import { CsrfField, EmptyState, PageHeader, Pager, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { IdentityBadge } from "./shared";

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
    <Layout ctx={props.ctx} title={t("identity.outbox.title")} wide>
      <PageHeader title={t("identity.outbox.title")} subtitle={t("identity.outbox.subtitle")} />
      <nav class="tabs" aria-label={t("identity.filter_status")}>
        {(["", "pending", "sent", "failed"] as const).map((s) => (
          <a
            href={s ? `/admin/outbox?status=${s}` : "/admin/outbox"}
            class={(props.status ?? "") === s ? "active" : ""}
            aria-current={(props.status ?? "") === s ? "page" : undefined}
          >
            {t(`identity.outbox.tab.${s || "all"}`)}
          </a>
        ))}
      </nav>
      <section class="card">
        <Table
          rows={props.emails}
          empty={<EmptyState title={t("identity.outbox.empty")} />}
          columns={[
            { header: t("identity.outbox.queued"), class: "nowrap", cell: (m) => <Time iso={m.createdAt} timeZone={tz} /> },
            { header: t("identity.outbox.to"), cell: (m) => m.toEmail },
            {
              header: t("identity.outbox.subject"),
              cell: (m) => (
                <>
                  {m.subject}
                  <div class="muted small">{m.template}</div>
                </>
              ),
            },
            { header: t("identity.status"), cell: (m) => <IdentityBadge value={m.status} /> },
            { header: t("identity.outbox.attempts"), cell: (m) => m.attempts },
            {
              header: t("identity.outbox.detail"),
              class: "small",
              cell: (m) => (
                <>
                  {m.status === "sent" ? (
                    <Time iso={m.sentAt} timeZone={tz} />
                  ) : m.status === "pending" ? (
                    <>
                      {t("identity.outbox.next_try")} <Time iso={m.nextAttemptAt} timeZone={tz} />
                    </>
                  ) : null}
                  {m.lastError && <div class="field-error">{m.lastError}</div>}
                  {m.status === "failed" && props.canRetry && (
                    <form method="post" action={`/admin/outbox/${m.id}/retry`}>
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button">
                        {t("identity.outbox.retry")}
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
