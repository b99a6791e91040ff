import { z } from "zod";
import { optionalText, requiredText } from "../../validation";

const rateBp = z
  .number()
  .int({ message: "Basis points: a whole number (2000 = 20 %)" })
  .min(0, { message: "At least 0" })
  .max(10_000, { message: "At most 10000 (100 %)" })
  .meta({ description: "Basis points: 2000 = 20 %", example: 2000 });

export const TaxRateCreate = z
  .strictObject({
    tax_class: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: "Lowercase letters, digits, - and _ (at most 40)" })
      .meta({ description: "The class products name (`standard`, `reduced`…)" }),
    name: requiredText(100),
    rate_bp: rateBp,
    jurisdiction: optionalText(60),
    inclusive: z.boolean().meta({ description: "Prices of this class include the tax (net = price − price × r / (1 + r))" }).default(false),
  })
  .meta({ id: "TaxRateCreate" });
export type TaxRateCreateInput = z.infer<typeof TaxRateCreate>;

export const TaxRatePatch = z
  .strictObject({
    name: requiredText(100).optional(),
    rate_bp: rateBp.optional(),
    jurisdiction: optionalText(60),
    inclusive: z.boolean().meta({ description: "Prices of this class include the tax (net = price − price × r / (1 + r))" }).optional(),
  })
  .meta({ id: "TaxRatePatch" });
export type TaxRatePatchInput = z.infer<typeof TaxRatePatch>;

export const TaxRate = z
  .object({
    id: z.string(),
    tax_class: z.string(),
    name: z.string(),
    rate_bp: z.number().int(),
    jurisdiction: z.string().nullable(),
    inclusive: z.boolean(),
    products: z.number().int().meta({ description: "Products of this class" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "TaxRate" });
export type TaxRateView = z.infer<typeof TaxRate>;
