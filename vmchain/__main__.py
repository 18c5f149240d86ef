"""Allow `python -m vmchain`."""

from vmchain.cli.main import main

raise SystemExit(main())
