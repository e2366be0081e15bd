"""Deployments: every change to apps is a plan of steps that runs until the target holds."""
