import type { Context } from "hono";
import { Hono } from "hono";
import { getTaxRate, listTaxRates } from "../../db/queries/tax-rates";
import { TaxRateCreate, TaxRatePatch } from "../../domain/billing/tax-rates/schemas";
import { createTaxRate, updateTaxRate } from "../../domain/billing/tax-rates/tax-rates";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import type { FormErrors } from "../../views/components";
import { parseMoney } from "../../views/format";
import { percentOf, type TaxRateFormValues, TaxRatePage, TaxRatesPage } from "../../views/tax-rates";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, text, validate } from "./forms";

async function listPage(
  c: Context<AppEnv>,
  form: { values: TaxRateFormValues; errors: FormErrors; message?: string } = { values: {}, errors: {} },
  status: 200 | 409 | 422 = 200,
) {
  const rates = await listTaxRates(c.get("db"));
  return c.html(<TaxRatesPage ctx={pageContext(c)} rates={rates} canWrite={allowed(c, "billing:write")} {...form} />, status);
}

/** The form's fields, with the rate typed as a percent ("20", "5,5") turned into basis points. */
async function readRate(c: Context<AppEnv>) {
  const body = await readForm(c);
  const values: TaxRateFormValues = {
    tax_class: text(body, "tax_class") ?? "",
    name: text(body, "name") ?? "",
    rate: text(body, "rate") ?? "",
    jurisdiction: text(body, "jurisdiction"),
    inclusive: text(body, "inclusive") === "1",
  };
  const bp = parseMoney(values.rate, 2);
  return { values, bp, rateError: bp === null ? { rate_bp: t("billing.error.percentage") } : null };
}

export const taxRatePages = new Hono<AppEnv>()
  .get("/tax-rates", can("billing:read"), (c) => listPage(c))
  .post("/tax-rates", can("billing:write"), async (c) => {
    const { values, bp, rateError } = await readRate(c);
    if (rateError) return listPage(c, { values, errors: rateError }, 422);
    const parsed = validate(TaxRateCreate, {
      tax_class: values.tax_class,
      name: values.name,
      rate_bp: bp,
      jurisdiction: values.jurisdiction ?? null,
      inclusive: values.inclusive,
    });
    if (!parsed.ok) return listPage(c, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => createTaxRate(writeContext(c), parsed.data));
    if (!result.ok) return listPage(c, { values, errors: result.errors, message: result.message }, 409);
    return redirectWithNotice(c, "/admin/tax-rates", t("settings.tax.notice.created", { name: result.data.name }));
  })
  .get("/tax-rates/:id", can("billing:write"), async (c) => {
    const rate = await getTaxRate(c.get("db"), c.req.param("id"));
    if (!rate) throw new NotFound("No tax rate with this id.");
    return c.html(
      <TaxRatePage
        ctx={pageContext(c)}
        rate={rate}
        values={{ name: rate.name, rate: percentOf(rate.rate_bp), jurisdiction: rate.jurisdiction, inclusive: rate.inclusive }}
        errors={{}}
      />,
    );
  })
  .post("/tax-rates/:id", can("billing:write"), async (c) => {
    const rate = await getTaxRate(c.get("db"), c.req.param("id"));
    if (!rate) throw new NotFound("No tax rate with this id.");
    const { values, bp, rateError } = await readRate(c);
    const page = (errors: FormErrors, message?: string) =>
      c.html(<TaxRatePage ctx={pageContext(c)} rate={rate} values={values} errors={errors} message={message} />, 422);
    if (rateError) return page(rateError);
    const parsed = validate(TaxRatePatch, { name: values.name, rate_bp: bp, jurisdiction: values.jurisdiction ?? null, inclusive: values.inclusive });
    if (!parsed.ok) return page(parsed.errors);
    const result = await attempt(() => updateTaxRate(writeContext(c), rate.id, parsed.data));
    if (!result.ok) return page(result.errors, result.message);
    return redirectWithNotice(c, "/admin/tax-rates", t("settings.tax.notice.saved", { name: result.data.name }));
  });
