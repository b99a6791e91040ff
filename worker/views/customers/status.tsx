import type { CustomerView } from "../../domain/customers/schemas";
import { Badge, CsrfField, PageHeader, Table } from "../components";
import { Layout, type PageContext } from "../layout";
import { identifiersColumn } from "../services";

export function CustomerStatusConfirmPage(props: {
  ctx: PageContext;
  customer: CustomerView;
  transition: "suspend" | "resume";
  services: { id: string; name: string; status: string; identifiers: Record<string, string> }[];
  canChangeServices: boolean;
  formKey: string;
}) {
  const c = props.customer;
  const verb = props.transition === "suspend" ? "Suspend" : "Resume";
  const n = props.services.length;
  const blocked = n > 0 && !props.canChangeServices;
  return (
    <Layout ctx={props.ctx} title={`${verb} ${c.name}`}>
      <PageHeader
        title={`${verb} ${c.name}?`}
        back={{ href: `/admin/customers/${c.id}`, label: c.name }}
        subtitle={
          <>
            <Badge value={c.status} /> → <Badge value={props.transition === "suspend" ? "suspended" : "open"} />
          </>
        }
      />
      <section class="card" aria-labelledby="carried-h">
        <h2 id="carried-h">
          {n === 0 ? "No services follow" : `${n} service${n === 1 ? "" : "s"} ${props.transition === "suspend" ? "will be suspended" : "will be resumed"}`}
        </h2>
        {n === 0 ? (
          <p class="muted">
            {props.transition === "suspend"
              ? "This customer has no active service: only the customer's status changes."
              : "No service was suspended with this customer (or they were resumed since): only the customer's status changes."}
          </p>
        ) : (
          <>
            <p class="muted small">
              Each one goes through its own provisioning job
              {props.transition === "resume" ? "; services suspended on their own stay suspended" : ""}.
            </p>
            <Table
              id="carried-services"
              rows={props.services}
              rowAttributes={(s) => ({ "data-service-id": s.id })}
              columns={[
                {
                  header: "Service",
                  cell: (s) => (
                    <>
                      <a href={`/admin/services/${s.id}`}>{s.name}</a> <code class="small">{s.id}</code>
                    </>
                  ),
                },
                identifiersColumn(),
                { header: "Status now", cell: (s) => <Badge value={s.status} /> },
              ]}
            />
          </>
        )}
      </section>
      {blocked && (
        <div class="alert error" role="alert">
          Changing these services needs the services:write permission; ask someone who holds it.
        </div>
      )}
      <form method="post" action={`/admin/customers/${c.id}/transition`} class="stack">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="transition" value={props.transition} />
        <input type="hidden" name="confirmed" value="1" />
        <input type="hidden" name="key" value={props.formKey} />
        <div class="actions">
          <button type="submit" class={props.transition === "suspend" ? "button danger" : "button primary"} disabled={blocked}>
            {verb} the customer{n > 0 ? ` and ${n} service${n === 1 ? "" : "s"}` : ""}
          </button>
          <a class="button" href={`/admin/customers/${c.id}`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}
