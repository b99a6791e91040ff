import { ALL_PERMISSIONS, PERMISSIONS } from "../../domain/auth/permissions";
import { t } from "../../i18n/request-locale";
import { Badge } from "../components";

/** Badge words only the identity pages use (the shared ones are translated by `Badge` itself). */
const BADGES = {
  "built-in": "identity.badge.built_in",
  runner: "identity.badge.runner",
  revoked: "identity.badge.revoked",
} as const;

/** A badge with its word in the page's language (the class keeps the stored value). */
export function IdentityBadge(props: { value: string }) {
  const key = Object.hasOwn(BADGES, props.value) ? BADGES[props.value as keyof typeof BADGES] : undefined;
  return <Badge value={props.value} label={key ? t(key) : undefined} />;
}

export type SessionRow = {
  id: string;
  kind: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  remember: boolean;
};

/** Permissions grouped by resource for checkbox lists. */
export function groupedPermissions() {
  const groups = new Map<string, string[]>();
  for (const p of ALL_PERMISSIONS) {
    if (p === "runner:access") continue;
    const [resource] = p.split(":");
    groups.set(resource ?? p, [...(groups.get(resource ?? p) ?? []), p]);
  }
  return [...groups];
}

export function PermissionChecklist(props: { name: string; selected: readonly string[]; allowed?: ReadonlySet<string>; disabled?: boolean }) {
  return (
    <div class="permission-grid">
      {groupedPermissions().map(([resource, perms]) => (
        <fieldset class="checkbox-group">
          <legend>{resource.replace(/_/g, " ")}</legend>
          {perms.map((p) => (
            <label class="checkbox" title={PERMISSIONS[p as keyof typeof PERMISSIONS]}>
              <input
                type="checkbox"
                name={props.name}
                value={p}
                checked={props.selected.includes(p)}
                disabled={props.disabled || (props.allowed ? !props.allowed.has(p) : false)}
              />{" "}
              {p.split(":")[1]}
            </label>
          ))}
        </fieldset>
      ))}
    </div>
  );
}
