"""The ground floor: the clock, the owner thread (`core`), user errors, the event bus, settings.

May import: nothing of the project.
"""
