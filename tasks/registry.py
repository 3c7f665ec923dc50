"""The task registry: every task `polycorpus run` can do, by name, in the order they run.

The built-in tasks are the modules in BUILTIN, each with a `TASK`; other installed packages add theirs
as entry points of the group `polycorpus_tasks` (`name = package.module:TASK`). Both are loaded on first
use; `register` adds one in this process (tests, notebooks). `polycorpus tasks` lists them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib import metadata

from tasks.base import Task

BUILTIN = ("tasks.steps.tokenize", "tasks.steps.entities", "tasks.steps.docalign", "tasks.steps.link_pairs", "tasks.steps.align")
ENTRY_POINT_GROUP = "polycorpus_tasks"
_TASKS: dict[str, Task] = {}
_loaded = False


class UnknownTask(KeyError):
    """A task name that no registered task has; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def _load_entry_points() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN:
        register(importlib.import_module(module).TASK)
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        register(entry.load())


def register(task: Task) -> Task:
    """Add `task` under its name (replacing a task of that name) and return it; UnknownTask if a task it requires is not registered."""
    _load_entry_points()  # the built-ins first, so a task may require them
    for name in task.requires:
        if name not in _TASKS:
            raise UnknownTask(f"task {task.name!r} requires {name!r}, which is not registered")
    _TASKS[task.name] = task
    return task


def unregister(name: str) -> None:
    """Remove a task registered in this process."""
    _TASKS.pop(name, None)


def registered() -> dict[str, Task]:
    """Every registered task by name, in registration order (built-ins first)."""
    _load_entry_points()
    return dict(_TASKS)


def get(name: str) -> Task:
    """The task called `name`; UnknownTask names the registered ones."""
    tasks = registered()
    if name not in tasks:
        raise UnknownTask(f"unknown task {name!r}; tasks are {', '.join(tasks)}")
    return tasks[name]


def resolve(names: Iterable[str]) -> list[Task]:
    """The tasks called `names`, every task they require and every task `implied` by tasks all in, each after what it requires or is implied by (registry order otherwise)."""
    wanted: set[str] = set()
    pending = list(names)
    while pending:
        while pending:
            name = pending.pop()
            if name not in wanted:
                wanted.add(name)
                pending.extend(get(name).requires)
        pending = [n for n, t in registered().items() if t.implied and n not in wanted and set(t.implied) <= wanted]
    ordered: list[Task] = []
    while len(ordered) < len(wanted):
        ready = [
            t for n, t in registered().items() if n in wanted and t not in ordered and all(r in {o.name for o in ordered} for r in (*t.requires, *t.implied))
        ]
        if not ready:
            raise UnknownTask(f"tasks {sorted(wanted - {t.name for t in ordered})} require each other in a cycle")
        ordered.append(ready[0])
    return ordered
