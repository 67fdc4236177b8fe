"""Small leaf helpers shared across edgekd's stages; they import nothing else of edgekd (no cycles start here)."""
