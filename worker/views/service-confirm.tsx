import type { ServiceView } from "../domain/services/schemas";
import type { Bucket } from "../domain/services/state";
import { Badge } from "./components";
import { ConfirmPage } from "./confirm";
import { formatAmount, serviceName } from "./format";
import type { PageContext } from "./layout";

/** The lifecycle actions a customer notices: each goes through a confirmation page with a reason. */
export const CONFIRMED_SERVICE_ACTIONS = ["suspend", "resume", "terminate"] as const;
export type ConfirmedServiceAction = (typeof CONFIRMED_SERVICE_ACTIONS)[number];

const VERB: Record<ConfirmedServiceAction, { label: string; to: string }> = {
  suspend: { label: "Suspend", to: "suspended" },
  resume: { label: "Resume", to: "active" },
  terminate: { label: "Terminate", to: "terminating" },
};

/** What terminating does to each kind of item the service holds. */
function releaseOf(type: string, quarantineDays: number, simOnTermination: "retire" | "restock"): string {
  if (type === "phone_number")
    return quarantineDays > 0 ? `quarantined for ${quarantineDays} days, then back in stock` : "back in stock at once (no quarantine is set)";
  if (type === "sim") return simOnTermination === "restock" ? "back in stock" : "retired";
  if (type === "ip_block") return "its addresses are freed";
  return "marked returned, awaiting check-in";
}

/** The confirmation of suspend, resume or terminate: what it does, the reason, then the action. */
export function ServiceActionConfirmPage(props: {
  ctx: PageContext;
  service: ServiceView;
  action: ConfirmedServiceAction;
  items: { type: string; label: string }[];
  allocations: string[];
  buckets: Bucket[];
  currency: string;
  quarantineDays: number;
  simOnTermination: "retire" | "restock";
  formKey: string;
  reason?: { value?: string; error?: string };
  message?: string;
}) {
  const s = props.service;
  const name = serviceName(s);
  const verb = VERB[props.action];
  const left = props.buckets.filter((b) => b.amount + b.pending_amount !== 0);
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={`${verb.label} ${name}?`}
      subtitle={
        <>
          {s.product_name} · <Badge value={s.status} /> → <Badge value={verb.to} />
        </>
      }
      back={{ href: `/admin/services/${s.id}`, label: name }}
      action={`/admin/services/${s.id}/action`}
      hidden={{ action: props.action, key: `${props.formKey}-${props.action}`, confirmed: "1" }}
      submit={`${verb.label} ${name}`}
      danger={props.action !== "resume"}
      reason={{ ...props.reason, label: `Why ${props.action} this service?` }}
      message={props.message}
    >
      <section class="card" aria-labelledby="consequences-h">
        <h2 id="consequences-h">What happens</h2>
        {props.action === "suspend" && (
          <ul>
            <li>A provisioning job suspends the service in the charging system: its usage is refused until it is resumed.</li>
            <li>Its balances, numbers and equipment stay with it; resuming restores it as it was.</li>
            <li>Integrations hear of it (the service.suspended webhook).</li>
          </ul>
        )}
        {props.action === "resume" && (
          <ul>
            <li>A provisioning job lifts the suspension in the charging system: the customer can use the service again.</li>
            <li>Its balances are as they were when it was suspended.</li>
          </ul>
        )}
        {props.action === "terminate" && (
          <>
            <p>
              <strong>This cannot be undone.</strong> A deprovision job removes the service from the network and the charging system; it is terminated when the
              job succeeds. Serving the customer again takes a new order.
            </p>
            <h3>Inventory released</h3>
            {props.items.length + props.allocations.length === 0 ? (
              <p class="muted">The service holds no inventory.</p>
            ) : (
              <ul id="released-items">
                {props.items.map((i) => (
                  <li>
                    <code>{i.label}</code> ({i.type.replace("_", " ")}): {releaseOf(i.type, props.quarantineDays, props.simOnTermination)}
                  </li>
                ))}
                {props.allocations.map((cidr) => (
                  <li>
                    <code>{cidr}</code> (IP addresses): freed
                  </li>
                ))}
              </ul>
            )}
            <h3>Balances forfeited</h3>
            {left.length === 0 ? (
              <p class="muted">Nothing is left on its balances.</p>
            ) : (
              <ul id="forfeited-balances">
                {left.map((b) => (
                  <li>
                    {formatAmount(b.unit, b.amount + b.pending_amount, props.currency)} of {b.unit} ({b.source}): lost, not refunded
                  </li>
                ))}
              </ul>
            )}
            <p class="muted small">The unused part of a period paid in advance is credited by the next bill run.</p>
          </>
        )}
      </section>
    </ConfirmPage>
  );
}
