"""An embedded single-node Mesos master and agent speaking the v1 HTTP APIs."""
