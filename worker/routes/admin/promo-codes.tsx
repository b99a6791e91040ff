import type { Context } from "hono";
import { Hono } from "hono";
import { createPromoCode, listPromoCodes, updatePromoCode } from "../../domain/billing/promo-codes/promo-codes";
import { PromoCodeCreate } from "../../domain/billing/promo-codes/schemas";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { currencyExponent } from "../../lib/charging-units";
import { allowed, can, writeContext } from "../../middleware/access";
import type { FormErrors } from "../../views/components";
import { parseMoney } from "../../views/format";
import { PromoCodesPage, type PromoFormValues } from "../../views/promo-codes";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, numberOrNull, readForm, text, validate } from "./forms";

const PAGE = 50;

async function listPage(c: Context<AppEnv>, form: { values: PromoFormValues; errors: FormErrors; message?: string }, status: 200 | 409 | 422 = 200) {
  const cursor = c.req.query("cursor");
  const page = await listPromoCodes(c.get("db"), PAGE, cursor);
  const currency = (c.get("settings") ?? DEFAULT_SETTINGS).default_currency;
  return c.html(
    <PromoCodesPage
      ctx={pageContext(c)}
      codes={page.data}
      nextCursor={page.next_cursor}
      hasCursor={Boolean(cursor)}
      canWrite={allowed(c, "billing:write")}
      currency={currency}
      {...form}
    />,
    status,
  );
}

export const promoCodePages = new Hono<AppEnv>()
  .get("/promo-codes", can("billing:read"), (c) => listPage(c, { values: {}, errors: {} }))
  .post("/promo-codes", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const fields = ["code", "description", "kind", "value", "months", "max_redemptions", "valid_from", "valid_until"] as const;
    const values: PromoFormValues = Object.fromEntries(fields.map((f) => [f, text(body, f) ?? undefined]));
    const currency = (c.get("settings") ?? DEFAULT_SETTINGS).default_currency;
    // A fixed amount is typed as money ("5.00"), the others as whole numbers.
    const value = values.kind === "fixed" ? (parseMoney(values.value, currencyExponent(currency)) ?? Number.NaN) : numberOrNull(body, "value");
    const parsed = validate(PromoCodeCreate, {
      code: values.code ?? "",
      description: values.description ?? null,
      kind: values.kind,
      value,
      months: numberOrNull(body, "months") ?? 1,
      max_redemptions: numberOrNull(body, "max_redemptions") ?? null,
      valid_from: values.valid_from ?? null,
      valid_until: values.valid_until ?? null,
    });
    if (!parsed.ok) return listPage(c, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => createPromoCode(writeContext(c), parsed.data));
    if (!result.ok) return listPage(c, { values, errors: result.errors, message: result.message }, 409);
    return redirectWithNotice(c, "/admin/promo-codes", t("settings.promo.notice.created", { code: result.data.code }));
  })
  .post("/promo-codes/:id/status", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const status = text(body, "status") === "active" ? "active" : "disabled";
    const result = await attempt(() => updatePromoCode(writeContext(c), c.req.param("id"), { status }));
    if (!result.ok) return listPage(c, { values: {}, errors: {}, message: result.message }, 422);
    return redirectWithNotice(
      c,
      "/admin/promo-codes",
      t(status === "active" ? "settings.promo.notice.enabled" : "settings.promo.notice.disabled", { code: result.data.code }),
    );
  });
