"""Where each part of a plan lives in its folder: shared by the loader, which reads and checks them, and the snapshot,
which fingerprints them without importing what checking needs."""

DEFINITION = "incident-definition.yaml"
ROLES = "roles.yaml"
CHANNELS = "channels.yaml"
PHASES = "templates/phases.yaml"
VALUES = "values.yaml"
TEMPLATES_DIR = "templates"
