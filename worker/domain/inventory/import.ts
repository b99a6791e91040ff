import { sql } from "drizzle-orm";
import { type Db, prepared } from "../../db/client";
import { allItems, type ItemFilters, listTemplates, type TemplateRow } from "../../db/queries/inventory";
import { inventoryImports } from "../../db/schema";
import { CsvError, parseCsv, toCsv } from "../../lib/csv";
import { BadRequest, Invalid } from "../../lib/errors";
import { newId, ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { checkFields, type FieldValue } from "./fields";
import { type InventoryEnv, itemDocument, loadTemplate, sealSecrets } from "./items";
import type { ImportReportView } from "./schemas";

/** Columns every type accepts besides its own fields. */
const COMMON_COLUMNS = ["location", "supplier", "cost_amount", "currency", "notes"] as const;
type CommonColumn = (typeof COMMON_COLUMNS)[number];

/** Rows validated and written per chunk: bounds memory, statement size (≈1 MB of JSON) and the sealing in flight. */
export const IMPORT_CHUNK = 2_000;
const MAX_LISTED_ERRORS = 1_000;
const PREVIEW_ROWS = 10;
export const MAX_IMPORT_ROWS = 200_000;

export type ImportOptions = {
  type: string;
  mode: "valid_rows" | "all_or_nothing";
  dryRun: boolean;
  /** CSV header → field name (or "" to ignore the column); without it, headers are field names. */
  mapping?: Record<string, string>;
};

type RowError = { line: number; field: string | null; message: string };

type ValidRow = {
  line: number;
  fields: Record<string, FieldValue>;
  secrets: Record<string, string>;
  keys: string[];
  common: Partial<Record<CommonColumn, string | number | null>>;
};

/** The CSV's columns resolved against the type: which field each column fills. Problems are 422s. */
export function resolveColumns(template: TemplateRow, header: readonly string[], mapping?: Record<string, string>): string[] {
  const names = new Set<string>([...template.fields.map((f) => f.name), ...COMMON_COLUMNS]);
  const errors: { path: string; message: string }[] = [];
  const targets = header.map((raw) => {
    const column = raw.trim();
    const target = mapping && column in mapping ? (mapping[column] ?? "") : column.toLowerCase();
    if (target !== "" && !names.has(target)) errors.push({ path: column || "(empty header)", message: `Not a field of ${template.slug}` });
    return target;
  });
  const seen = new Set<string>();
  for (const t of targets) {
    if (t !== "" && seen.has(t)) errors.push({ path: t, message: "Two columns fill this field" });
    seen.add(t);
  }
  for (const f of template.fields) {
    if (f.required && !seen.has(f.name)) errors.push({ path: f.name, message: "Required field has no column" });
  }
  if (errors.length > 0) throw new Invalid("The header row does not match the inventory type.", errors);
  return targets;
}

function commonValue(column: CommonColumn, raw: string): { value: string | number | null } | string {
  const v = raw.trim();
  if (v === "") return { value: null };
  if (column === "cost_amount") return /^\d{1,9}$/.test(v) ? { value: Number(v) } : "Minor units (a whole number)";
  if (column === "currency") return /^[A-Za-z]{3}$/.test(v) ? { value: v.toUpperCase() } : "A three-letter currency code";
  return v.length > (column === "notes" ? 2000 : 120) ? "Too long" : { value: v };
}

/**
 * Imports items of one type from CSV (line 1 = the header row). Every row is checked (field rules,
 * duplicates within the file and against stored items); in `all_or_nothing` mode one bad row writes
 * nothing, in `valid_rows` mode the valid ones are written. A dry run only reports. Rows are written
 * in chunks of multi-row statements fed by one JSON parameter each (`json_each`), all in one D1
 * batch, so an import is atomic and 100,000 rows take a few dozen statements.
 */
export async function importItems(ctx: WriteContext, env: InventoryEnv, csv: string, options: ImportOptions): Promise<ImportReportView> {
  const template = await loadTemplate(ctx, options.type);
  const { header, rows } = parseImport(csv);
  const targets = resolveColumns(template, header, options.mapping);
  const { errors, valid, keys } = checkRows(template, header, rows, targets);
  const taken = await storedKeys(ctx, keys);
  const writable = valid.filter((row) => {
    const clash = row.keys.find((k) => taken.has(k));
    if (!clash) return true;
    errors.push({ line: row.line, field: clash.split(":")[1] ?? null, message: `Already in inventory (${taken.get(clash)})` });
    return false;
  });
  errors.sort((a, b) => a.line - b.line);
  const rejectedLines = new Set(errors.map((e) => e.line)).size;
  const refuseAll = options.mode === "all_or_nothing" && errors.length > 0;
  const toWrite = refuseAll ? [] : writable;
  const report: ImportReportView = {
    import_id: null,
    dry_run: options.dryRun,
    mode: options.mode,
    total: valid.length + rejectedLines,
    imported: toWrite.length,
    rejected: rejectedLines,
    errors: errors.slice(0, MAX_LISTED_ERRORS),
    errors_truncated: errors.length > MAX_LISTED_ERRORS,
    preview: toWrite.slice(0, PREVIEW_ROWS).map((r) => ({
      line: r.line,
      ...r.fields,
      ...Object.fromEntries(Object.keys(r.secrets).map((k) => [k, "••••"])),
      ...r.common,
    })),
  };
  if (options.dryRun || toWrite.length === 0) {
    if (!options.dryRun && refuseAll) report.imported = 0;
    return report;
  }
  report.import_id = await writeImport(ctx, env, template, options, toWrite, report, errors);
  return report;
}

/** The CSV's header and rows, or a 400 naming the malformed line (a 422 past MAX_IMPORT_ROWS). */
function parseImport(csv: string): { header: string[]; rows: string[][] } {
  let records: string[][];
  try {
    records = parseCsv(csv);
  } catch (error) {
    if (error instanceof CsvError)
      throw new BadRequest(`The CSV is malformed at line ${error.line}: ${error.message}`, [{ path: `line ${error.line}`, message: error.message }]);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header || header.every((h) => h.trim() === "")) throw new BadRequest("The CSV is empty: send a header row with field names, then one row per item.");
  if (rows.length > MAX_IMPORT_ROWS) throw new Invalid(`At most ${MAX_IMPORT_ROWS} rows per import.`, [{ path: "body", message: "Too many rows" }]);
  return { header, rows };
}

/** Every row checked against the type's field rules and the file's other rows (duplicates): errors, valid rows and their identifier keys. */
function checkRows(template: TemplateRow, header: string[], rows: string[][], targets: string[]): { errors: RowError[]; valid: ValidRow[]; keys: string[] } {
  const errors: RowError[] = [];
  const valid: ValidRow[] = [];
  const firstLineOfKey = new Map<string, number>();
  for (const [index, cells] of rows.entries()) {
    const line = index + 2;
    if (cells.length === 1 && (cells[0] ?? "").trim() === "") continue; // blank line
    if (cells.length !== header.length) {
      errors.push({ line, field: null, message: `${cells.length} columns, the header has ${header.length}` });
      continue;
    }
    const values: Record<string, string> = {};
    const common: ValidRow["common"] = {};
    const rowErrors: RowError[] = [];
    targets.forEach((target, i) => {
      if (target === "") return;
      const raw = cells[i] ?? "";
      if ((COMMON_COLUMNS as readonly string[]).includes(target)) {
        const checked = commonValue(target as CommonColumn, raw);
        if (typeof checked === "string") rowErrors.push({ line, field: target, message: checked });
        else common[target as CommonColumn] = checked.value;
      } else values[target] = raw;
    });
    const checked = checkFields(template.slug, template.fields, values);
    rowErrors.push(...checked.errors.map((e) => ({ line, field: e.path, message: e.message })));
    for (const key of checked.keys) {
      const first = firstLineOfKey.get(key);
      if (first !== undefined) rowErrors.push({ line, field: key.split(":")[1] ?? null, message: `Duplicate of line ${first}` });
    }
    if (rowErrors.length > 0) {
      errors.push(...rowErrors);
      continue;
    }
    for (const key of checked.keys) firstLineOfKey.set(key, line);
    valid.push({ line, fields: checked.fields, secrets: checked.secrets, keys: checked.keys, common });
  }
  return { errors, valid, keys: [...firstLineOfKey.keys()] };
}

/** Identifiers already stored (key → item id), looked up a chunk at a time through the keys table's primary key. */
async function storedKeys(ctx: WriteContext, keys: string[]): Promise<Map<string, string>> {
  const taken = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 20_000) {
    const chunk = JSON.stringify(keys.slice(i, i + 20_000));
    const hits = await ctx.db.all<{ key: string; item_id: string }>(
      sql`SELECT key, item_id FROM inventory_keys WHERE key IN (SELECT value FROM json_each(${chunk}))`,
    );
    for (const h of hits) taken.set(h.key, h.item_id);
  }
  return taken;
}

/** Writes the rows, the import record and its activity entry in one D1 batch (one transaction); answers the import's id. */
async function writeImport(
  ctx: WriteContext,
  env: InventoryEnv,
  template: TemplateRow,
  options: ImportOptions,
  toWrite: ValidRow[],
  report: ImportReportView,
  errors: RowError[],
): Promise<string> {
  const importId = newId("import");
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < toWrite.length; i += IMPORT_CHUNK) {
    const chunk = toWrite.slice(i, i + IMPORT_CHUNK);
    const sealed = await Promise.all(chunk.map((r) => sealSecrets(env.encryptionKey, r.secrets)));
    const items = chunk.map((r, j) => {
      const id = `inv_${ulid()}`;
      return {
        id,
        fields: r.fields,
        secrets: sealed[j] ?? null,
        location: r.common.location ?? null,
        supplier: r.common.supplier ?? null,
        cost_amount: r.common.cost_amount ?? null,
        currency: r.common.currency ?? null,
        notes: r.common.notes ?? null,
        keys: r.keys,
        doc: itemDocument(
          { id, type: template.slug, status: "in_stock", location: (r.common.location as string | null) ?? null, customerId: null, fields: r.fields },
          template,
        ),
      };
    });
    statements.push(...chunkStatements(ctx, template.slug, importId, items));
  }
  statements.push(
    ...[
      ctx.db.insert(inventoryImports).values({
        id: importId,
        type: template.slug,
        mode: options.mode,
        totalRows: report.total,
        imported: toWrite.length,
        rejected: report.rejected,
        errors: errors.slice(0, MAX_LISTED_ERRORS),
        createdBy: ctx.actor.label,
        createdAt: ctx.now,
      }),
      recordActivity(ctx, {
        entity: "inventory_import",
        entityId: importId,
        customerId: null,
        action: "inventory.import",
        changes: { imported: { before: null, after: { type: template.slug, rows: toWrite.length, rejected: report.rejected, mode: options.mode } } },
      }),
    ].map((statement) => prepared(ctx.db.$client, statement)),
  );
  try {
    // One D1 batch: one transaction, so the import is all there or not at all.
    await ctx.db.$client.batch(statements);
  } catch (error) {
    // Another request stored one of these identifiers between the check and the write: nothing was written.
    if (error instanceof Error && /UNIQUE constraint failed: inventory_keys/.test(error.message)) {
      throw new Invalid("Some identifiers were stored by another request meanwhile; nothing was imported. Run the import again.", [
        { path: "body", message: "Concurrent duplicate" },
      ]);
    }
    throw error;
  }
  return importId;
}

type PreparedItem = {
  id: string;
  fields: Record<string, FieldValue>;
  secrets: string | null;
  location: string | number | null;
  supplier: string | number | null;
  cost_amount: string | number | null;
  currency: string | number | null;
  notes: string | number | null;
  keys: string[];
  doc: ReturnType<typeof itemDocument>;
};

/** A drizzle statement as a raw D1 statement, to batch it with raw ones. */
/** Three statements per chunk (items, identifier keys, search documents), each reading one JSON array. */
function chunkStatements(ctx: WriteContext, type: string, importId: string, items: PreparedItem[]): D1PreparedStatement[] {
  const rows = JSON.stringify(items.map((i) => [i.id, JSON.stringify(i.fields), i.secrets, i.location, i.supplier, i.cost_amount, i.currency, i.notes]));
  const keys = JSON.stringify(items.flatMap((i) => i.keys.map((k) => [k, i.id])));
  const docs = JSON.stringify(items.map((i) => [i.id, i.doc.title, i.doc.subtitle, i.doc.keywords]));
  const d1 = ctx.db.$client;
  return [
    d1
      .prepare(
        `INSERT INTO inventory_items (id, type, status, fields, secrets, location, supplier, cost_amount, currency, customer_id, service_id, reserved_until, notes, import_id, created_at, updated_at)
         SELECT value ->> 0, ?1, 'in_stock', value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, NULL, NULL, NULL, value ->> 7, ?2, ?3, ?3
         FROM json_each(?4)`,
      )
      .bind(type, importId, ctx.now, rows),
    d1.prepare("INSERT INTO inventory_keys (key, item_id) SELECT value ->> 0, value ->> 1 FROM json_each(?1)").bind(keys),
    d1
      .prepare(
        `INSERT INTO search_docs (entity_type, entity_id, customer_id, title, subtitle, keywords)
         SELECT 'inventory', value ->> 0, NULL, value ->> 1, value ->> 2, value ->> 3 FROM json_each(?1)`,
      )
      .bind(docs),
  ];
}

/** The export's columns for a list: the type's public fields (or every type's), then the common columns. */
export function exportColumns(templates: readonly TemplateRow[], type: string | undefined): string[] {
  const fields: string[] = [];
  for (const t of templates) {
    if (type && t.slug !== type) continue;
    for (const f of t.fields) if (f.kind !== "secret" && !fields.includes(f.name)) fields.push(f.name);
  }
  return ["id", "type", "status", ...fields, ...COMMON_COLUMNS, "customer_id", "service_id", "reserved_until", "quarantined_until", "created_at", "updated_at"];
}

/**
 * A filtered list as CSV, streamed a page at a time (secrets never exported). Re-importing the
 * file into another system works: headers are field names.
 */
export async function exportCsv(db: Db, filters: ItemFilters): Promise<ReadableStream<Uint8Array>> {
  const templates = await listTemplates(db);
  const columns = exportColumns(templates, filters.type);
  const encoder = new TextEncoder();
  const pages = allItems(db, filters);
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(toCsv([columns])));
        return;
      }
      const next = await pages.next();
      if (next.done) {
        controller.close();
        return;
      }
      const lines = next.value.map((item) => {
        const record: Record<string, unknown> = {
          ...item.fields,
          id: item.id,
          type: item.type,
          status: item.status,
          location: item.location,
          supplier: item.supplier,
          cost_amount: item.costAmount,
          currency: item.currency,
          notes: item.notes,
          customer_id: item.customerId,
          service_id: item.serviceId,
          reserved_until: item.reservedUntil,
          quarantined_until: item.quarantinedUntil,
          created_at: item.createdAt,
          updated_at: item.updatedAt,
        };
        return columns.map((c) => {
          const v = record[c];
          return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : null;
        });
      });
      controller.enqueue(encoder.encode(toCsv(lines)));
    },
  });
}
