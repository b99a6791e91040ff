import { CUSTOMER_TRANSITIONS, type CustomerView } from "../../domain/customers/schemas";
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/request-locale";
import { Badge, Table } from "../components";
import { ConfirmPage } from "../confirm";
import type { PageContext } from "../layout";
import { identifiersColumn } from "../services";
import { TRANSITION_LABELS } from "./shared";

/** The status changes a customer notices: each goes through a confirmation page with a reason. */
export const CONFIRMED_CUSTOMER_TRANSITIONS = ["suspend", "resume", "close", "archive"] as const;
export type ConfirmedCustomerTransition = (typeof CONFIRMED_CUSTOMER_TRANSITIONS)[number];

/** "1 service will be suspended", "3 services will be resumed". */
function followKey(suspend: boolean, n: number): MessageKey {
  if (suspend) return n === 1 ? "services.status.will_suspend_one" : "services.status.will_suspend_many";
  return n === 1 ? "services.status.will_resume_one" : "services.status.will_resume_many";
}

export function CustomerStatusConfirmPage(props: {
  ctx: PageContext;
  customer: CustomerView;
  transition: ConfirmedCustomerTransition;
  services: { id: string; name: string; status: string; identifiers: Record<string, string> }[];
  canChangeServices: boolean;
  formKey: string;
  reason?: { value?: string; error?: string };
  message?: string;
}) {
  const c = props.customer;
  const verb = t(TRANSITION_LABELS[props.transition]);
  const n = props.services.length;
  const blocked = n > 0 && !props.canChangeServices;
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={t("services.status.title", { verb, name: c.name })}
      back={{ href: `/admin/customers/${c.id}`, label: c.name }}
      subtitle={
        <>
          <Badge value={c.status} /> → <Badge value={CUSTOMER_TRANSITIONS[props.transition].to} />
        </>
      }
      action={`/admin/customers/${c.id}/transition`}
      hidden={{ transition: props.transition, confirmed: "1", key: props.formKey }}
      submit={t(n === 0 ? "services.status.submit" : n === 1 ? "services.status.submit_one" : "services.status.submit_many", { verb, n })}
      danger={props.transition !== "resume"}
      disabled={blocked}
      reason={{ ...props.reason, label: t("services.status.why", { verb: t(`services.status.verb.${props.transition}`) }) }}
      message={props.message ?? (blocked ? t("services.status.blocked") : undefined)}
    >
      <section class="card" aria-labelledby="carried-h">
        <h2 id="carried-h">{n === 0 ? t("services.status.none_follow") : t(followKey(props.transition === "suspend", n), { n })}</h2>
        {n === 0 ? (
          <p class="muted">{t(`services.status.none.${props.transition}`)}</p>
        ) : (
          <>
            <p class="muted small">{t(props.transition === "resume" ? "services.status.own_job_resume" : "services.status.own_job")}</p>
            <Table
              id="carried-services"
              rows={props.services}
              rowAttributes={(s) => ({ "data-service-id": s.id })}
              columns={[
                {
                  header: t("services.status.service"),
                  cell: (s) => (
                    <>
                      <a href={`/admin/services/${s.id}`}>{s.name}</a> <code class="small">{s.id}</code>
                    </>
                  ),
                },
                identifiersColumn(),
                { header: t("services.status.status_now"), cell: (s) => <Badge value={s.status} /> },
              ]}
            />
          </>
        )}
      </section>
    </ConfirmPage>
  );
}
