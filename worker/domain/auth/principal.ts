import type { Actor } from "../context";
import type { Permission } from "./permissions";

/** The authenticated caller of a request: a staff user, an API key, or a customer's portal account. */
export type Principal = {
  type: "user" | "api_key" | "customer";
  id: string;
  /** Email of a user or customer account; the key name of an API key. */
  email: string;
  name: string;
  /** The session (users, customers) behind the token; null for API keys. */
  sessionId: string | null;
  permissions: ReadonlySet<Permission>;
  /** Customer principals only: every query they make is scoped to this customer. */
  customerId: string | null;
  /** Users whose role requires two-factor authentication and who have not set it up yet. */
  mustEnrollTwoFactor: boolean;
  /** Staff users: the language chosen for the admin pages; null or absent follows the browser. */
  locale?: "en" | "fr" | null;
};

export function actorOf(principal: Principal): Actor {
  return { type: principal.type, id: principal.id, label: principal.email };
}
