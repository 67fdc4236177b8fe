"""`edgekd build`: the whole chain with content-hashed, skippable, resumable stages."""
