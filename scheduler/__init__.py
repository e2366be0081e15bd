"""Dromos framework core: state, apps, deployments, launch queue, offers, Mesos glue."""
