import { Hono } from "hono";
import { z } from "zod";
import { getInventoryImport, getTemplate, listTemplates, type TemplateRow } from "../../db/queries/inventory";
import { importItems } from "../../domain/inventory/import";
import { checkLowStock } from "../../domain/inventory/items";
import { IMPORT_MODES, type ImportReportView } from "../../domain/inventory/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { parseCsv } from "../../lib/csv";
import { AppError, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { can, writeContext } from "../../middleware/access";
import { oncePerForm } from "../../middleware/idempotency";
import { errorMap, type FormErrors } from "../../views/components";
import { COMMON_IMPORT_COLUMNS, ImportResultPage, type ImportState, ImportUploadPage, ImportWizardPage } from "../../views/inventory";
import { inventoryEnv } from "../api/inventory";
import { pageContext, redirectWithNotice } from "./context";
import { type FormBody, text } from "./forms";

/** Largest CSV accepted by the import wizard (bytes), as for the API. */
import { inventoryCan, MAX_CSV_BYTES, tryDomain } from "./inventory";

function csvHeader(csv: string): string[] {
  let quoted = false;
  let end = csv.length;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv.charCodeAt(i);
    if (ch === 0x22) quoted = !quoted;
    else if (ch === 0x0a && !quoted) {
      end = i;
      break;
    }
  }
  return parseCsv(csv.slice(0, end))[0] ?? [];
}

const normalize = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");

/** Prefilled mapping: a column whose name matches a field name or label fills that field. */
function guessMapping(template: TemplateRow, header: string[]): string[] {
  const used = new Set<string>();
  return header.map((h) => {
    const n = normalize(h);
    const field =
      template.fields.find((f) => f.name === n || normalize(f.label) === n)?.name ??
      COMMON_IMPORT_COLUMNS.find((col) => col === n || (col === "cost_amount" && n === "cost"));
    if (!field || used.has(field)) return "";
    used.add(field);
    return field;
  });
}

/** The carried CSV: the hidden textarea drops one leading line break (HTML), browsers send CRLF. */
function carriedCsv(body: FormBody): string {
  const raw = body.csv;
  const csv = (Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? "")).replace(/\r\n/g, "\n");
  return csv.startsWith("\n") ? csv.slice(1) : csv;
}

class NothingImported extends Error {
  constructor(readonly report: ImportReportView) {
    super("nothing imported");
  }
}

/** Inventory pages under /admin: stock, items, import wizard, types. Every change goes through the inventory domain. */

/** The inventory import wizard and its reports. */
export const inventoryImportPages = new Hono<AppEnv>()
  // Import wizard: upload → map columns → dry run → import. The file travels in a hidden field.
  .get("/inventory/import", can("inventory:import"), async (c) =>
    c.html(
      <ImportUploadPage
        ctx={pageContext(c)}
        templates={await listTemplates(c.get("db"))}
        values={{ type: c.req.query("type") }}
        errors={{}}
        can={inventoryCan(c)}
      />,
    ),
  )
  .post("/inventory/import", can("inventory:import"), async (c) => {
    const db = c.get("db");
    const raw = await c.req.parseBody();
    const body: FormBody = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === "string" && k !== "_csrf") body[k] = v;
    const templates = await listTemplates(db);
    const step = z.enum(["upload", "map", "preview", "import"]).catch("upload").parse(text(body, "step"));
    const mode = z.enum(IMPORT_MODES).catch("valid_rows").parse(text(body, "mode"));
    const template = templates.find((t) => t.slug === text(body, "type"));
    const can_ = inventoryCan(c);
    const uploadError = (errors: FormErrors, message?: string) =>
      c.html(
        <ImportUploadPage
          ctx={pageContext(c)}
          templates={templates}
          values={{ type: text(body, "type") ?? undefined, mode }}
          errors={errors}
          message={message}
          can={can_}
        />,
        422,
      );
    if (!template) return uploadError({ type: t("inventory.error.choose_type") });

    let csv: string;
    if (step === "upload") {
      const file = raw.file;
      if (!(file instanceof File) || file.size === 0) return uploadError({ file: t("inventory.error.choose_file") });
      if (file.size > MAX_CSV_BYTES) return uploadError({ file: t("inventory.error.too_large") });
      csv = await file.text();
    } else csv = carriedCsv(body);
    if (csv.charCodeAt(0) === 0xfeff) csv = csv.slice(1);
    let header: string[];
    try {
      header = csvHeader(csv);
    } catch (error) {
      return uploadError({ file: error instanceof Error ? error.message : t("inventory.error.not_csv") });
    }
    if (header.length === 0 || header.every((h) => h.trim() === "")) return uploadError({ file: t("inventory.error.no_header") });

    const chosen = step === "upload" ? guessMapping(template, header) : header.map((_, i) => text(body, `map.${i}`) ?? "");
    const state: ImportState = { type: template.slug, mode, csv, header, mapping: chosen, key: text(body, "key") ?? ulid() };
    const wizard = (stage: "map" | "preview", extra: { report?: ImportReportView; errors?: FormErrors; message?: string } = {}, status: 200 | 422 = 200) =>
      c.html(
        <ImportWizardPage
          ctx={pageContext(c)}
          template={template}
          state={state}
          stage={stage}
          report={extra.report}
          errors={extra.errors ?? {}}
          message={extra.message}
          can={can_}
        />,
        status,
      );
    if (step === "upload" || step === "map") return wizard("map");

    const mapping: Record<string, string> = {};
    header.forEach((h, i) => {
      mapping[h.trim()] = chosen[i] ?? "";
    });
    const ctx = writeContext(c);
    const env = inventoryEnv(c);
    if (step === "preview") {
      const result = await tryDomain(() => importItems(ctx, env, csv, { type: template.slug, mode, dryRun: true, mapping }), "");
      if (!result.ok) return wizard("map", { errors: result.errors, message: result.message }, 422);
      return wizard("preview", { report: result.data });
    }
    try {
      let imported: string | null = null;
      const location = await oncePerForm(c, state.key, async () => {
        const report = await importItems(ctx, env, csv, { type: template.slug, mode, dryRun: false, mapping });
        if (!report.import_id) throw new NothingImported(report);
        await checkLowStock(ctx, env, template.slug);
        imported = t(report.imported === 1 ? "settings.inventory.notice.imported_one" : "settings.inventory.notice.imported_many", {
          count: report.imported,
          type: template.name,
          rejected: report.rejected ? t("settings.inventory.notice.rejected", { count: report.rejected }) : "",
        });
        return `/admin/inventory/imports/${report.import_id}`;
      });
      return redirectWithNotice(c, location, imported ?? t("settings.inventory.notice.already_imported"));
    } catch (error) {
      if (error instanceof NothingImported) {
        const r = error.report;
        return c.html(
          <ImportResultPage
            ctx={pageContext(c)}
            template={template}
            result={{ id: null, mode: r.mode, total: r.total, imported: 0, rejected: r.rejected, errors: r.errors }}
            can={can_}
          />,
          422,
        );
      }
      if (error instanceof AppError && error.status < 500 && error.status !== 403 && error.status !== 401) {
        return wizard("map", { errors: errorMap(error.errors), message: error.message }, 422);
      }
      throw error;
    }
  })
  .get("/inventory/imports/:id", can("inventory:read"), async (c) => {
    const db = c.get("db");
    const row = await getInventoryImport(db, c.req.param("id"));
    if (!row) throw new NotFound(t("inventory.error.no_import"));
    return c.html(
      <ImportResultPage
        ctx={pageContext(c)}
        template={await getTemplate(db, row.type)}
        result={{
          id: row.id,
          mode: row.mode,
          total: row.totalRows,
          imported: row.imported,
          rejected: row.rejected,
          errors: row.errors,
          createdBy: row.createdBy,
          createdAt: row.createdAt,
        }}
        can={inventoryCan(c)}
      />,
    );
  });
