"""One module per `edgekd` verb; each holds a thin click command over one library function."""
