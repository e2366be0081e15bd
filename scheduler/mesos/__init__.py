"""Mesos glue: the driver port and its pymesos driver, Mesos JSON shapes, resources.

May import: scheduler.base, mesos_vocab (today it needs neither).
"""
