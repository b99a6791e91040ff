import { demoInventoryCsv } from "../../worker/domain/demo/inventory";
import { parseCsv } from "../../worker/lib/csv";
import type { CellIdentity } from "./server";

/**
 * The demo operator's cells (the `cell_site` items the demo seed imports: 208-15, their TAC and cell_id),
 * as the CBC simulator knows them when npm start runs it: 4G cells behind the peer "mme-sim".
 */
export function demoCells(): CellIdentity[] {
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
