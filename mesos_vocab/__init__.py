"""The Mesos vocabulary of Dromos's scheduler and its API: task states, which of them are
terminal, and the status-update reasons Mesos sends.

May import: nothing of the project (the bottom layer under scheduler/ and api/).
localmesos/ has its own copy on purpose (localmesos/model.py: it plays Mesos, not a client).
"""
