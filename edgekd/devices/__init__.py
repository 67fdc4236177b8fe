"""Device profiles (TOML specs of target hardware) and the profiler that measures a bundle against its teacher on one.

Importing this package is cheap and torch-free (the peak-RSS child of a student imports it): the heavy
parts live in `run`, `systems` and `report` and load their libraries lazily.
"""
from .profiles import DeviceProfile, IsaSpec, OrtSpec, ProfileError, find_profile, list_profiles, load_profile

__all__ = ["DeviceProfile", "IsaSpec", "OrtSpec", "ProfileError", "find_profile", "list_profiles", "load_profile"]
