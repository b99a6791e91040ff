import { CUSTOMER_TRANSITIONS, type CustomerView } from "../../domain/customers/schemas";
import { t } from "../../i18n/request-locale";
import { Badge, Table } from "../components";
import { ConfirmPage } from "../confirm";
import type { PageContext } from "../layout";
import { identifiersColumn } from "../services";
import { TRANSITION_LABELS } from "./shared";

/** The status changes a customer notices: each goes through a confirmation page with a reason. */
export const CONFIRMED_CUSTOMER_TRANSITIONS = ["suspend", "resume", "close", "archive"] as const;
export type ConfirmedCustomerTransition = (typeof CONFIRMED_CUSTOMER_TRANSITIONS)[number];

const NO_SERVICES: Record<ConfirmedCustomerTransition, string> = {
  suspend: "This customer has no active service: only the customer's status changes.",
  resume: "No service was suspended with this customer (or they were resumed since): only the customer's status changes.",
  close: "Closing changes the customer's status only: services, invoices and payments stay as they are. Reopen it to make it open again.",
  archive: "An archived customer is read-only (no edits, orders or payments) until it is restored; its history stays.",
};

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
      title={`${verb} ${c.name}?`}
      back={{ href: `/admin/customers/${c.id}`, label: c.name }}
      subtitle={
        <>
          <Badge value={c.status} /> → <Badge value={CUSTOMER_TRANSITIONS[props.transition].to} />
        </>
      }
      action={`/admin/customers/${c.id}/transition`}
      hidden={{ transition: props.transition, confirmed: "1", key: props.formKey }}
      submit={`${verb} the customer${n > 0 ? ` and ${n} service${n === 1 ? "" : "s"}` : ""}`}
      danger={props.transition !== "resume"}
      disabled={blocked}
      reason={{ ...props.reason, label: `Why ${verb.toLowerCase()} this customer?` }}
      message={props.message ?? (blocked ? "Changing these services needs the services:write permission; ask someone who holds it." : undefined)}
    >
      <section class="card" aria-labelledby="carried-h">
        <h2 id="carried-h">
          {n === 0 ? "No services follow" : `${n} service${n === 1 ? "" : "s"} ${props.transition === "suspend" ? "will be suspended" : "will be resumed"}`}
        </h2>
        {n === 0 ? (
          <p class="muted">{NO_SERVICES[props.transition]}</p>
        ) : (
          <>
            <p class="muted small">
              Each one goes through its own provisioning job
              {props.transition === "resume" ? "; services suspended on their own stay suspended" : ""}.
            </p>
            <Table
              id="carried-services"
              rows={props.services}
              rowAttributes={(s) => ({ "data-service-id": s.id })}
              columns={[
                {
                  header: "Service",
                  cell: (s) => (
                    <>
                      <a href={`/admin/services/${s.id}`}>{s.name}</a> <code class="small">{s.id}</code>
                    </>
                  ),
                },
                identifiersColumn(),
                { header: "Status now", cell: (s) => <Badge value={s.status} /> },
              ]}
            />
          </>
        )}
      </section>
    </ConfirmPage>
  );
}
