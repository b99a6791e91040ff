import { getContact } from "../../db/queries/contacts";
import { getService } from "../../db/queries/services";
import { getSiteRow } from "../../db/queries/sites";
import { Invalid } from "../../lib/errors";
import { activityRow } from "../activity/record";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "./port";
import type { ServiceView } from "./schemas";
import { loadService, op, unwrap } from "./support";

/** Changes where and for whom a service runs (its site and contact); lifecycle changes have their own routes. */
export async function updateService(
  ctx: WriteContext,
  deps: ServiceDeps,
  id: string,
  patch: { site_id?: string | null; contact_id?: string | null },
  key: string,
) {
  const service = await loadService(ctx, id);
  if (patch.site_id) {
    if ((await getSiteRow(ctx.db, patch.site_id))?.customerId !== service.customer_id)
      throw new Invalid("The site does not belong to this customer.", [{ path: "site_id", message: "Unknown site" }]);
  }
  if (patch.contact_id) {
    if ((await getContact(ctx.db, patch.contact_id))?.customer_id !== service.customer_id)
      throw new Invalid("The contact does not belong to this customer.", [{ path: "contact_id", message: "Unknown contact" }]);
  }
  const changes = {
    ...(patch.site_id !== undefined ? { siteId: patch.site_id } : {}),
    ...(patch.contact_id !== undefined ? { contactId: patch.contact_id } : {}),
  };
  unwrap(
    await deps.state(id).apply(
      id,
      `update:${key}`,
      {
        serviceUpdate: { id, ...changes, updatedAt: ctx.now },
        activity: [
          activityRow(op(ctx), {
            entity: "service",
            entityId: id,
            customerId: service.customer_id,
            action: "service.update",
            before: { site_id: service.site_id, contact_id: service.contact_id },
            after: { site_id: patch.site_id ?? service.site_id, contact_id: patch.contact_id === undefined ? service.contact_id : patch.contact_id },
          }),
        ],
      },
      ["pending", "provisioning", "active", "suspended", "failed"],
    ),
  );
  return (await getService(ctx.db, id)) as ServiceView;
}
