/**
 * An invoice or credit note as a PDF (pdf-lib: pure JavaScript, runs in the worker), in the
 * customer's language (French for `fr-*` locales, English otherwise). A4, standard Helvetica (its
 * WinAnsi encoding covers Western European text and €; other characters print as "?"). The document
 * carries no time of rendering, so the same invoice renders to the same bytes.
 */
import { PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb, StandardFonts } from "pdf-lib";
import type { SettingsData } from "../../settings/schemas";
import type { InvoiceView } from "./schemas";

type Labels = Record<
  | "invoice"
  | "creditNote"
  | "proforma"
  | "void"
  | "number"
  | "issued"
  | "due"
  | "period"
  | "billTo"
  | "description"
  | "net"
  | "taxRate"
  | "tax"
  | "total"
  | "subtotal"
  | "amountDue"
  | "credited"
  | "taxBreakdown"
  | "base"
  | "credits"
  | "vat"
  | "pay"
  | "exempt"
  | "draftNote",
  string
>;

const EN: Labels = {
  invoice: "INVOICE",
  creditNote: "CREDIT NOTE",
  proforma: "PRO FORMA INVOICE",
  void: "VOID",
  number: "Number",
  issued: "Date",
  due: "Due date",
  period: "Period",
  billTo: "Bill to",
  description: "Description",
  net: "Net",
  taxRate: "Tax rate",
  tax: "Tax",
  total: "Total",
  subtotal: "Subtotal",
  amountDue: "Amount due",
  credited: "Credited",
  taxBreakdown: "Tax by rate",
  base: "Base",
  credits: "Credits invoice",
  vat: "VAT number",
  pay: "Please pay {amount} by {date}, quoting {number}.",
  draftNote: "Draft: not a tax invoice. The number is given at issue.",
  exempt: "Tax exemption: {reason} (ref. {reference})",
};

const FR: Labels = {
  invoice: "FACTURE",
  creditNote: "AVOIR",
  proforma: "FACTURE PRO FORMA",
  void: "ANNULÉE",
  number: "Numéro",
  issued: "Date",
  due: "Échéance",
  period: "Période",
  billTo: "Facturé à",
  description: "Désignation",
  net: "HT",
  taxRate: "Taux",
  tax: "TVA",
  total: "TTC",
  subtotal: "Total HT",
  amountDue: "Reste à payer",
  credited: "Avoirs",
  taxBreakdown: "TVA par taux",
  base: "Base",
  credits: "Avoir sur la facture",
  vat: "N° TVA",
  pay: "Merci de régler {amount} avant le {date} en rappelant la référence {number}.",
  draftNote: "Brouillon : ne vaut pas facture. Le numéro est attribué à l'émission.",
  exempt: "Exonération de TVA : {reason} (réf. {reference})",
};

export type PdfParty = { name: string; lines: string[] };

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;
const INK = rgb(0.1, 0.12, 0.16);
const MUTED = rgb(0.42, 0.45, 0.5);

export async function renderInvoicePdf(p: {
  invoice: InvoiceView;
  customer: PdfParty;
  locale: string;
  settings: Pick<SettingsData, "operator_name" | "legal_name" | "legal_address" | "vat_number" | "support_email" | "website"> & {
    logo?: string | null;
  };
  creditedNumber?: string | null;
  /** The customer's tax exemption, printed under the totals. */
  exemption?: { reason: string; reference: string } | null;
}): Promise<Uint8Array> {
  const { invoice: inv, settings } = p;
  const fr = p.locale.toLowerCase().startsWith("fr");
  const t = fr ? FR : EN;
  const intlLocale = fr ? "fr-FR" : "en-GB";
  const doc = await PDFDocument.create({ updateMetadata: false });
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const money = (minor: number) => {
    const f = new Intl.NumberFormat(intlLocale, { style: "currency", currency: inv.currency });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(minor / 10 ** digits);
  };
  const date = (iso: string | null) =>
    iso ? new Intl.DateTimeFormat(intlLocale, { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${iso.slice(0, 10)}T00:00:00Z`)) : "—";
  const title = inv.kind === "credit_note" ? t.creditNote : inv.status === "draft" ? t.proforma : t.invoice;
  const ref = inv.number ?? inv.id;
  doc.setTitle(`${title} ${ref}`);
  doc.setAuthor(settings.legal_name ?? settings.operator_name);
  doc.setProducer("Open BSS");
  doc.setCreator("Open BSS");
  if (inv.issued_at) doc.setCreationDate(new Date(inv.issued_at));

  let page = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const text = (s: string, x: number, size = 10, font: PDFFont = regular, color = INK) => page.drawText(clean(s, font), { x, y, size, font, color });
  const right = (s: string, xRight: number, size = 10, font: PDFFont = regular, color = INK) => {
    const v = clean(s, font);
    page.drawText(v, { x: xRight - font.widthOfTextAtSize(v, size), y, size, font, color });
  };
  const newPageIfNeeded = (room: number) => {
    if (y - room > MARGIN + 40) return;
    page = doc.addPage(A4);
    y = A4[1] - MARGIN;
  };

  // The operator's logo (a PNG or JPEG data URI from settings) above its name.
  const logo = await embedLogo(doc, settings.logo ?? null);
  if (logo) {
    const scale = Math.min(40 / logo.height, 160 / logo.width);
    page.drawImage(logo, { x: MARGIN, y: y - logo.height * scale + 12, width: logo.width * scale, height: logo.height * scale });
    y -= logo.height * scale + 8;
  }

  // Operator (left) and document (right).
  text(settings.operator_name, MARGIN, 18, bold);
  right(title, A4[0] - MARGIN, 16, bold);
  y -= 20;
  const operatorLines = [settings.legal_name, ...(settings.legal_address ?? "").split("\n"), settings.vat_number ? `${t.vat} ${settings.vat_number}` : null]
    .filter((l): l is string => Boolean(l?.trim()))
    .slice(0, 6);
  const docLines: [string, string][] = [
    [t.number, ref],
    [t.issued, date(inv.issued_at)],
    ...(inv.kind === "invoice" && inv.due_date ? ([[t.due, date(inv.due_date)]] as [string, string][]) : []),
    [t.period, `${date(inv.period_start)} – ${date(inv.period_end)}`],
  ];
  for (let i = 0; i < Math.max(operatorLines.length, docLines.length); i++) {
    const o = operatorLines[i];
    if (o) text(o, MARGIN, 9, regular, MUTED);
    const d = docLines[i];
    if (d) right(`${d[0]}: ${d[1]}`, A4[0] - MARGIN, 9);
    y -= 13;
  }
  if (inv.status === "void") {
    y -= 4;
    right(t.void, A4[0] - MARGIN, 14, bold, rgb(0.7, 0.1, 0.1));
    y -= 16;
  }

  // Customer.
  y -= 16;
  text(t.billTo, MARGIN, 9, bold, MUTED);
  y -= 14;
  text(p.customer.name, MARGIN, 11, bold);
  y -= 14;
  for (const line of p.customer.lines.slice(0, 5)) {
    text(line, MARGIN, 9);
    y -= 12;
  }
  if (inv.kind === "credit_note" && inv.credits_invoice_id) {
    y -= 6;
    text(`${t.credits} ${p.creditedNumber ?? inv.credits_invoice_id}${inv.reason ? ` — ${inv.reason}` : ""}`, MARGIN, 9);
    y -= 12;
  }

  // Lines.
  y -= 18;
  const cols = { net: 360, rate: 420, tax: 480, total: A4[0] - MARGIN };
  const header = () => {
    text(t.description, MARGIN, 9, bold, MUTED);
    right(t.net, cols.net, 9, bold, MUTED);
    right(t.taxRate, cols.rate, 9, bold, MUTED);
    right(t.tax, cols.tax, 9, bold, MUTED);
    right(t.total, cols.total, 9, bold, MUTED);
    y -= 6;
    rule(page, y);
    y -= 14;
  };
  header();
  for (const l of inv.lines) {
    newPageIfNeeded(16);
    if (y === A4[1] - MARGIN) header();
    text(truncate(l.description, regular, 10, cols.net - MARGIN - 70), MARGIN, 10);
    right(money(l.amount), cols.net, 10);
    right(`${(l.tax_rate_bp / 100).toLocaleString(intlLocale, { maximumFractionDigits: 2 })} %`, cols.rate, 10);
    right(money(l.tax_amount), cols.tax, 10);
    right(money(l.amount + l.tax_amount), cols.total, 10);
    y -= 16;
  }
  rule(page, y + 8);

  // Tax by rate, then totals.
  newPageIfNeeded(140);
  y -= 10;
  const byRate = new Map<number, { base: number; tax: number }>();
  for (const l of inv.lines) {
    const r = byRate.get(l.tax_rate_bp) ?? { base: 0, tax: 0 };
    r.base += l.amount;
    r.tax += l.tax_amount;
    byRate.set(l.tax_rate_bp, r);
  }
  const totalsTop = y;
  text(t.taxBreakdown, MARGIN, 9, bold, MUTED);
  y -= 14;
  for (const [rate, r] of [...byRate.entries()].sort((a, b) => a[0] - b[0])) {
    text(`${(rate / 100).toLocaleString(intlLocale, { maximumFractionDigits: 2 })} %`, MARGIN, 9);
    right(`${t.base} ${money(r.base)}`, MARGIN + 170, 9);
    right(`${t.tax} ${money(r.tax)}`, MARGIN + 260, 9);
    y -= 12;
  }
  const afterBreakdown = y;
  y = totalsTop;
  const credited = inv.credit_notes.reduce((s, n) => s + n.total_amount, 0);
  const totals: [string, string, boolean][] = [
    [t.subtotal, money(inv.subtotal_amount), false],
    [t.tax, money(inv.tax_amount), false],
    [t.total, money(inv.total_amount), true],
    ...(inv.kind === "invoice" && inv.status !== "draft"
      ? ([...(credited > 0 ? [[t.credited, money(credited), false]] : []), [t.amountDue, money(inv.amount_due), true]] as [string, string, boolean][])
      : []),
  ];
  for (const [label, value, strong] of totals) {
    right(label, cols.tax, 10, strong ? bold : regular, strong ? INK : MUTED);
    right(value, cols.total, 10, strong ? bold : regular);
    y -= 15;
  }
  y = Math.min(y, afterBreakdown) - 24;
  if (p.exemption) {
    text(t.exempt.replace("{reason}", p.exemption.reason).replace("{reference}", p.exemption.reference), MARGIN, 9);
    y -= 16;
  }

  // Payment instructions, or what a draft is.
  if (inv.status === "draft") text(t.draftNote, MARGIN, 9, regular, MUTED);
  else if (inv.kind === "invoice" && inv.amount_due > 0 && inv.due_date) {
    text(t.pay.replace("{amount}", money(inv.amount_due)).replace("{date}", date(inv.due_date)).replace("{number}", ref), MARGIN, 10);
  }
  y -= 14;
  const contact = [settings.support_email, settings.website].filter(Boolean).join(" · ");
  if (contact) text(contact, MARGIN, 9, regular, MUTED);
  return doc.save({ useObjectStreams: false });
}

/**
 * The settings' logo as an image of the document: PNG and JPEG data URIs only. An https logo is not
 * fetched while rendering (a PDF must not depend on another server being up) and SVG/WebP are not
 * PDF image formats: those invoices go without, and the pages and emails still show the logo.
 */
async function embedLogo(doc: PDFDocument, logo: string | null): Promise<PDFImage | null> {
  const m = logo ? /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/=]+)$/.exec(logo) : null;
  if (!m?.[2]) return null;
  try {
    const bytes = Uint8Array.from(atob(m[2]), (ch) => ch.charCodeAt(0));
    return m[1] === "png" ? await doc.embedPng(bytes) : await doc.embedJpg(bytes);
  } catch {
    // A logo that does not decode leaves the document without one rather than without a PDF.
    return null;
  }
}

function rule(page: PDFPage, y: number) {
  page.drawLine({ start: { x: MARGIN, y }, end: { x: A4[0] - MARGIN, y }, thickness: 0.5, color: rgb(0.8, 0.82, 0.85) });
}

/** The text with what the font cannot encode replaced ("?"), and narrow spaces made plain. */
function clean(s: string, font: PDFFont): string {
  let out = "";
  for (const ch of s.replace(/[\u202f\u2009]/g, " ").replace(/[\u2212]/g, "-")) {
    try {
      font.encodeText(ch);
      out += ch;
    } catch {
      out += "?";
    }
  }
  return out;
}

function truncate(s: string, font: PDFFont, size: number, width: number): string {
  let v = clean(s, font);
  if (font.widthOfTextAtSize(v, size) <= width) return v;
  while (v.length > 1 && font.widthOfTextAtSize(`${v}…`, size) > width) v = v.slice(0, -1);
  return `${v}…`;
}
