"""Dromos the framework: one Mesos framework hosting Marathon-style apps and Chronos-style jobs.

Rooms, lowest first (a room imports only rooms above it in this list, never below):
base  clock, the owner thread, user errors, event bus, settings;
store  durable state;  mesos  the driver port, Mesos JSON and resources;
launch  the launch path shared by apps and jobs (framework, queue, matcher, launcher);
apps  app definitions and the app manager; health  health checks; deployments  plans;
jobs  the run engine over chronos/;  process  the entry points (cli, dev, main, runtime).
Below scheduler/ lie chronos/ (pure job domain) and mesos_vocab/; above it lies api/.
"""
