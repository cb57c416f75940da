"""brainsmith's builtin hw_transforms (stage ``kernel_mapping``): one inference rule per
kernel, then the dataflow partition. Each module is imported only when its transform runs."""
