"""Helpers shared by the test folders (not shipped): tiny random checkpoints and bundles built without torch."""
