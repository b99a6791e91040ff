# -*- coding: utf-8 -*-
# OpenBSS stdout callback: one JSON object per line, nothing else, for the runner to stream.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
    name: openbss_events
    type: stdout
    short_description: JSON-lines events for the OpenBSS runner
    description:
      - Prints exactly one JSON object per line on stdout and nothing else.
      - C({"type":"task","task":NAME,"status":"started"}) when a task starts.
      - C({"type":"task","task":NAME,"status":"ok|changed|failed|skipped|unreachable","duration_ms":N,"message":TEXT})
        when it ends (C(ignored) is added for a failure that C(ignore_errors) let through).
      - C({"type":"rescue","task":NAME,"rescue_task":NAME}) when a rescue section starts; C(task) is the task whose
        failure started it.
      - C({"type":"stats","ok":N,"changed":N,"failed":N,"rescued":N,"skipped":N,"unreachable":N}) and
        C({"type":"outputs","outputs":{...}}) at the end, the outputs being the C(openbss_outputs) key of the
        aggregated custom stats set with ansible.builtin.set_stats.
      - Messages are short (the result's C(msg) or a reason), never whole results, and hidden for C(no_log) tasks.
"""

import json
import time

from ansible.playbook.block import Block
from ansible.plugins.callback import CallbackBase

MAX_MESSAGE = 1000
HIDDEN = "output hidden (no_log)"


def _text(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except Exception:  # pragma: no cover - anything odd becomes its repr
        return repr(value)


def _short(value):
    text = _text(value).strip()
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "openbss_events"

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = {}
        self._rescues_seen = set()
        self._last_failed = None

    # -- output ------------------------------------------------------------------------------

    def _emit(self, event):
        line = json.dumps(event, default=str, ensure_ascii=False, separators=(",", ":"))
        # Display writes to stdout and flushes; every event is a single line.
        self._display.display(line.replace("\n", "\\n"))

    @staticmethod
    def _name(task):
        try:
            name = task.get_name()
        except Exception:
            name = getattr(task, "name", "") or getattr(task, "action", "") or "task"
        return (name or "").strip()

    # -- rescue detection --------------------------------------------------------------------

    @staticmethod
    def _rescue_block(task):
        """The block whose rescue section holds this task (directly or through nested blocks), or None."""
        child = task
        parent = getattr(task, "_parent", None)
        depth = 0
        while parent is not None and depth < 50:
            if isinstance(parent, Block):
                for item in parent.rescue or []:
                    if getattr(item, "_uuid", None) == getattr(child, "_uuid", object()):
                        return parent
            child = parent
            parent = getattr(parent, "_parent", None)
            depth += 1
        return None

    # -- tasks -------------------------------------------------------------------------------

    def _task_start(self, task):
        block = self._rescue_block(task)
        if block is not None:
            key = getattr(block, "_uuid", id(block))
            if key not in self._rescues_seen:
                self._rescues_seen.add(key)
                failed = self._last_failed if self._last_failed is not None else ""
                self._emit({"type": "rescue", "task": failed, "rescue_task": self._name(task)})
        name = self._name(task)
        self._started[task._uuid] = (time.monotonic(), name)
        self._emit({"type": "task", "task": name, "status": "started"})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task)

    def _finish(self, task):
        """(duration in ms, name) of a task that started; the name as templated when it started."""
        started = self._started.pop(getattr(task, "_uuid", None), None)
        if started is None:
            return 0, self._name(task)
        return int(round((time.monotonic() - started[0]) * 1000)), started[1]

    @staticmethod
    def _hidden(result):
        task = result._task
        res = result._result if isinstance(result._result, dict) else {}
        return bool(getattr(task, "no_log", False)) or "censored" in res or bool(res.get("_ansible_no_log"))

    def _message(self, result, status):
        if self._hidden(result):
            return HIDDEN
        res = result._result if isinstance(result._result, dict) else {}
        if res.get("msg"):
            return _short(res.get("msg"))
        if status == "skipped":
            return _short(res.get("skip_reason") or "")
        if status in ("failed", "unreachable"):
            for key in ("reason", "stderr", "exception", "module_stderr"):
                if res.get(key):
                    # first line only: tracebacks and stderr can be long
                    return _short(_text(res.get(key)).strip().splitlines()[-1] if key == "exception" else _text(res.get(key)).strip().splitlines()[0])
            if res.get("rc") is not None:
                return "exit code %s" % res.get("rc")
            return "failed"
        if "results" in res and isinstance(res.get("results"), list):
            return "%d item(s)" % len(res["results"])
        return ""

    def _result(self, result, status, **extra):
        duration, name = self._finish(result._task)
        event = {
            "type": "task",
            "task": name,
            "status": status,
            "duration_ms": duration,
            "message": self._message(result, status),
        }
        event.update(extra)
        self._emit(event)

    def v2_runner_on_ok(self, result):
        changed = isinstance(result._result, dict) and bool(result._result.get("changed"))
        self._result(result, "changed" if changed else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            self._result(result, "failed", ignored=True)
            return
        self._last_failed = self._started.get(getattr(result._task, "_uuid", None), (0, self._name(result._task)))[1]
        self._result(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._last_failed = self._started.get(getattr(result._task, "_uuid", None), (0, self._name(result._task)))[1]
        self._result(result, "unreachable")

    # Loop items are folded into the task's own result; say nothing per item.
    def v2_runner_item_on_ok(self, result):
        pass

    def v2_runner_item_on_failed(self, result):
        pass

    def v2_runner_item_on_skipped(self, result):
        pass

    def v2_runner_retry(self, result):
        pass

    def v2_on_file_diff(self, result):
        pass

    def v2_playbook_on_include(self, included_file):
        pass

    # -- end of run --------------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        totals = {"ok": 0, "changed": 0, "failed": 0, "rescued": 0, "skipped": 0, "unreachable": 0}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            totals["ok"] += summary.get("ok", 0)
            totals["changed"] += summary.get("changed", 0)
            totals["failed"] += summary.get("failures", 0)
            totals["rescued"] += summary.get("rescued", 0)
            totals["skipped"] += summary.get("skipped", 0)
            totals["unreachable"] += summary.get("unreachable", 0)
        event = {"type": "stats"}
        event.update(totals)
        self._emit(event)
        outputs = {}
        custom = getattr(stats, "custom", None) or {}
        run = custom.get("_run") or {}
        if isinstance(run, dict) and isinstance(run.get("openbss_outputs"), dict):
            outputs = run.get("openbss_outputs")
        self._emit({"type": "outputs", "outputs": outputs})
