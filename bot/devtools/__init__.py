"""Developer and operator tooling: the local stack, model training, demo data. Not imported by the running app."""
