import type { Actor } from "../context";
import type { Permission } from "./permissions";

/** The authenticated caller of a request. */
export type Principal = {
  type: "user";
  id: string;
  email: string;
  name: string;
  sessionId: string;
  permissions: ReadonlySet<Permission>;
};

export function actorOf(principal: Principal): Actor {
  return { type: principal.type, id: principal.id, label: principal.email };
}
