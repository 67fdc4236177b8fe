"""Student models. `config` is torch-free (the exporters read it); `bilstm` holds the torch modules."""
