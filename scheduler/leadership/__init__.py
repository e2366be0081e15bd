"""Leadership: which scheduler instance is leader, and the fence that stops a deposed one."""
