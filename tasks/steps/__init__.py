"""The built-in registered tasks, one module each with its `TASK` (listed in tasks/registry.py)."""
