import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { customerNames, findCustomerRow } from "../../db/queries/customers";
import { listTaxRates } from "../../db/queries/tax-rates";
import { listTransactions, transactionsCsv, transactionTotals } from "../../db/queries/transactions";
import { recordTransaction } from "../../domain/billing/record-transaction";
import { TransactionCreate } from "../../domain/services/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { typedCurrencyExponent } from "../../lib/charging-units";
import { ulid } from "../../lib/ids";
import { allowed, can, writeContext } from "../../middleware/access";
import { operationKey } from "../../middleware/idempotency";
import type { FormErrors } from "../../views/components";
import { formatMoney, parseMoney } from "../../views/format";
import { type ManualValues, type TransactionFilters, TransactionsPage } from "../../views/transactions";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, text, validate } from "./forms";

const ListQuery = z.object({
  customer_id: z.string().max(64).optional().catch(undefined),
  kind: z.enum(["charge", "credit"]).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

async function listPage(
  c: Context<AppEnv>,
  filters: TransactionFilters,
  form: { values: ManualValues; errors: FormErrors; message?: string },
  status: 200 | 409 | 422 = 200,
) {
  const db = c.get("db");
  const [page, totals, taxRates] = await Promise.all([
    listTransactions(db, { customerId: filters.customer_id, kind: filters.kind, limit: 50, cursor: filters.cursor }),
    transactionTotals(db, { customerId: filters.customer_id }),
    listTaxRates(db),
  ]);
  const names = await customerNames(db, [...new Set([...page.data.map((t) => t.customer_id), ...(filters.customer_id ? [filters.customer_id] : [])])]);
  return c.html(
    <TransactionsPage
      ctx={pageContext(c)}
      rows={page.data}
      totals={totals}
      names={names}
      filters={filters}
      nextCursor={page.next_cursor}
      canWrite={allowed(c, "billing:write")}
      taxRates={taxRates}
      formKey={`${ulid()}-txn`}
      {...form}
    />,
    status,
  );
}

export const transactionPages = new Hono<AppEnv>()
  .get("/transactions", can("billing:read"), (c) => listPage(c, ListQuery.parse(c.req.query()), { values: {}, errors: {} }))
  .get("/transactions.csv", can("billing:read"), async (c) => {
    const f = ListQuery.parse(c.req.query());
    return new Response(await transactionsCsv(c.get("db"), { customerId: f.customer_id, kind: f.kind }), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="transactions${f.customer_id ? `-${f.customer_id}` : ""}.csv"`,
        "cache-control": "no-store",
      },
    });
  })
  .post("/transactions", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const fields = ["customer_id", "kind", "description", "amount", "tax_class"] as const;
    const values: ManualValues = Object.fromEntries(fields.map((f) => [f, text(body, f) ?? undefined]));
    const filters = { customer_id: values.customer_id };
    const customer = values.customer_id ? await findCustomerRow(c.get("db"), values.customer_id) : undefined;
    if (!customer) return listPage(c, filters, { values, errors: { customer_id: t("billing.error.no_customer") } }, 422);
    const amount = parseMoney(values.amount, typedCurrencyExponent(customer.currency));
    if (!amount) return listPage(c, filters, { values, errors: { amount: t("billing.error.amount_25") } }, 422);
    const parsed = validate(TransactionCreate, {
      customer_id: customer.id,
      kind: values.kind,
      description: values.description ?? "",
      amount,
      currency: customer.currency,
      tax_class: values.tax_class ?? "standard",
    });
    if (!parsed.ok) return listPage(c, filters, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => recordTransaction(writeContext(c), parsed.data, operationKey(c, text(body, "key"))));
    if (!result.ok) return listPage(c, filters, { values, errors: result.errors, message: result.message }, 422);
    return redirectWithNotice(
      c,
      `/admin/transactions?customer_id=${encodeURIComponent(customer.id)}`,
      `${values.kind === "credit" ? "Credit" : "Charge"} of ${formatMoney(amount, customer.currency)} recorded for ${customer.name}.`,
    );
  })
  .post("/transactions/:id/reverse", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const back = text(body, "customer_id");
    const result = await attempt(() => recordTransaction(writeContext(c), { reverses_id: c.req.param("id") }, operationKey(c, text(body, "key"))));
    if (!result.ok) return listPage(c, { customer_id: back ?? undefined }, { values: {}, errors: {}, message: result.message }, 409);
    return redirectWithNotice(
      c,
      `/admin/transactions?customer_id=${encodeURIComponent(result.data.customer_id)}`,
      `Transaction ${c.req.param("id")} reversed.`,
    );
  });
