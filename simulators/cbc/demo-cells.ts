import { parseCsv } from "../../worker/lib/csv";
import type { CellIdentity } from "./server";

type DemoInventory = { demoInventoryCsv: () => { type: string; csv: string }[] };

/**
 * The demo operator's cells (the `cell_site` items the demo seed imports: 208-15, their TAC and cell_id),
 * as the CBC simulator knows them when npm start runs it: 4G cells behind the peer "mme-sim".
 */
export async function demoCells(): Promise<CellIdentity[]> {
  // Loaded at run time: the module's other imports (the inventory import) need the Workers types,
  // which the Node-side type check does not have.
  const inventory = new URL("../../worker/domain/demo/inventory.ts", import.meta.url).href;
  const { demoInventoryCsv } = (await import(inventory)) as DemoInventory;
  const csv = demoInventoryCsv().find((file) => file.type === "cell_site")?.csv ?? "";
  const [header = [], ...rows] = parseCsv(csv);
  const column = (row: string[], name: string) => row[header.indexOf(name)] ?? "";
  return rows.map((row) => ({
    mcc: column(row, "mcc"),
    mnc: column(row, "mnc"),
    tac: Number(column(row, "tac")),
    cell_id: Number(column(row, "cell_id")),
    peer: "mme-sim",
  }));
}
