"""``python -m custvalue``: the ``custvalue`` command."""

from custvalue.cli import main

main()
