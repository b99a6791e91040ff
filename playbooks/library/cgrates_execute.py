#!/usr/bin/python
# -*- coding: utf-8 -*-
DOCUMENTATION = r"""
module: cgrates_execute
short_description: Runs a catalogue action set on an account once per job (add-ons, top-up packs)
description:
  - Reads the action set the job names (C(APIerSv1.GetActions)), copies it as C(<actions_id>_<job_key>) with each
    balance action's C(BalanceId) set to the job's balance ids in order (C(APIerSv1.SetActions)), runs the copy on the
    account (C(APIerSv1.ExecuteAction)), checks the balances are there, then removes the copy (C(APIerSv1.RemoveActions)).
  - Idempotent: when the account already holds the job's balance ids (a repeat after a crash) the set is not run again.
  - A copy is needed because CGRateS cannot tell two runs of one action set apart; balance ids keyed by the job can.
options:
  cgrates: {type: dict, required: true}
  account: {type: str, required: true}
  actions_id: {type: str, required: true, description: "The catalogue action set (e.g. Action_data-pack-5gb)."}
  job_key: {type: str, required: true}
  balance_ids: {type: list, elements: str, required: true, description: "One id per balance action of the set, in order."}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.openbss_cgrates import balances_of, run_module

BALANCE_ACTIONS = ("*topup", "*topup_reset", "*debit", "*debit_reset")


def number(text):
    value = float(text)
    return int(value) if value.is_integer() else value


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cgrates=dict(type="dict", required=True, no_log=False),
            account=dict(type="str", required=True),
            actions_id=dict(type="str", required=True),
            job_key=dict(type="str", required=True),
            balance_ids=dict(type="list", elements="str", required=True),
        ),
        supports_check_mode=True,
    )
    p = module.params

    def work(client):
        tenant = client.tenant
        account_data = client.get_account(p["account"])
        if account_data is None:
            raise ValueError("CGRateS account %s does not exist" % p["account"])
        held = balances_of(account_data)
        ids = p["balance_ids"]
        there = [i for i in ids if i in held]
        copy_id = "%s_%s" % (p["actions_id"], p["job_key"])
        if there and len(there) != len(ids):
            raise ValueError("account %s holds only some of this job's balances (%s): refusing to run %s again" % (p["account"], ", ".join(there), p["actions_id"]))
        if module.check_mode:
            client.call("APIerSv1.GetActions", p["actions_id"])
            return {"changed": False, "skipped_writes": True}
        if there:
            client.ok("APIerSv1.RemoveActions", {"ActionIDs": [copy_id]})
            return {"changed": False, "added": [], "msg": "%s already applied to %s by this job" % (p["actions_id"], p["account"])}
        actions = client.call("APIerSv1.GetActions", p["actions_id"]) or []
        balance_actions = [a for a in actions if a.get("Identifier") in BALANCE_ACTIONS and a.get("BalanceType")]
        if len(balance_actions) != len(ids):
            raise ValueError("%s has %d balance actions, the job has %d balance ids" % (p["actions_id"], len(balance_actions), len(ids)))
        copied = []
        index = 0
        for a in actions:
            action = {"Identifier": a["Identifier"], "Weight": a.get("Weight") or 10}
            if a.get("BalanceType"):
                action.update({"BalanceType": a["BalanceType"], "Units": number(a.get("Units") or "0")})
            if a.get("Identifier") in BALANCE_ACTIONS and a.get("BalanceType"):
                action["BalanceId"] = ids[index]
                index += 1
            for field in ("ExpiryTime", "DestinationIds", "RatingSubject", "Categories", "SharedGroups", "TimingTags", "ExtraParameters", "Filter"):
                if a.get(field):
                    action[field] = a[field]
            copied.append(action)
        client.ok("APIerSv1.SetActions", {"ActionsId": copy_id, "Overwrite": True, "Actions": copied})
        client.ok("APIerSv1.ExecuteAction", {"Tenant": tenant, "Account": p["account"], "ActionsId": copy_id})
        after = balances_of(client.get_account(p["account"]))
        missing = [i for i in ids if i not in after]
        if missing:
            raise ValueError("after %s, account %s lacks %s" % (copy_id, p["account"], ", ".join(missing)))
        client.ok("APIerSv1.RemoveActions", {"ActionIDs": [copy_id]})
        added = [after[i] for i in ids]
        return {"changed": True, "added": added, "msg": "%s run on %s: %s" % (p["actions_id"], p["account"], ", ".join("%s %s" % (b["type"], b["value"]) for b in added))}

    run_module(module, work)


if __name__ == "__main__":
    main()
