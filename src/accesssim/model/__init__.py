"""Read and check the model YAML: schema, loader, references, input files, the trust boundary."""
