"""The Mesos vocabulary Dromos's own scheduler and executor share: task states, which of
them are terminal, the status-update reasons they send, the TaskInfo labels they agree on.

May import: nothing of the project (scheduler/ and executor/ both import it, and executor/
stays independent of scheduler/). localmesos/ has its own copy on purpose (localmesos/model.py).
"""
