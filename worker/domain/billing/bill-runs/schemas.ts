import { z } from "zod";

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "A date as YYYY-MM-DD" });

export const BillRunCreate = z
  .strictObject({
    period_start: day.meta({ description: "First day of the month billed", example: "2026-12-01" }),
    period_end: day.meta({ description: "Last day of the same month", example: "2026-12-31" }),
    issue: z.boolean().default(true).meta({ description: "Issue the invoices as they are made (numbers, due dates); false leaves drafts" }),
    send: z
      .boolean()
      .default(true)
      .meta({ description: "Email each issued invoice with its PDF to the customer's billing contact (a few a minute, by the minute cron)" }),
  })
  .meta({ id: "BillRunCreate" });

const Totals = z.object({
  currency: z.string(),
  invoices: z.number().int(),
  subtotal_amount: z.number().int(),
  tax_amount: z.number().int(),
  total_amount: z.number().int(),
});

export const BillRun = z
  .object({
    id: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    trigger: z.enum(["cron", "manual"]),
    issue: z.boolean(),
    send: z.boolean(),
    emailed: z.number().int().meta({ description: "Invoices queued for email" }),
    no_recipient: z.number().int().meta({ description: "Invoices not emailed: the customer has no email address" }),
    status: z.enum(["queued", "running", "completed", "failed"]),
    job_id: z.string().nullable(),
    job_status: z.string().nullable(),
    created_by: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    customers_total: z.number().int(),
    customers_done: z.number().int(),
    invoices: z.number().int(),
    errors: z.number().int(),
    totals: z.array(Totals),
    error_list: z.array(z.object({ customer_id: z.string(), customer_name: z.string().nullable(), message: z.string(), at: z.string() })),
  })
  .meta({ id: "BillRun" });

export const BillRunSummary = z
  .object({
    id: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    trigger: z.string(),
    status: z.string(),
    customers_total: z.number().int(),
    customers_done: z.number().int(),
    invoices: z.number().int(),
    errors: z.number().int(),
    created_by: z.string(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: "BillRunSummary" });
