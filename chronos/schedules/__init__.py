"""When a job is due: the two schedule kinds (ISO 8601 repeating intervals and cron), wall
clock and DST rules, periods, which slots are due now, and the timeline of next slots.

May import: chronos.errors and chronos.timefmt only (the rest of chronos/ imports this).
"""
