"""``python -m webapp.agents [ARCHIVO]``: write the OpenAPI description of the agents' API."""

import sys

from webapp.agents import main

sys.exit(main())
