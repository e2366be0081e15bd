"""The Chronos side at run time: the run engine over the pure domain in chronos/.

`manager` is the jobs' owner (API verbs, restore); `definitions` persists jobs and the DAG;
`slots` fires due schedule slots; `runs` launches, retries and settles runs (`attempts`
reads their tasks);
`task_info` builds a run's Mesos TaskInfo.
May import: chronos, mesos_vocab, scheduler.base, scheduler.store, scheduler.mesos,
scheduler.launch.
"""
