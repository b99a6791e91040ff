import { z } from "zod";
import { optionalText } from "../../validation";

const code = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{2,31}$/, { message: "3 to 32 letters, digits, - and _" })
  .meta({ description: "What customers type; stored upper case", example: "WELCOME10" });
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "A date as YYYY-MM-DD" });

const terms = {
  kind: z.enum(["percent", "fixed", "free_months"]).meta({ description: "Percent off, a fixed amount off, or free months" }),
  value: z
    .number()
    .int({ message: "A whole number" })
    .min(1, { message: "At least 1" })
    .max(100_000_000)
    .meta({ description: "Percent (1–100), minor units off each period, or number of free months (1–24)" }),
  months: z
    .number()
    .int()
    .min(1, { message: "At least 1" })
    .max(120, { message: "At most 120" })
    .default(1)
    .meta({ description: "Periods a percent or fixed discount lasts" }),
};

const validity = {
  description: optionalText(200),
  valid_from: day.nullable().default(null).meta({ description: "First day it can be redeemed (inclusive); null: now" }),
  valid_until: day.nullable().default(null).meta({ description: "Last day it can be redeemed (inclusive); null: no end" }),
  max_redemptions: z.number().int().min(1, { message: "At least 1" }).max(10_000_000).nullable().default(null).meta({ description: "null: unlimited" }),
  eligible_products: z.array(z.string().min(1).max(64)).max(200).default([]).meta({ description: "Product ids; empty: every recurring product" }),
};

function checkTerms(p: { kind?: string; value?: number; valid_from?: string | null; valid_until?: string | null }, ctx: z.RefinementCtx) {
  if (p.kind === "percent" && (p.value ?? 0) > 100) ctx.addIssue({ code: "custom", path: ["value"], message: "At most 100 %" });
  if (p.kind === "free_months" && (p.value ?? 0) > 24) ctx.addIssue({ code: "custom", path: ["value"], message: "At most 24 free months" });
  if (p.valid_from && p.valid_until && p.valid_until < p.valid_from)
    ctx.addIssue({ code: "custom", path: ["valid_until"], message: "Must not be before valid_from" });
}

export const PromoCodeCreate = z
  .strictObject({ code, ...terms, ...validity })
  .superRefine(checkTerms)
  .meta({ id: "PromoCodeCreate" });
export type PromoCodeCreateInput = z.infer<typeof PromoCodeCreate>;

/** What may change once a code exists: not its terms (redeemed ones keep what they were sold with). */
export const PromoCodePatch = z
  .strictObject({
    description: validity.description,
    valid_from: day.nullable().optional(),
    valid_until: day.nullable().optional(),
    max_redemptions: z.number().int().min(1).max(10_000_000).nullable().optional(),
    eligible_products: z.array(z.string().min(1).max(64)).max(200).optional(),
    status: z.enum(["active", "disabled"]).optional(),
  })
  .superRefine(checkTerms)
  .meta({ id: "PromoCodePatch" });
export type PromoCodePatchInput = z.infer<typeof PromoCodePatch>;

export const PromoCode = z
  .object({
    id: z.string(),
    code: z.string(),
    description: z.string().nullable(),
    kind: z.enum(["percent", "fixed", "free_months"]),
    value: z.number().int(),
    months: z.number().int(),
    valid_from: z.string().nullable(),
    valid_until: z.string().nullable(),
    max_redemptions: z.number().int().nullable(),
    redemptions: z.number().int(),
    eligible_products: z.array(z.string()),
    status: z.enum(["active", "disabled"]),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "PromoCode" });
export type PromoCodeView = z.infer<typeof PromoCode>;
