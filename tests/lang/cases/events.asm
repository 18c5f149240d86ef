.const c0 bytes "count"
.const c1 bytes 0x
.const c2 bytes "Logged"
.const c3 bytes "Empty"

.func log(bytes) -> bytes public
.local bytes
.local bytes
    LGET 0
    CALL _digest
    LSET 1
    CONST c0
    DUP
    LSET 2
    SLOAD
    BTOI
    PUSHI 1
    ADD
    DUP
    JZ L27
    ITOB
    JMP L31
  L27:
    POP
    CONST c1
  L31:
    LGET 2
    SWAP
    SSTORE
    CONST c2
    CALLER
    CONST c0
    SLOAD
    BTOI
    CONST c0
    SLOAD
    BTOI
    CALL _odd
    LGET 1
    EMIT 4
    CONST c3
    EMIT 0
    LGET 1
    RET

.func _digest(bytes) -> bytes
    LGET 0
    SHA256
    RET

.func _odd(int) -> int
    LGET 0
    PUSHI 2
    MOD
    PUSHI 1
    EQ
    RET
