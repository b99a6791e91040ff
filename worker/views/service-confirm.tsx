import type { ServiceView } from "../domain/services/schemas";
import type { Bucket } from "../domain/services/state";
import type { MessageKey } from "../i18n/catalogue";
import { t } from "../i18n/request-locale";
import { Badge, statusLabel } from "./components";
import { ConfirmPage } from "./confirm";
import { formatAmount, serviceName } from "./format";
import type { PageContext } from "./layout";

/** The lifecycle actions a customer notices: each goes through a confirmation page with a reason. */
export const CONFIRMED_SERVICE_ACTIONS = ["suspend", "resume", "terminate"] as const;
export type ConfirmedServiceAction = (typeof CONFIRMED_SERVICE_ACTIONS)[number];

const VERB: Record<ConfirmedServiceAction, { label: MessageKey; why: MessageKey; to: string }> = {
  suspend: { label: "svc.suspend", why: "svc.why_suspend", to: "suspended" },
  resume: { label: "svc.resume", why: "svc.why_resume", to: "active" },
  terminate: { label: "svc.terminate", why: "svc.why_terminate", to: "terminating" },
};

/** What terminating does to each kind of item the service holds. */
function releaseOf(type: string, quarantineDays: number, simOnTermination: "retire" | "restock"): string {
  if (type === "phone_number") return quarantineDays > 0 ? t("svc.quarantined_for", { days: quarantineDays }) : t("svc.back_at_once");
  if (type === "sim") return simOnTermination === "restock" ? t("svc.back_in_stock") : t("svc.retired");
  if (type === "ip_block") return t("svc.addresses_freed");
  return t("svc.returned");
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
  /** The service is no longer in a status this action starts from. */
  disabled?: boolean;
}) {
  const s = props.service;
  const name = serviceName(s);
  const verb = VERB[props.action];
  const left = props.buckets.filter((b) => b.amount + b.pending_amount !== 0);
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={t("svc.confirm_title", { verb: t(verb.label), name })}
      subtitle={
        <>
          {s.product_name} · <Badge value={s.status} /> → <Badge value={verb.to} />
        </>
      }
      back={{ href: `/admin/services/${s.id}`, label: name }}
      action={`/admin/services/${s.id}/action`}
      hidden={{ action: props.action, key: `${props.formKey}-${props.action}`, confirmed: "1" }}
      submit={`${t(verb.label)} ${name}`}
      danger={props.action !== "resume"}
      reason={{ ...props.reason, label: t(verb.why) }}
      message={props.message}
      disabled={props.disabled}
    >
      <section class="card" aria-labelledby="consequences-h">
        <h2 id="consequences-h">{t("svc.what_happens")}</h2>
        {props.action === "suspend" && (
          <ul>
            <li>{t("svc.suspend_1")}</li>
            <li>{t("svc.suspend_2")}</li>
            <li>{t("svc.suspend_3")}</li>
          </ul>
        )}
        {props.action === "resume" && (
          <ul>
            <li>{t("svc.resume_1")}</li>
            <li>{t("svc.resume_2")}</li>
          </ul>
        )}
        {props.action === "terminate" && (
          <>
            <p>
              <strong>{t("svc.cannot_undo")}</strong> {t("svc.terminate_1")}
            </p>
            <h3>{t("svc.inventory_released")}</h3>
            {props.items.length + props.allocations.length === 0 ? (
              <p class="muted">{t("svc.no_inventory")}</p>
            ) : (
              <ul id="released-items">
                {props.items.map((i) => (
                  <li>
                    <code>{i.label}</code> ({statusLabel(i.type)}): {releaseOf(i.type, props.quarantineDays, props.simOnTermination)}
                  </li>
                ))}
                {props.allocations.map((cidr) => (
                  <li>
                    <code>{cidr}</code> ({t("svc.ip_addresses")}): {t("svc.freed")}
                  </li>
                ))}
              </ul>
            )}
            <h3>{t("svc.balances_forfeited")}</h3>
            {left.length === 0 ? (
              <p class="muted">{t("svc.nothing_left")}</p>
            ) : (
              <ul id="forfeited-balances">
                {left.map((b) => (
                  <li>
                    {t("svc.lost", {
                      amount: formatAmount(b.unit, b.amount + b.pending_amount, props.currency),
                      unit: statusLabel(b.unit),
                      source: statusLabel(b.source),
                    })}
                  </li>
                ))}
              </ul>
            )}
            <p class="muted small">{t("svc.advance_credit")}</p>
          </>
        )}
      </section>
    </ConfirmPage>
  );
}
