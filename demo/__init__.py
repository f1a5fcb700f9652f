"""The runnable demo: the emulator's demo company synced with a SQLite BC warehouse by the real DAGs."""
