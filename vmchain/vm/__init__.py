"""The contract VM: opcode table, module format, validation and the interpreter. Pure."""
