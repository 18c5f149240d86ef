.const c0 bytes "owner"
.const c1 bytes 0x0000000000000000000000000000000000000000
.const c2 bytes 0x
.const c3 bytes "count"
.const c4 bytes "amount must be positive"
.const c5 bytes "Bumped"
.const c6 bytes "only the owner may reset"

.func __init__(int) init
    CONST c0
    CALLER
    DUP
    CONST c1
    EQ
    JZ L16
    POP
    CONST c2
  L16:
    SSTORE
    CONST c3
    LGET 0
    DUP
    JZ L30
    ITOB
    JMP L34
  L30:
    POP
    CONST c2
  L34:
    SSTORE
    RET

.func bump(int) -> int public
.local bytes
    LGET 0
    PUSHI 0
    GT
    JNZ L13
    CONST c4
    REVERT
  L13:
    CONST c3
    DUP
    LSET 1
    SLOAD
    BTOI
    LGET 0
    ADD
    DUP
    JZ L32
    ITOB
    JMP L36
  L32:
    POP
    CONST c2
  L36:
    LGET 1
    SWAP
    SSTORE
    CONST c5
    CALLER
    LGET 0
    CONST c3
    SLOAD
    BTOI
    EMIT 3
    CONST c3
    SLOAD
    BTOI
    RET

.func get() -> int public view
    CONST c3
    SLOAD
    BTOI
    RET

.func reset() public
    CALLER
    CONST c0
    SLOAD
    DUP
    LEN
    JNZ L14
    POP
    CONST c1
  L14:
    EQ
    JNZ L22
    CONST c6
    REVERT
  L22:
    CONST c3
    CONST c2
    SSTORE
    RET
