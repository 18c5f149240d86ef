"""Keys, addresses and signatures (secp256k1 and P-256). Pure: no I/O, no clock."""
