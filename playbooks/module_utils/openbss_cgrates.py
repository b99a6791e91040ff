# -*- coding: utf-8 -*-
"""CGRateS JSON-RPC client shared by the project's cgrates_* modules (playbooks/library).

Only the Python standard library: playbooks run with ansible-core and nothing else. Every call is
one HTTP POST of ``{"method", "params": [...], "id"}`` to the JSON-RPC endpoint (APIerSv1/APIerSv2),
with optional HTTP basic auth. CGRateS answers HTTP 200 with ``{"result", "error"}``; the error is a
string such as ``NOT_FOUND`` or ``MANDATORY_IE_MISSING: [Account]``.

Every module records the calls it made (method, outcome) in its result so the job page shows what
reached CGRateS.
"""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request

ACCOUNT_ARG_SPEC = dict(
    url=dict(type="str", required=True),
    tenant=dict(type="str", default=""),
    user=dict(type="str", default="", no_log=False),
    password=dict(type="str", default="", no_log=True),
)

# The attribute profile kinds a service may have, one profile each: ATTR_<account>_<kind>.
IDENTIFIER_KINDS = ("msisdn", "imsi", "username", "ip")


class CgratesError(Exception):
    """CGRateS answered an error string (``code`` is its first word, e.g. NOT_FOUND)."""

    def __init__(self, method, message):
        super().__init__("%s: %s" % (method, message))
        self.method = method
        self.message = message
        self.code = message.split(":")[0].split(" ")[0].strip()


class CgratesUnreachable(Exception):
    """No JSON-RPC answer (connection refused, timeout, HTTP error): worth retrying later."""


class Client:
    def __init__(self, settings, timeout=30):
        self.url = settings["url"]
        self.tenant = settings.get("tenant") or ""
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json"}
        if settings.get("user"):
            token = "%s:%s" % (settings["user"], settings.get("password") or "")
            self.headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
        self.calls = []
        self._id = 0

    def call(self, method, params, ok_errors=()):
        """The call's result; raises CgratesError unless the error's code is in ok_errors (then None)."""
        self._id += 1
        body = json.dumps({"method": method, "params": [params], "id": self._id}).encode()
        request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:200]
            self.calls.append({"method": method, "error": "HTTP %s" % error.code})
            raise CgratesUnreachable("%s: HTTP %s %s %s" % (method, error.code, error.reason, detail))
        except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
            self.calls.append({"method": method, "error": "unreachable"})
            raise CgratesUnreachable("%s: %s" % (method, getattr(error, "reason", error)))
        try:
            reply = json.loads(text)
        except ValueError:
            self.calls.append({"method": method, "error": "not JSON-RPC"})
            raise CgratesUnreachable("%s: the reply is not JSON-RPC (%r)" % (method, text[:100]))
        error = reply.get("error")
        if error is not None:
            self.calls.append({"method": method, "error": str(error)})
            failure = CgratesError(method, str(error))
            if failure.code in ok_errors or str(error) in ok_errors:
                return None
            raise failure
        self.calls.append({"method": method, "error": None})
        return reply.get("result")

    def ok(self, method, params, ok_errors=()):
        """A call whose result must be "OK" (or an accepted error)."""
        result = self.call(method, params, ok_errors)
        if result not in (None, "OK"):
            raise CgratesError(method, "unexpected reply %r" % (result,))

    # ---- reads ----

    def get_account(self, account):
        """The account (APIerSv2.GetAccount), or None when CGRateS has none."""
        return self.call("APIerSv2.GetAccount", {"Tenant": self.tenant, "Account": account}, ok_errors=("NOT_FOUND",))

    def account_plans(self, account):
        """Ids of the action plans the account is on (APIerSv1.GetAccountActionPlan)."""
        timings = self.call("APIerSv1.GetAccountActionPlan", {"Tenant": self.tenant, "Account": account}, ok_errors=("NOT_FOUND",)) or []
        return sorted({t.get("ActionPlanId") for t in timings if t.get("ActionPlanId")})


def balances_of(account):
    """{balance id: {id, type, value}} of an account as GetAccount returned it ({} for None)."""
    out = {}
    for balance_type, balances in ((account or {}).get("BalanceMap") or {}).items():
        for b in balances or []:
            if b.get("ID"):
                out[b["ID"]] = {"id": b["ID"], "type": balance_type, "value": b.get("Value")}
    return out


def run_module(module, work):
    """Runs work(client) and exits the module with its result; CGRateS errors become clear failures."""
    settings = module.params["cgrates"]
    client = Client(settings)
    try:
        result = work(client)
    except CgratesUnreachable as error:
        # The runner recognises this prefix and gives the job back to be retried later.
        module.fail_json(msg="CGRateS unreachable: %s" % error, calls=client.calls)
    except CgratesError as error:
        module.fail_json(msg="CGRateS %s failed: %s" % (error.method, error.message), calls=client.calls)
    except ValueError as error:
        module.fail_json(msg=str(error), calls=client.calls)
    result["calls"] = client.calls
    module.exit_json(**result)
