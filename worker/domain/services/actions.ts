import type { Permission } from "../auth/permissions";
import { SERVICE_TRANSITIONS, type ServiceStatus } from "./state";

/**
 * The lifecycle actions staff and integrators take on a service, and who may take each: the API
 * route (`POST /services/{id}/<action>`), the admin form that posts it and the button that shows it
 * all read this one table. Each is a provisioning job; the state machine (`SERVICE_TRANSITIONS`)
 * says from which statuses.
 */
export const SERVICE_ACTIONS = {
  suspend: { permission: "services:write", label: "Suspend", help: "active → suspended", confirm: null },
  resume: { permission: "services:write", label: "Resume", help: "suspended → active", confirm: null },
  terminate: {
    permission: "services:write",
    label: "Terminate",
    help: "active or suspended → terminating (terminated when the deprovision job succeeds)",
    confirm: "Terminate this service? Its resources are released.",
  },
  retry: { permission: "services:provision", label: "Retry provisioning", help: "failed → provisioning (a new provision job)", confirm: null },
} as const satisfies Record<string, { permission: Permission; label: string; help: string; confirm: string | null }>;

export type ServiceAction = keyof typeof SERVICE_ACTIONS;
export const SERVICE_ACTION_NAMES = Object.keys(SERVICE_ACTIONS) as [ServiceAction, ...ServiceAction[]];

/** The actions a caller may take on a service in `status` (`may`: whether the caller holds a permission). */
export function availableActions(status: ServiceStatus, may: (permission: Permission) => boolean): ServiceAction[] {
  return SERVICE_ACTION_NAMES.filter((a) => (SERVICE_TRANSITIONS[a].from as readonly ServiceStatus[]).includes(status) && may(SERVICE_ACTIONS[a].permission));
}
