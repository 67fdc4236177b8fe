"""Side-by-side benchmark of the distilled student against its teacher, fastText and TF-IDF (see compare.py)."""
