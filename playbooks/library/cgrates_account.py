#!/usr/bin/python
# -*- coding: utf-8 -*-
DOCUMENTATION = r"""
module: cgrates_account
short_description: Brings a service's CGRateS account to the wanted state, idempotently
description:
  - Reads the account (C(APIerSv2.GetAccount)) and makes only the calls needed, so a repeat after a crash at
    any call converges on the same account, never adding a balance twice.
  - C(state=present) - C(APIerSv2.SetAccount) when the account is missing, its options differ, or its action
    plans or triggers must change; then removes the balances in C(remove_balances) (a C(*remove_balance) action set
    run on the account), adds each balance of C(balances) whose C(id) is not on the account (C(APIerSv1.AddBalance)),
    sets one AttributeS profile per identifier (C(ATTR_<account>_<kind>)) mapping it to the account, and with
    C(verify) reads the account back and fails unless it is exactly as asked.
  - C(state=absent) - removes the account and its attribute profiles (absent ones count as removed).
  - C(SCHEDULER_NOT_RUNNING) is a warning: CGRateS saved the account and its plans.
options:
  cgrates: {type: dict, required: true, description: "{url, tenant, user, password}"}
  account: {type: str, required: true}
  state: {type: str, choices: [present, absent], default: present}
  require_existing: {type: bool, default: false, description: "Fail instead of creating a missing account (suspend, resume, add-ons)."}
  allow_negative: {type: bool}
  disabled: {type: bool}
  action_plans: {type: list, elements: str, description: "Plans the account must be on (null leaves them as they are)."}
  action_plans_overwrite: {type: bool, default: false, description: "Detach every other plan (a plan change)."}
  action_triggers: {type: list, elements: str, description: "Action trigger groups to copy onto the account."}
  action_triggers_overwrite: {type: bool, default: false}
  balances: {type: list, elements: dict, default: [], description: "[{id, type, value, expiry}] in CGRateS units; added when their id is absent."}
  remove_balances: {type: list, elements: str, default: [], description: "Balance ids to remove when present."}
  identifiers: {type: dict, default: {}, description: "{msisdn, imsi, username, ip}: traffic arriving with one of these is rated on the account."}
  job_key: {type: str, default: "", description: "Names the removal action set (one per job)."}
  verify: {type: bool, default: true}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.openbss_cgrates import IDENTIFIER_KINDS, CgratesError, balances_of, run_module


# A nominal amount of each balance type (one second of voice is 1e9 nanoseconds).
NOMINAL_UNITS = {"*voice": 1000000000}


def attribute_profile(tenant, account, kind, value):
    return {
        "Tenant": tenant,
        "ID": "ATTR_%s_%s" % (account, kind),
        "Contexts": ["*any"],
        "FilterIDs": ["*string:~*req.Account:%s" % value],
        "ActivationInterval": None,
        "Attributes": [{"FilterIDs": [], "Path": "*req.Account", "Type": "*constant", "Value": account}],
        "Blocker": False,
        "Weight": 20,
        "APIOpts": {},
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cgrates=dict(type="dict", required=True, no_log=False),
            account=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            require_existing=dict(type="bool", default=False),
            allow_negative=dict(type="bool"),
            disabled=dict(type="bool"),
            action_plans=dict(type="list", elements="str"),
            action_plans_overwrite=dict(type="bool", default=False),
            action_triggers=dict(type="list", elements="str"),
            action_triggers_overwrite=dict(type="bool", default=False),
            balances=dict(type="list", elements="dict", default=[]),
            remove_balances=dict(type="list", elements="str", default=[]),
            identifiers=dict(type="dict", default={}),
            job_key=dict(type="str", default=""),
            verify=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    account = p["account"]
    if not account:
        module.fail_json(msg="account is required")

    def work(client):
        tenant = client.tenant
        if p["state"] == "absent":
            if module.check_mode:
                return {"changed": False, "skipped_writes": True}
            existed = client.get_account(account) is not None
            client.ok("APIerSv1.RemoveAccount", {"Tenant": tenant, "Account": account, "ReloadScheduler": False}, ok_errors=("NOT_FOUND",))
            for kind in IDENTIFIER_KINDS:
                client.ok("APIerSv1.RemoveAttributeProfile", {"Tenant": tenant, "ID": "ATTR_%s_%s" % (account, kind), "APIOpts": {}}, ok_errors=("NOT_FOUND",))
            return {"changed": existed, "existed": existed, "msg": "account %s removed" % account if existed else "account %s was already absent" % account}

        current = client.get_account(account)
        existed = current is not None
        if p["require_existing"] and not existed:
            raise ValueError("CGRateS account %s does not exist" % account)
        if module.check_mode:
            return {"changed": False, "existed": existed, "skipped_writes": True}
        warnings = []
        changed = False

        options = {}
        if p["allow_negative"] is not None:
            options["AllowNegative"] = p["allow_negative"]
        if p["disabled"] is not None:
            options["Disabled"] = p["disabled"]
        differs = any((current or {}).get(k) != v for k, v in options.items())
        plans_needed = False
        if p["action_plans"] is not None:
            on = client.account_plans(account) if existed else []
            wanted = sorted(set(p["action_plans"]))
            plans_needed = (on != wanted) if p["action_plans_overwrite"] else not set(wanted) <= set(on)
        triggers_needed = False
        if p["action_triggers"] is not None:
            have = sorted({t.get("ID") for t in ((current or {}).get("ActionTriggers") or []) if t.get("ID")})
            wanted_triggers = sorted(set(p["action_triggers"]))
            triggers_needed = (have != wanted_triggers) if p["action_triggers_overwrite"] else not set(wanted_triggers) <= set(have)
        if not existed or differs or plans_needed or triggers_needed:
            params = {
                "Tenant": tenant,
                "Account": account,
                "ActionPlanIDs": p["action_plans"] if plans_needed else [],
                "ActionPlansOverwrite": bool(p["action_plans_overwrite"] and plans_needed),
                "ActionTriggerIDs": p["action_triggers"] if triggers_needed else [],
                "ActionTriggerOverwrite": bool(p["action_triggers_overwrite"] and triggers_needed),
                "ExtraOptions": options,
                "ReloadScheduler": True,
            }
            try:
                client.ok("APIerSv2.SetAccount", params)
            except CgratesError as error:
                if error.code != "SCHEDULER_NOT_RUNNING":
                    raise
                warnings.append("CGRateS saved account %s but its scheduler is not running: its action plans wait until it is enabled" % account)
            changed = True
            current = client.get_account(account)

        present = balances_of(current)
        removed = []
        doomed = [i for i in p["remove_balances"] if i in present]
        if doomed:
            actions_id = "OPENBSS_REMOVE_%s_%s" % (account, p["job_key"] or "balances")
            client.ok("APIerSv1.SetActions", {
                "ActionsId": actions_id,
                "Overwrite": True,
                # CGRateS wants Units on any action with a BalanceType; *remove_balance ignores them.
                "Actions": [{"Identifier": "*remove_balance", "BalanceId": i, "BalanceType": present[i]["type"], "Units": NOMINAL_UNITS.get(present[i]["type"], 1), "Weight": 10} for i in doomed],
            })
            client.ok("APIerSv1.ExecuteAction", {"Tenant": tenant, "Account": account, "ActionsId": actions_id})
            client.ok("APIerSv1.RemoveActions", {"ActionIDs": [actions_id]})
            removed = [present.pop(i) for i in doomed]
            changed = True

        added = []
        for b in p["balances"]:
            if b["id"] in present:
                continue
            client.ok("APIerSv1.AddBalance", {
                "Tenant": tenant,
                "Account": account,
                "BalanceType": b["type"],
                "Value": b["value"],
                "Balance": {"ID": b["id"], "ExpiryTime": b.get("expiry") or "*unlimited"},
                "Overwrite": False,
            })
            added.append({"id": b["id"], "type": b["type"], "value": b["value"]})
            changed = True

        for kind in IDENTIFIER_KINDS:
            value = (p["identifiers"] or {}).get(kind)
            if value:
                client.ok("APIerSv2.SetAttributeProfile", attribute_profile(tenant, account, kind, str(value)))
                changed = True

        final = current
        plans = None
        if p["verify"]:
            final = client.get_account(account)
            if final is None:
                raise ValueError("read back: CGRateS has no account %s" % account)
            now = balances_of(final)
            problems = ["balance %s missing" % b["id"] for b in p["balances"] if b["id"] not in now]
            problems += ["balance %s still there" % i for i in p["remove_balances"] if i in now]
            problems += ["%s is %s, not %s" % (k, final.get(k), v) for k, v in options.items() if final.get(k) != v]
            if p["action_plans"] is not None:
                plans = client.account_plans(account)
                wanted = sorted(set(p["action_plans"]))
                if (plans != wanted) if p["action_plans_overwrite"] else not set(wanted) <= set(plans):
                    problems.append("action plans are %s, not %s" % (plans, wanted))
            if problems:
                raise ValueError("read back of %s: %s" % (account, "; ".join(problems)))
        for warning in warnings:
            module.warn(warning)
        summary = "%s %s: %d added, %d removed" % ("created" if not existed else "updated" if changed else "unchanged", account, len(added), len(removed))
        return {
            "changed": changed,
            "existed": existed,
            "created": not existed,
            "added": added,
            "removed": removed,
            "account_data": final,
            "action_plans": plans,
            "msg": "; ".join([summary] + warnings),
        }

    run_module(module, work)


if __name__ == "__main__":
    main()
