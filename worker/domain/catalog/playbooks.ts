/**
 * What each playbook needs from the product that names it, read from the `<name>.needs.json` file
 * beside the playbook (bundled into the worker at build time; a test keeps this list and the
 * playbooks directory in step). Publishing a product that does not meet its playbook's needs is a
 * 422 naming what is missing — otherwise every order of it would fail at provisioning.
 *
 * - `products`: the product types that may name the playbook (`[]`: a lifecycle playbook the system runs).
 * - `inventory`: groups of inventory types; the product must reserve one type of each group
 *   (`[["cpe", "modem", "ont"], ["ip_block"]]`: a CPE, modem or ONT, and an IP block).
 * - `vars`: the product's `provisioning_json_vars` the playbook reads (`required`, optional `enum`).
 */
import { z } from "zod";
import addonTopup from "../../../playbooks/addon_topup.needs.json";
import bundle from "../../../playbooks/bundle.needs.json";
import catalogProduct from "../../../playbooks/catalog_product.needs.json";
import changePlan from "../../../playbooks/change_plan.needs.json";
import chargingAccount from "../../../playbooks/charging_account.needs.json";
import deprovision from "../../../playbooks/deprovision.needs.json";
import failTest from "../../../playbooks/fail_test.needs.json";
import fixedInternet from "../../../playbooks/fixed_internet.needs.json";
import mobilePostpaid from "../../../playbooks/mobile_postpaid.needs.json";
import mobilePrepaid from "../../../playbooks/mobile_prepaid.needs.json";
import resume from "../../../playbooks/resume.needs.json";
import slowTest from "../../../playbooks/slow_test.needs.json";
import suspend from "../../../playbooks/suspend.needs.json";
import voip from "../../../playbooks/voip.needs.json";
import type { FieldError } from "../../lib/errors";
import { PRODUCT_TYPES } from "./schemas";

export const PlaybookNeeds = z.strictObject({
  description: z.string().min(1),
  products: z.array(z.enum(PRODUCT_TYPES)),
  inventory: z.array(z.array(z.string().regex(/^[a-z][a-z0-9_]{1,39}$/)).min(1)),
  vars: z.record(z.string(), z.strictObject({ required: z.boolean(), enum: z.array(z.string()).min(1).optional(), description: z.string().optional() })),
});
export type PlaybookNeeds = z.infer<typeof PlaybookNeeds>;

/** Every playbook in `playbooks/`, by name (without `.yml`). */
export const PLAYBOOKS: Record<string, PlaybookNeeds> = Object.fromEntries(
  Object.entries({
    addon_topup: addonTopup,
    bundle,
    catalog_product: catalogProduct,
    change_plan: changePlan,
    charging_account: chargingAccount,
    deprovision,
    fail_test: failTest,
    fixed_internet: fixedInternet,
    mobile_postpaid: mobilePostpaid,
    mobile_prepaid: mobilePrepaid,
    resume,
    slow_test: slowTest,
    suspend,
    voip,
  }).map(([name, needs]) => [name, PlaybookNeeds.parse(needs)]),
);

/** The product types that must name a playbook to be sold: their orders run a provisioning job. */
const NEEDS_A_PLAYBOOK = new Set(["standalone", "bundle"]);

type ProductShape = {
  type: string;
  status: string;
  provisioning_play: string | null;
  provisioning_json_vars: Record<string, unknown>;
  required_inventory: string[];
};

/** Why an active product cannot run its playbook (empty when it can, or when it is not active). */
export function playbookProblems(p: ProductShape): FieldError[] {
  if (p.status !== "active") return [];
  if (!p.provisioning_play) {
    return NEEDS_A_PLAYBOOK.has(p.type) ? [{ path: "provisioning_play", message: `An active ${p.type} product needs a playbook: every order runs one` }] : [];
  }
  const needs = PLAYBOOKS[p.provisioning_play];
  if (!needs) return [{ path: "provisioning_play", message: `No playbook ${p.provisioning_play} (known: ${productPlaybooks(p.type).join(", ") || "none"})` }];
  const errors: FieldError[] = [];
  if (!needs.products.includes(p.type as PlaybookNeeds["products"][number])) {
    errors.push({
      path: "provisioning_play",
      message:
        needs.products.length === 0
          ? `${p.provisioning_play} is run by the system, not named by a product`
          : `${p.provisioning_play} is for ${needs.products.join(" or ")} products`,
    });
  }
  const missing = needs.inventory.filter((group) => !group.some((type) => p.required_inventory.includes(type)));
  if (missing.length > 0) {
    errors.push({
      path: "required_inventory",
      message: `The ${p.provisioning_play} playbook needs ${missing.map((g) => g.join(" or ")).join(", ")} in required_inventory`,
    });
  }
  for (const [name, rule] of Object.entries(needs.vars)) {
    const value = p.provisioning_json_vars[name];
    if (value === undefined || value === null || value === "") {
      if (rule.required) errors.push({ path: `provisioning_json_vars.${name}`, message: `The ${p.provisioning_play} playbook needs ${name}` });
    } else if (rule.enum && !rule.enum.includes(String(value))) {
      errors.push({ path: `provisioning_json_vars.${name}`, message: `${name} is one of ${rule.enum.join(", ")}` });
    }
  }
  return errors;
}

/** The playbooks a product of this type may name. */
export function productPlaybooks(type: string): string[] {
  return Object.entries(PLAYBOOKS)
    .filter(([, needs]) => needs.products.includes(type as PlaybookNeeds["products"][number]))
    .map(([name]) => name)
    .sort();
}
