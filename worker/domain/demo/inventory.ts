import { and, eq, sql } from "drizzle-orm";
import { inventoryItems, inventoryTemplates } from "../../db/schema";
import { toCsv } from "../../lib/csv";
import { luhnCheckDigit } from "../../lib/identifiers";
import type { WriteContext } from "../context";
import { importItems } from "../inventory/import";

/** An ICCID of the demo operator's range (89 33 15 = France, MNC 15), with its Luhn check digit. */
export function demoIccid(serial: number): string {
  const partial = `893315${String(serial).padStart(12, "0")}`;
  return partial + luhnCheckDigit(partial);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** The demo stock, as CSV files of the import format (the same path staff use). */
export function demoInventoryCsv(): { type: string; csv: string }[] {
  const sims = [
    ["iccid", "imsi", "pin", "puk", "ki", "profile", "location", "supplier", "cost_amount", "currency"],
    ...Array.from({ length: 120 }, (_, i) => [
      demoIccid(100_000 + i),
      `20815${String(1_000_000_000 + i * 7).slice(-10)}`,
      String(1000 + ((i * 37) % 9000)),
      String(10_000_000 + ((i * 7919) % 90_000_000)),
      hex(0x1234_5678 + i * 2_654_435, 8)
        .repeat(4)
        .slice(0, 32),
      i % 4 === 0 ? "esim" : "uicc",
      i % 3 === 0 ? "Villeurbanne shop" : "Lyon warehouse",
      "Demo SIM Supplier",
      "180",
      "EUR",
    ]),
  ];
  const numbers = [
    ["msisdn", "pool", "golden", "port_in", "donor_operator", "location"],
    ...Array.from({ length: 80 }, (_, i) => [`+3366${String(2_000_000 + i * 13).slice(-7)}`, "mobile", "false", "false", "", "Lyon warehouse"]),
    ...["+33600000001", "+33600000002", "+33677777777"].map((n) => [n, "mobile", "true", "false", "", "Lyon warehouse"]),
    ...Array.from({ length: 5 }, (_, i) => [`+3367${String(5_550_000 + i).slice(-7)}`, "mobile", "false", "true", "Orange", "Lyon warehouse"]),
    ...Array.from({ length: 30 }, (_, i) => [`+33478${String(200_000 + i * 11).slice(-6)}`, "geographic", "false", "false", "", "Lyon warehouse"]),
  ];
  const device = (prefix: string, count: number, model: string, firmware: string, oui: number) => [
    ["serial", "mac", "model", "firmware", "location", "supplier", "cost_amount", "currency"],
    ...Array.from({ length: count }, (_, i) => [
      `${prefix}-${String(i + 1).padStart(5, "0")}`,
      hex(oui * 0x1000000 + 0x100 + i, 12).replace(/(..)(?!$)/g, "$1:"),
      model,
      firmware,
      i % 5 === 0 ? "Villeurbanne shop" : "Lyon warehouse",
      "Demo Devices Ltd",
      prefix === "ONT" ? "4900" : "7900",
      "EUR",
    ]),
  ];
  const blocks = [
    ["cidr", "pool", "location"],
    ["198.51.100.0/24", "residential", "Lyon POP"],
    ["203.0.113.0/26", "business", "Lyon POP"],
    ["2001:db8:100::/48", "residential-v6", "Lyon POP"],
  ];
  // Ten three-sector sites around Lyon: the cell broadcast module targets them.
  const centres: [string, number, number, number][] = [
    ["Lyon Bellecour", 45.7578, 4.832, 6901],
    ["Lyon Part-Dieu", 45.7606, 4.8597, 6901],
    ["Lyon Croix-Rousse", 45.7772, 4.8317, 6901],
    ["Lyon Gerland", 45.7283, 4.8322, 6902],
    ["Lyon Vaise", 45.7745, 4.805, 6902],
    ["Villeurbanne Gratte-Ciel", 45.7676, 4.8799, 6903],
    ["Vénissieux Centre", 45.6973, 4.8864, 6903],
    ["Caluire", 45.7953, 4.8469, 6902],
    ["Bron Aéroport", 45.7294, 4.9389, 6903],
    ["Écully", 45.7744, 4.7775, 6902],
  ];
  const cells = [
    ["cell_id", "name", "tac", "mcc", "mnc", "latitude", "longitude", "azimuth", "location"],
    ...centres.flatMap(([name, lat, lon, tac], site) =>
      [0, 120, 240].map((azimuth, sector) => [
        String(20_815_000 + site * 10 + sector + 1),
        `${name} ${["A", "B", "C"][sector]}`,
        String(tac),
        "208",
        "15",
        lat.toFixed(5),
        lon.toFixed(5),
        String(azimuth),
        name,
      ]),
    ),
  ];
  return [
    { type: "sim", csv: toCsv(sims) },
    { type: "phone_number", csv: toCsv(numbers) },
    { type: "cpe", csv: toCsv(device("CPE", 30, "Demo Box 3", "3.2.1", 0x0050c2)) },
    { type: "ont", csv: toCsv(device("ONT", 20, "GPON ONT G-010", "1.8.4", 0x00a0bc)) },
    { type: "ip_block", csv: toCsv(blocks) },
    { type: "cell_site", csv: toCsv(cells) },
  ];
}

/** Low-stock alert thresholds of the demo operator. */
const THRESHOLDS: Record<string, number> = { sim: 50, phone_number: 20, cpe: 5, ont: 5 };

/** Imports the demo stock once (types already holding items are left alone) and sets alert thresholds. */
export async function ensureDemoInventory(ctx: WriteContext, encryptionKey: string): Promise<void> {
  for (const { type, csv } of demoInventoryCsv()) {
    const any = await ctx.db.select({ id: inventoryItems.id }).from(inventoryItems).where(eq(inventoryItems.type, type)).limit(1).get();
    if (!any) await importItems(ctx, { encryptionKey, baseUrl: "" }, csv, { type, mode: "valid_rows", dryRun: false });
    const threshold = THRESHOLDS[type];
    if (threshold !== undefined) {
      await ctx.db
        .update(inventoryTemplates)
        .set({ lowStockThreshold: threshold })
        .where(and(eq(inventoryTemplates.slug, type), sql`${inventoryTemplates.lowStockThreshold} IS NULL`));
    }
  }
}
