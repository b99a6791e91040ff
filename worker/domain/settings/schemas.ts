import { z } from "zod";
import { currencyCode, email, localeTag, optionalText, requiredText, timeZoneName } from "../validation";

const colour = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, { message: "Must be a colour such as #0b5fff" })
  .transform((c) => c.toLowerCase());

/** A logo is an https URL or a small inline image (data URI, ≤ 200 kB), so no upload storage is needed. */
const logo = z
  .string()
  .trim()
  .max(280_000, { message: "The logo is too large (200 kB at most)" })
  .refine((v) => v === "" || /^https:\/\/\S+$/.test(v) || /^data:image\/(png|jpeg|svg\+xml|webp);base64,[A-Za-z0-9+/=]+$/.test(v), {
    message: "Must be an https:// URL or a PNG, JPEG, SVG or WebP data URI",
  })
  .transform((v) => (v === "" ? null : v))
  .nullable();

export const SettingsShape = {
  operator_name: requiredText(100),
  legal_name: optionalText(200),
  legal_address: optionalText(500),
  registration_number: optionalText(100),
  vat_number: optionalText(50),
  support_email: email.nullable(),
  support_phone: optionalText(40),
  website: optionalText(200),
  logo: logo,
  primary_color: colour,
  accent_color: colour,
  default_currency: currencyCode,
  default_locale: localeTag,
  default_timezone: timeZoneName,
  notification_emails: z.array(email).max(20, { message: "At most 20 addresses" }),
  session_idle_minutes: z.coerce.number().int().min(5, { message: "At least 5 minutes" }).max(1440, { message: "At most 1440 minutes" }),
  session_absolute_hours: z.coerce.number().int().min(1, { message: "At least 1 hour" }).max(720, { message: "At most 720 hours" }),
  remember_me_days: z.coerce.number().int().min(1, { message: "At least 1 day" }).max(90, { message: "At most 90 days" }),
  sim_on_termination: z.enum(["retire", "restock"]).meta({ description: "What happens to a SIM when its service is terminated" }),
  // Form text becomes a number; nothing else is coerced (null, "" or true must not mean 0 days, no quarantine).
  number_quarantine_days: z
    .preprocess(
      (v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v),
      z
        .number({ message: "Must be a whole number of days" })
        .int({ message: "Must be a whole number of days" })
        .min(0, { message: "At least 0 days (0: no quarantine)" })
        .max(3650, { message: "At most 3650 days" }),
    )
    .meta({ description: "Days a phone number released from a service rests before it can be allocated again (0: reused at once)" }),
  dunning_retry_days: z
    .array(z.coerce.number().int().min(1, { message: "At least 1 day" }).max(60, { message: "At most 60 days" }))
    .max(6, { message: "At most 6 retries" })
    .refine((days) => days.every((d, i) => i === 0 || d > (days[i - 1] ?? 0)), { message: "Days must increase" })
    .meta({ description: "Days after a failed payment when the default card is charged again (each failure emails the customer)" }),
  dunning_suspend_after_days: z.coerce
    .number()
    .int()
    .min(1, { message: "At least 1 day" })
    .max(180, { message: "At most 180 days" })
    .nullable()
    .meta({ description: "Days after the first failed payment when the customer's services are suspended (null: never); resumed when paid" }),
  broadcast_plmns: z
    .array(
      z.strictObject({
        mcc: z.string().regex(/^\d{3}$/, { message: "Three digits" }),
        mnc: z.string().regex(/^\d{2,3}$/, { message: "Two or three digits" }),
        name: requiredText(60),
      }),
    )
    .max(10, { message: "At most 10 networks" })
    .meta({ description: "The networks (PLMNs) cell broadcasts go out on; an alert picks one or several (all by default)" }),
};

export const Settings = z.object(SettingsShape).meta({ id: "Settings" });
export type SettingsData = z.infer<typeof Settings>;

export const SettingsPatch = z
  .strictObject(
    Object.fromEntries(Object.entries(SettingsShape).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof SettingsShape]: z.ZodOptional<(typeof SettingsShape)[K]>;
    },
  )
  .meta({ id: "SettingsPatch" });
export type SettingsPatchInput = z.infer<typeof SettingsPatch>;

export const DEFAULT_SETTINGS: SettingsData = {
  operator_name: "Open BSS",
  legal_name: null,
  legal_address: null,
  registration_number: null,
  vat_number: null,
  support_email: null,
  support_phone: null,
  website: null,
  logo: null,
  primary_color: "#1d4ed8",
  accent_color: "#0f766e",
  default_currency: "EUR",
  default_locale: "en-GB",
  default_timezone: "Europe/Paris",
  notification_emails: [],
  session_idle_minutes: 120,
  session_absolute_hours: 12,
  remember_me_days: 30,
  sim_on_termination: "retire",
  number_quarantine_days: 90,
  dunning_retry_days: [3, 7],
  dunning_suspend_after_days: 14,
  broadcast_plmns: [{ mcc: "208", mnc: "99", name: "Home network" }],
};

export const IntegrationStatus = z
  .object({
    name: z.string(),
    mode: z.enum(["configured", "simulator", "not_configured"]),
    endpoint: z.string().nullable(),
    detail: z.string(),
  })
  .meta({ id: "IntegrationStatus" });

export const SettingsResponse = Settings.extend({
  updated_at: z.string().nullable(),
  integrations: z.array(IntegrationStatus),
}).meta({ id: "SettingsResponse" });
