import type { toAttributeDefinitionView } from "../../db/queries/attributes";
import type { CustomerTransition } from "../../domain/customers/schemas";
import type { MessageKey } from "../../i18n/catalogue";

export type Definition = ReturnType<typeof toAttributeDefinitionView>;

/** The catalogue key of each transition's button (`t(TRANSITION_LABELS[x])`). */
export const TRANSITION_LABELS: Record<CustomerTransition, MessageKey> = {
  suspend: "cust.t_suspend",
  resume: "cust.t_resume",
  close: "cust.t_close",
  reopen: "cust.t_reopen",
  archive: "cust.t_archive",
  restore: "cust.t_restore",
};

export function AttributeInput(props: { def: Definition; value: unknown; error?: string }) {
  const { def } = props;
  const name = `attr.${def.key}`;
  const id = `f-attributes-${def.key}`;
  const value = props.value === undefined || props.value === null ? "" : String(props.value);
  return (
    <div class={props.error ? "field invalid" : "field"}>
      {def.type === "boolean" ? (
        <label class="checkbox">
          <input type="checkbox" id={id} name={name} value="true" checked={props.value === true} /> {def.label}
        </label>
      ) : (
        <>
          <label for={id}>
            {def.label}
            {def.required && <span class="req"> *</span>}
          </label>
          {def.type === "enum" ? (
            <select id={id} name={name}>
              <option value="">—</option>
              {def.options.map((o) => (
                <option value={o} selected={o === value}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              name={name}
              type={def.type === "number" ? "number" : def.type === "date" ? "date" : "text"}
              step={def.type === "number" ? "any" : undefined}
              value={value}
            />
          )}
        </>
      )}
      {def.description && <div class="hint">{def.description}</div>}
      {props.error && <div class="field-error">{props.error}</div>}
    </div>
  );
}
