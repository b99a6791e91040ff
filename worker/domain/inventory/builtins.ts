import type { InventoryFieldDef } from "../../db/schema";

/**
 * The built-in inventory types. Migration 0005 inserts exactly these (a test compares them), so a
 * fresh database has them before anything references them; admins add custom types beside them.
 */
const f = (name: string, label: string, kind: InventoryFieldDef["kind"], extra: Partial<InventoryFieldDef> = {}): InventoryFieldDef => ({
  name,
  label,
  kind,
  required: false,
  unique: false,
  ...extra,
});

const device = (): InventoryFieldDef[] => [
  f("serial", "Serial number", "text", { required: true, unique: true }),
  f("mac", "MAC address", "mac", { unique: true }),
  f("model", "Model", "text"),
  f("firmware", "Firmware", "text"),
];

export const BUILT_IN_TEMPLATES: { slug: string; name: string; description: string; fields: InventoryFieldDef[] }[] = [
  {
    slug: "sim",
    name: "SIM card",
    description: "Physical or eSIM profile. PIN, PUK and Ki are encrypted at rest and never listed.",
    fields: [
      f("iccid", "ICCID", "iccid", { required: true, unique: true }),
      f("imsi", "IMSI", "imsi", { required: true, unique: true }),
      f("pin", "PIN", "secret"),
      f("puk", "PUK", "secret"),
      f("ki", "Ki", "secret"),
      f("profile", "Profile", "text"),
    ],
  },
  {
    slug: "phone_number",
    name: "Phone number",
    description: "MSISDN in E.164, by pool; golden numbers are only given out when picked by staff.",
    fields: [
      f("msisdn", "MSISDN", "e164", { required: true, unique: true }),
      f("pool", "Pool", "text"),
      f("golden", "Golden number", "boolean"),
      f("port_in", "Ported in", "boolean"),
      f("donor_operator", "Donor operator", "text"),
    ],
  },
  { slug: "modem", name: "Modem", description: "Customer modem.", fields: device() },
  { slug: "ont", name: "ONT", description: "Fibre optical network terminal.", fields: device() },
  { slug: "cpe", name: "CPE", description: "Customer premises equipment (router, set-top box).", fields: device() },
  {
    slug: "ip_block",
    name: "IP block",
    description: "IPv4 or IPv6 prefix from which addresses and sub-prefixes are allocated to services.",
    fields: [f("cidr", "Prefix (CIDR)", "cidr", { required: true, unique: true }), f("pool", "Pool", "text")],
  },
  {
    slug: "cell_site",
    name: "Cell site",
    description: "Radio cell, used to target cell broadcasts.",
    fields: [
      f("cell_id", "Cell id", "digits", { required: true, unique: true, lengths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }),
      f("name", "Name", "text"),
      f("tac", "TAC", "integer", { required: true }),
      f("mcc", "MCC", "digits", { required: true, lengths: [3] }),
      f("mnc", "MNC", "digits", { required: true, lengths: [2, 3] }),
      f("latitude", "Latitude", "latitude", { required: true }),
      f("longitude", "Longitude", "longitude", { required: true }),
      f("azimuth", "Azimuth (°)", "azimuth"),
    ],
  },
];
