import type { Child } from "hono/jsx";
import { t } from "../i18n/request-locale";
import { CsrfField, PageHeader } from "./components";
import { Layout, type PageContext } from "./layout";

/** Bounds of the reason staff give for an action the customer notices (the same on every confirmation). */
export const REASON_MIN = 3;
export const REASON_MAX = 500;

/** The required "Reason" box of a confirmation; its text goes to the activity log with the action. */
export function ReasonField(props: { value?: string; error?: string; label?: string }) {
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for="f-reason">
        {props.label ?? t("confirm.reason")}
        <span class="req" aria-hidden="true">
          {" "}
          *
        </span>
      </label>
      <textarea
        id="f-reason"
        name="reason"
        rows={3}
        required
        minlength={REASON_MIN}
        maxlength={REASON_MAX}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? "f-reason-error" : "f-reason-hint"}
      >
        {props.value ?? ""}
      </textarea>
      {props.error ? (
        <div class="field-error" id="f-reason-error">
          {props.error}
        </div>
      ) : (
        <div class="hint" id="f-reason-hint">
          {t("confirm.reason_hint", { min: REASON_MIN, max: REASON_MAX })}
        </div>
      )}
    </div>
  );
}

/**
 * A confirmation page (works without JavaScript): what the action will do, a required reason, the
 * button that posts it and a Cancel link back. Re-rendered with a 422 and the reason's error when
 * the reason is missing.
 */
export function ConfirmPage(props: {
  ctx: PageContext;
  title: string;
  subtitle?: Child;
  back: { href: string; label: string };
  action: string;
  hidden: Record<string, string>;
  submit: string;
  danger?: boolean;
  reason: { value?: string; error?: string; label?: string };
  /** A refusal that is not about the reason (the action is no longer possible, a permission is missing). */
  message?: string;
  disabled?: boolean;
  children: Child;
}) {
  return (
    <Layout ctx={props.ctx} title={props.title}>
      <PageHeader title={props.title} back={props.back} subtitle={props.subtitle} />
      {props.message && (
        <div class="alert error" role="alert">
          {props.message}
        </div>
      )}
      {props.children}
      <form method="post" action={props.action} class="stack card" aria-label={props.title}>
        <CsrfField token={props.ctx.csrfToken} />
        {Object.entries(props.hidden).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <ReasonField {...props.reason} />
        <div class="actions">
          <button type="submit" class={props.danger ? "button danger" : "button primary"} disabled={props.disabled}>
            {props.submit}
          </button>
          <a class="button" href={props.back.href}>
            {t("confirm.cancel")}
          </a>
        </div>
      </form>
    </Layout>
  );
}
