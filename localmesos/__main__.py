"""`python -m localmesos`: the same command as `dromos localmesos`."""

from localmesos.main import localmesos

localmesos()
