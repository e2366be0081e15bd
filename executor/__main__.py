"""`python -m executor [--single-task]`, as localmesos launches command tasks."""

from executor.main import executor

executor(prog_name="python -m executor")
