"""Dromos the framework: one Mesos framework hosting Marathon-style apps and Chronos-style jobs.

Rooms, from the top (a room imports only rooms below it; import-linter checks it):
process  the entry points (cli, dev, main, runtime);
appmanager | jobs  the two owners of tasks: apps (and groups), job runs over chronos/;
deployments  plans and readiness;  health  scheduler-run health checks;
apps  app definitions;  launch  the launch path apps and jobs share;
mesos | store  the driver port, Mesos JSON, resources | durable state;
base  clock, owner thread, user errors, event bus, settings.
Below scheduler/ lie chronos/ (the pure job domain) and mesos_vocab/; above it lies api/.
"""
