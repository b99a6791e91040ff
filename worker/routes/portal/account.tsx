/**
 * "My details": the signed-in customer's own contact (name, phone), their sign-in address (changed
 * only through a link sent to the new one) and their sites (address). Other contacts are shown, not
 * edited: roles and billing contacts stay with the operator's staff. Every change goes through the
 * same use cases as the API (validation, geocoding, activity log), scoped to the customer.
 */

import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { getContact, listContacts } from "../../db/queries/contacts";
import { getSiteRow, listSites } from "../../db/queries/sites";
import { customerAccounts } from "../../db/schema";
import { confirmPortalEmailChange, requestPortalEmailChange } from "../../domain/auth/portal-email";
import { updateContact } from "../../domain/contacts/contacts";
import { ContactPatch } from "../../domain/contacts/schemas";
import { SitePatch } from "../../domain/sites/schemas";
import { updateSite } from "../../domain/sites/sites";
import type { AppEnv } from "../../env";
import type { MessageKey } from "../../i18n/catalogue";
import { googleGeocoder } from "../../integrations/geocoding";
import { AppError, NotFound } from "../../lib/errors";
import { formatPhone } from "../../lib/phone";
import { can, writeContext } from "../../middleware/access";
import { Alerts, CsrfField, type FormErrors } from "../../views/components";
import { attempt, readForm, text, validate } from "../admin/forms";
import { kickOutbox, links } from "../support";
import { customerOf, label, type PortalCtx, PortalLayout, PortalTable, portalCtx, system } from "./shared";

type Extra = { notice?: string; error?: string; errors?: FormErrors };

function Input(props: {
  p: PortalCtx;
  id: string;
  name: string;
  label: MessageKey;
  value?: string | null;
  errors?: FormErrors;
  type?: string;
  hint?: MessageKey;
}) {
  const error = props.errors?.[props.name];
  const described = [props.hint ? `${props.id}-hint` : "", error ? `${props.id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={props.id}>{props.p.t(props.label)}</label>
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && (
        <span class="hint" id={`${props.id}-hint`}>
          {props.p.t(props.hint)}
        </span>
      )}
      {error && (
        <span class="field-error" id={`${props.id}-error`}>
          {error}
        </span>
      )}
    </div>
  );
}

async function accountPage(c: Context<AppEnv>, extra: Extra = {}, status: 200 | 400 | 409 | 422 = 200) {
  const customerId = customerOf(c);
  const principal = c.get("principal");
  if (!customerId || !principal) return c.redirect("/portal/login", 303);
  const p = portalCtx(c);
  const db = c.get("db");
  const account = await db.select().from(customerAccounts).where(eqId(principal.id)).get();
  const [me, contacts, sites] = await Promise.all([
    account?.contactId ? getContact(db, account.contactId) : Promise.resolve(null),
    listContacts(db, customerId, 50),
    listSites(db, customerId, 50),
  ]);
  const others = contacts.data.filter((x) => x.id !== me?.id);
  return c.html(
    <PortalLayout p={p} title={p.t("account.title")}>
      <h1>{p.t("account.title")}</h1>
      <Alerts notice={extra.notice} error={extra.error ?? (extra.errors ? p.t("account.fix_errors") : undefined)} />
      {me && (
        <section class="card" id="me">
          <h2>{p.t("account.me")}</h2>
          <form method="post" action="/portal/account/contact" class="stack">
            <CsrfField token={p.csrfToken} />
            <Input p={p} id="f-first" name="first_name" label="account.first_name" value={me.first_name} errors={extra.errors} />
            <Input p={p} id="f-last" name="last_name" label="account.last_name" value={me.last_name} errors={extra.errors} />
            <Input p={p} id="f-phone" name="phone" type="tel" label="account.phone" hint="account.phone_hint" value={me.phone} errors={extra.errors} />
            <button type="submit" class="button primary">
              {p.t("account.save")}
            </button>
          </form>
        </section>
      )}
      <section class="card" id="email">
        <h2>{p.t("account.sign_in_email")}</h2>
        <p>
          {label(p, "portal.email")}
          <strong>{account?.email ?? principal.email}</strong>
        </p>
        <form method="post" action="/portal/account/email" class="stack">
          <CsrfField token={p.csrfToken} />
          <Input p={p} id="f-new-email" name="email" type="email" label="account.new_email" errors={extra.errors} />
          <button type="submit" class="button">
            {p.t("account.change_email")}
          </button>
        </form>
      </section>
      <section class="card" id="sites">
        <h2>{p.t("account.sites")}</h2>
        {sites.data.length === 0 && <p>{p.t("account.no_sites")}</p>}
        {sites.data.map((site) => (
          <details>
            <summary>
              <strong>{site.name}</strong> · {[site.address_line1, site.postal_code, site.city, site.country].filter(Boolean).join(", ")}
            </summary>
            <form method="post" action={`/portal/account/sites/${site.id}`} class="stack">
              <CsrfField token={p.csrfToken} />
              <Input p={p} id={`f-${site.id}-name`} name="name" label="account.site_name" value={site.name} errors={extra.errors} />
              <Input p={p} id={`f-${site.id}-a1`} name="address_line1" label="account.address1" value={site.address_line1} errors={extra.errors} />
              <Input p={p} id={`f-${site.id}-a2`} name="address_line2" label="account.address2" value={site.address_line2} errors={extra.errors} />
              <Input p={p} id={`f-${site.id}-pc`} name="postal_code" label="account.postal_code" value={site.postal_code} errors={extra.errors} />
              <Input p={p} id={`f-${site.id}-city`} name="city" label="account.city" value={site.city} errors={extra.errors} />
              <Input p={p} id={`f-${site.id}-country`} name="country" label="account.country" value={site.country} errors={extra.errors} />
              <button type="submit" class="button">
                {p.t("account.edit_site", { name: site.name })}
              </button>
            </form>
          </details>
        ))}
      </section>
      <section class="card" id="contacts">
        <h2>{p.t("account.contacts")}</h2>
        <PortalTable
          rows={others}
          empty={p.t("account.no_contacts")}
          columns={[
            { header: p.t("account.first_name"), cell: (x) => [x.first_name, x.last_name].filter(Boolean).join(" ") },
            { header: p.t("portal.email"), cell: (x) => x.email ?? "" },
            { header: p.t("account.phone"), cell: (x) => (x.phone ? formatPhone(x.phone) : "") },
          ]}
        />
        <p class="muted">{p.t("account.staff_only")}</p>
      </section>
    </PortalLayout>,
    status,
  );
}

const eqId = (id: string) => eq(customerAccounts.id, id);

const DONE = { saved: "account.saved" } as const;

export const portalAccount = new Hono<AppEnv>()
  .get("/account", can("public"), (c) => {
    const done = c.req.query("done");
    return accountPage(c, { notice: done && Object.hasOwn(DONE, done) ? portalCtx(c).t(DONE[done as keyof typeof DONE]) : undefined });
  })
  .post("/account/contact", can("public"), async (c) => {
    const customerId = customerOf(c);
    const principal = c.get("principal");
    if (!customerId || !principal) return c.redirect("/portal/login", 303);
    const account = await c.get("db").select().from(customerAccounts).where(eqId(principal.id)).get();
    const contact = account?.contactId ? await getContact(c.get("db"), account.contactId) : null;
    if (!contact || contact.customer_id !== customerId) throw new NotFound("No contact of yours.");
    const body = await readForm(c);
    const parsed = validate(ContactPatch, {
      first_name: text(body, "first_name") ?? "",
      last_name: text(body, "last_name", "null"),
      phone: text(body, "phone", "null"),
    });
    if (!parsed.ok) return accountPage(c, { errors: parsed.errors }, 422);
    const result = await attempt(() => updateContact(writeContext(c), contact.id, parsed.data));
    if (!result.ok) return accountPage(c, { errors: result.errors, error: result.message }, 422);
    return c.redirect("/portal/account?done=saved", 303);
  })
  .post("/account/sites/:id", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const site = await getSiteRow(c.get("db"), c.req.param("id"));
    if (!site || site.customerId !== customerId) throw new NotFound("No site with this id.");
    const body = await readForm(c);
    const parsed = validate(SitePatch, {
      name: text(body, "name") ?? "",
      address_line1: text(body, "address_line1") ?? "",
      address_line2: text(body, "address_line2", "null"),
      postal_code: text(body, "postal_code", "null"),
      city: text(body, "city") ?? "",
      country: (text(body, "country") ?? "").toUpperCase(),
    });
    if (!parsed.ok) return accountPage(c, { errors: parsed.errors }, 422);
    const result = await attempt(() => updateSite(writeContext(c), site.id, parsed.data, googleGeocoder(c.env)));
    if (!result.ok) return accountPage(c, { errors: result.errors, error: result.message }, 422);
    return c.redirect("/portal/account?done=saved", 303);
  })
  .post("/account/email", can("public"), async (c) => {
    const principal = c.get("principal");
    if (!customerOf(c) || !principal) return c.redirect("/portal/login", 303);
    const p = portalCtx(c);
    try {
      const email = await requestPortalEmailChange(writeContext(c), principal.id, text(await readForm(c), "email") ?? "", await links(c));
      kickOutbox(c);
      return accountPage(c, { notice: p.t("account.email_sent", { email }) });
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return accountPage(c, { errors: { email: error.errors?.[0]?.message ?? error.message } }, 422);
    }
  })
  // The link in the email: works signed in or not (it proves the new address, not the session).
  .get("/account/email", can("public"), async (c) => {
    const p = portalCtx(c);
    try {
      const email = await confirmPortalEmailChange(system(c), c.req.query("token") ?? "", await links(c));
      kickOutbox(c);
      if (customerOf(c)) return accountPage(c, { notice: p.t("account.email_changed", { email }) });
      return c.redirect("/portal/login?email_changed=1", 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      if (customerOf(c)) return accountPage(c, { error: error.status === 409 ? error.message : p.t("portal.link_expired") }, error.status === 409 ? 409 : 400);
      return c.redirect("/portal/login?link=expired", 303);
    }
  });
