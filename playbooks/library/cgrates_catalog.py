#!/usr/bin/python
# -*- coding: utf-8 -*-
DOCUMENTATION = r"""
module: cgrates_catalog
short_description: Loads a product's charging definition into CGRateS (action sets, action plans, action triggers)
description:
  - The definition comes ready from the BSS (job variable C(product.charging)): CGRateS ids, types and values in
    CGRateS units. Idempotent, and safe to repeat after a crash at any call.
  - Action sets are written with C(APIerSv1.SetActions) and C(Overwrite=true) (they hold no account).
  - Action plans are created with C(APIerSv1.SetActionPlan) only when C(APIerSv1.GetActionPlan) does not find them:
    overwriting a plan would detach its accounts. Plan ids carry the product version, so a plan's content never changes.
  - Action triggers are set with C(APIerSv1.SetActionTrigger) by group and unique id (an update in place).
  - C(SCHEDULER_NOT_RUNNING) is a warning, not a failure: CGRateS saved the plan.
options:
  cgrates: {description: "{url, tenant, user, password}", type: dict, required: true}
  definition: {description: "{actions: [{ActionsId, Actions}], action_plans: [{Id, ActionPlan}], action_triggers: [{GroupID, UniqueID, ActionTrigger}]}", type: dict, required: true}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.openbss_cgrates import CgratesError, run_module


def main():
    module = AnsibleModule(
        argument_spec=dict(cgrates=dict(type="dict", required=True, no_log=False), definition=dict(type="dict", required=True)),
        supports_check_mode=True,
    )
    definition = module.params["definition"]

    def work(client):
        changed = False
        warnings = []
        if module.check_mode:
            return {"changed": False, "skipped_writes": True}
        for actions in definition.get("actions") or []:
            client.ok("APIerSv1.SetActions", {"ActionsId": actions["ActionsId"], "Overwrite": True, "Actions": actions["Actions"]})
            changed = True
        for plan in definition.get("action_plans") or []:
            if client.call("APIerSv1.GetActionPlan", {"ID": plan["Id"]}, ok_errors=("NOT_FOUND",)):
                continue
            try:
                client.ok("APIerSv1.SetActionPlan", {"Id": plan["Id"], "ActionPlan": plan["ActionPlan"], "Overwrite": False, "ReloadScheduler": True}, ok_errors=("EXISTS",))
            except CgratesError as error:
                if error.code != "SCHEDULER_NOT_RUNNING":
                    raise
                warnings.append("CGRateS saved action plan %s but its scheduler is not running: renewals wait until it is enabled" % plan["Id"])
            changed = True
        for trigger in definition.get("action_triggers") or []:
            client.ok("APIerSv1.SetActionTrigger", {"GroupID": trigger["GroupID"], "UniqueID": trigger["UniqueID"], "ActionTrigger": trigger["ActionTrigger"]})
            changed = True
        for warning in warnings:
            module.warn(warning)
        return {"changed": changed, "msg": "; ".join(warnings) or "%d action sets, %d plans, %d triggers" % (
            len(definition.get("actions") or []), len(definition.get("action_plans") or []), len(definition.get("action_triggers") or []))}

    run_module(module, work)


if __name__ == "__main__":
    main()
