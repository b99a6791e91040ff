import { z } from "zod";
import { optionalText, requiredText } from "../validation";

export const ATTRIBUTE_TYPES = ["text", "number", "date", "boolean", "enum"] as const;

const key = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, { message: "Keys are lowercase letters, digits and _, starting with a letter (max 64)" });

const options = z.array(z.string().trim().min(1).max(100)).max(100);

export const AttributeDefinitionCreate = z
  .strictObject({
    key,
    label: requiredText(100),
    type: z.enum(ATTRIBUTE_TYPES),
    options: options.optional().meta({ description: "Allowed values of an enum attribute" }),
    required: z.boolean().default(false),
    description: optionalText(500),
  })
  .superRefine((v, ctx) => {
    if (v.type === "enum" && (!v.options || v.options.length === 0)) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "An enum attribute needs at least one option" });
    }
    if (v.type !== "enum" && v.options && v.options.length > 0) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "Only enum attributes have options" });
    }
  })
  .meta({ id: "AttributeDefinitionCreate" });

export const AttributeDefinitionPatch = z
  .strictObject({
    label: requiredText(100).optional(),
    options: options.optional(),
    required: z.boolean().optional(),
    description: optionalText(500),
  })
  .meta({ id: "AttributeDefinitionPatch", description: "The key and type of an attribute cannot change" });

export const AttributeDefinition = z
  .object({
    key: z.string(),
    label: z.string(),
    type: z.enum(ATTRIBUTE_TYPES),
    options: z.array(z.string()),
    required: z.boolean(),
    description: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "AttributeDefinition" });

type Definition = { key: string; label: string; type: (typeof ATTRIBUTE_TYPES)[number]; options: string[]; required: boolean };
export type AttributeValue = string | number | boolean;

/**
 * Checks one value against its definition and returns it in canonical form (numbers as numbers,
 * dates as YYYY-MM-DD, booleans as booleans). Strings from HTML forms are accepted for every type.
 */
export function coerceAttributeValue(def: Definition, raw: unknown): { value: AttributeValue } | { error: string } {
  switch (def.type) {
    case "text":
      if (typeof raw !== "string") return { error: "Must be text" };
      if (raw.trim() === "") return { error: "Must not be empty" };
      return raw.length > 2000 ? { error: "At most 2000 characters" } : { value: raw.trim() };
    case "number": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
      return Number.isFinite(n) ? { value: n } : { error: "Must be a number" };
    }
    case "date": {
      if (typeof raw !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return { error: "Must be a date (YYYY-MM-DD)" };
      const d = new Date(`${raw}T00:00:00Z`);
      return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== raw ? { error: "Must be a real calendar date" } : { value: raw };
    }
    case "boolean":
      if (typeof raw === "boolean") return { value: raw };
      if (raw === "true" || raw === "on" || raw === "1") return { value: true };
      if (raw === "false" || raw === "0") return { value: false };
      return { error: "Must be true or false" };
    case "enum":
      return typeof raw === "string" && def.options.includes(raw) ? { value: raw } : { error: `Must be one of: ${def.options.join(", ")}` };
  }
}
