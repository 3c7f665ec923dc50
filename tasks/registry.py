"""The task registry: every task `polycorpus run` can do, by name, in the order they run.

The built-in tasks are the modules in BUILTIN, each with a `TASK`; other installed packages add theirs
as entry points of the group `polycorpus_tasks` (`name = package.module:TASK`); `register` adds one in
this process (tests, notebooks). `polycorpus tasks` lists them all.

A task's module is imported only when the task is used (`get`, `resolve`): reading a config needs only
the names and the options (`names`, `options_class`, `options_owner`), which BUILTIN gives for the
built-ins without importing their work (spaCy, SciPy). Entry points are loaded whole on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata

from tasks.base import Task


@dataclass(frozen=True)
class Builtin:
    """Where a built-in task lives: `module` holds its `TASK`; `options` ("module:name") is its options dataclass,
    in a module that imports none of the task's work, and `options_of` its `Task.options_of`
    (tests/test_task_options.py checks both against the TASK)."""

    module: str
    options: str
    options_of: str | None = None


BUILTIN = {
    "tokenize": Builtin("tasks.steps.tokenize", "tasks.base:NoOptions"),
    "entities": Builtin("tasks.steps.entities", "tasks.entities.types:EntityOptions"),
    "docalign": Builtin("tasks.steps.docalign", "tasks.docalign.options:DocalignOptions"),
    "link_pairs": Builtin("tasks.steps.link_pairs", "tasks.entities.types:EntityOptions", options_of="entities"),
    "align": Builtin("tasks.steps.align", "tasks.align.options:AlignOptions"),
}
ENTRY_POINT_GROUP = "polycorpus_tasks"
_TASKS: dict[str, Task | Builtin] = {}  # by name in registration order; a Builtin until its module is imported
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
    _TASKS.update(BUILTIN)
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


def names() -> list[str]:
    """The name of every registered task, in registration order (built-ins first), importing no built-in task."""
    _load_entry_points()
    return list(_TASKS)


def options_class(name: str) -> type:
    """The options dataclass of task `name`, without importing a built-in task's module; UnknownTask names the registered ones."""
    entry = _entry(name)
    if isinstance(entry, Builtin):
        module, _, attribute = entry.options.partition(":")
        return getattr(importlib.import_module(module), attribute)
    return entry.options


def options_owner(name: str) -> str | None:
    """The task whose options and config section task `name` takes instead of its own (`Task.options_of`), or None."""
    return _entry(name).options_of


def registered() -> dict[str, Task]:
    """Every registered task by name, in registration order (built-ins first); imports every task's module."""
    return {name: get(name) for name in names()}


def get(name: str) -> Task:
    """The task called `name`, its module imported on first use; UnknownTask names the registered ones."""
    entry = _entry(name)
    if isinstance(entry, Builtin):
        entry = _TASKS[name] = importlib.import_module(entry.module).TASK
    return entry


def _entry(name: str) -> Task | Builtin:
    if name not in names():
        raise UnknownTask(f"unknown task {name!r}; tasks are {', '.join(_TASKS)}")
    return _TASKS[name]


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
