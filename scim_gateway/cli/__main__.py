"""Run the command line with `python -m scim_gateway.cli`."""

from . import main

main()
