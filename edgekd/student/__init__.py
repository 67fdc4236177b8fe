"""Student models: the torch modules, vocabulary pruning, embeddings and training rows. The checkpoint layout and
`StudentConfig` live in the torch-free `edgekd_contract.checkpoint`, which the exporters read."""
