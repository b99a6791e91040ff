import { z } from "zod";
import { email, optionalText, phoneInput, requiredText } from "../validation";

export const CONTACT_ROLES = ["primary", "billing", "technical", "administrative", "sales", "emergency"] as const;

const roles = z
  .array(z.enum(CONTACT_ROLES))
  .max(CONTACT_ROLES.length)
  .transform((r) => [...new Set(r)])
  .meta({ description: "Labels; several contacts may share a role", example: ["primary", "billing"] });

const reachable = (v: { email?: string | null; phone?: string | null }) => Boolean(v.email || v.phone);
const reachableIssue = { message: "Give an email address or a phone number", path: ["email"] };

export const ContactCreate = z
  .strictObject({
    first_name: requiredText(100),
    last_name: optionalText(100),
    email: email.nullable().optional(),
    phone: phoneInput.nullable().optional(),
    roles: roles.default([]),
    notes: optionalText(2000),
  })
  .refine(reachable, reachableIssue)
  .meta({ id: "ContactCreate" });
export type ContactCreateInput = z.infer<typeof ContactCreate>;

export const ContactPatch = z
  .strictObject({
    first_name: requiredText(100).optional(),
    last_name: optionalText(100),
    email: email.nullable().optional(),
    phone: phoneInput.nullable().optional(),
    roles: roles.optional(),
    notes: optionalText(2000),
  })
  .meta({ id: "ContactPatch" });
export type ContactPatchInput = z.infer<typeof ContactPatch>;

export const Contact = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    first_name: z.string(),
    last_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    roles: z.array(z.string()),
    notes: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Contact" });
export type ContactView = z.infer<typeof Contact>;

export function isReachable(v: { email: string | null; phone: string | null }): boolean {
  return reachable(v);
}
