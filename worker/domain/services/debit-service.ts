import type { BalanceUnit } from "../catalog/schemas";
import type { WriteContext } from "../context";
import { emailRow } from "../email/outbox";
import { lowBalanceEmail } from "../email/templates";
import type { SettingsData } from "../settings/schemas";
import { suspendIfExhausted, suspendsWhenExhausted } from "./exhausted";
import type { ServiceDeps } from "./port";
import { balanceRecipient, loadService, op, unwrap } from "./support";

/**
 * Takes usage from a service's balance (the usage sync of the provisioning runner calls this). When
 * the debit crosses the product's low-balance threshold, the service's contact (or the customer's
 * billing/primary contact) is emailed once, until a top-up lifts the balance again.
 */
export async function debitService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  input: { unit: BalanceUnit; amount: number; key: string; reference?: string | null },
  brand: SettingsData,
) {
  const service = await loadService(ctx, id);
  const recipient = await balanceRecipient(ctx, service);
  const snapshot = unwrap(await deps.state(id).snapshot(id));
  const remaining =
    snapshot.buckets.filter((b) => b.unit === input.unit && (b.expires_at === null || b.expires_at > ctx.now)).reduce((sum, b) => sum + b.amount, 0) -
    input.amount;
  const email = recipient?.email
    ? [
        emailRow(
          ctx.now,
          { email: recipient.email, name: recipient.firstName },
          lowBalanceEmail(brand, {
            name: recipient.firstName,
            service: service.identifiers.msisdn ?? service.product_name,
            unit: input.unit,
            remaining,
            locale: recipient.locale,
          }),
        ),
      ]
    : [];
  const state = deps.state(id);
  const debit = (key: string, amount: number) =>
    state.debit(id, { key, unit: input.unit, amount, reference: input.reference ?? null, lowBalanceEmail: email }, op(ctx));
  const result = await debit(input.key, input.amount);
  // Beyond the balance: refused — unless the product suspends a prepaid service that runs out, which
  // takes what is left and suspends it.
  const available = !result.ok && result.error.status === 409 ? result.error.extra?.available : undefined;
  if (typeof available === "number" && (await suspendsWhenExhausted(ctx.db, service))) {
    const taken = available > 0 ? unwrap(await debit(`${input.key}:available`, available)) : null;
    await suspendIfExhausted(ctx, deps, id, `exhausted:${input.key}`);
    return taken ?? unwrap(await state.snapshot(id));
  }
  return unwrap(result);
}
