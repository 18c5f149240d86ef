.const c0 bytes "argument 'who' must be a 20-byte address"
.const c1 bytes 0x62616c616e63657300
.const c2 bytes 0x
.const c3 bytes "total"
.const c4 bytes "argument 'on' must be a bool (0 or 1)"
.const c5 bytes 0x616c6c6f77656400
.const c6 bytes 0x01
.const c7 bytes "argument 'gate' must be a 20-byte address"
.const c8 bytes 0x676174657300
.const c9 bytes 0x6e616d657300
.const c10 bytes 0x0000000000000000000000000000000000000000
.const c11 bytes "memo"
.const c12 bytes 0x6761746573000000000000000000000000000000000000000000000000000000000000000001
.const c13 bytes 0x0100
.const c14 bytes 0x02

.func credit(bytes, int) public
.local bytes
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c0
    REVERT
  L15:
    POP
    CONST c1
    LGET 0
    CONCAT
    DUP
    LSET 2
    SLOAD
    BTOI
    LGET 1
    ADD
    DUP
    JZ L38
    ITOB
    JMP L42
  L38:
    POP
    CONST c2
  L42:
    LGET 2
    SWAP
    SSTORE
    CONST c3
    CONST c3
    SLOAD
    BTOI
    LGET 1
    ADD
    DUP
    JZ L65
    ITOB
    JMP L69
  L65:
    POP
    CONST c2
  L69:
    SSTORE
    RET

.func balance_of(bytes) -> int public view
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c0
    REVERT
  L15:
    POP
    CONST c1
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET

.func allow(int, bytes, int) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c0
    REVERT
  L15:
    POP
    LGET 2
    PUSHI -2
    AND
    LNOT
    JNZ L30
    CONST c4
    REVERT
  L30:
    CONST c5
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    LGET 2
    JZ L51
    CONST c6
    JMP L54
  L51:
    CONST c2
  L54:
    SSTORE
    RET

.func is_allowed(int, bytes) -> int public view
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c0
    REVERT
  L15:
    POP
    CONST c5
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SLOAD
    BTOI
    RET

.func add_gate(int, bytes) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c7
    REVERT
  L15:
    POP
    CONST c8
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    CONST c6
    SSTORE
    CONST c8
    LGET 0
    ITOB
    CONCAT
    CALLER
    CONCAT
    CONST c6
    SSTORE
    RET

.func remove_gate(int, bytes) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c7
    REVERT
  L15:
    POP
    CONST c8
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SDEL
    RET

.func is_gate(int, bytes) -> int public view
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c7
    REVERT
  L15:
    POP
    CONST c8
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SLOAD
    BTOI
    RET

.func register(bytes) public
    CONST c9
    LGET 0
    DUP
    LEN
    ITOB
    SWAP
    CONCAT
    CONCAT
    CALLER
    DUP
    CONST c10
    EQ
    JZ L24
    POP
    CONST c2
  L24:
    SSTORE
    CONST c11
    CONST c11
    SLOAD
    LGET 0
    CONCAT
    SSTORE
    RET

.func owner_of(bytes) -> bytes public view
    CONST c9
    LGET 0
    DUP
    LEN
    ITOB
    SWAP
    CONCAT
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L21
    POP
    CONST c10
  L21:
    RET

.func summary() -> bytes public view
    CONST c3
    SLOAD
    BTOI
    CALL __abi_int
    CONST c11
    SLOAD
    CALL __abi_bytes
    CONCAT
    RET

.func first_lot_gate(bytes) -> int public view
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c7
    REVERT
  L15:
    POP
    CONST c12
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET

.func __abi_int(int) -> bytes
.local int
.local int
    LGET 0
    JNZ L9
    CONST c13
    RET
  L9:
    LGET 0
    LSET 1
    LGET 0
    PUSHI 0
    LT
    JZ L30
    LGET 0
    PUSHI -1
    XOR
    LSET 1
  L30:
    PUSHI 1
    LSET 2
  L35:
    LGET 1
    PUSHI 128
    GE
    JZ L63
    LGET 1
    PUSHI 8
    SHR
    LSET 1
    LGET 2
    PUSHI 1
    ADD
    LSET 2
    JMP L35
  L63:
    CONST c6
    LGET 2
    ITOB
    PUSHI 31
    PUSHI 32
    SLICE
    CONCAT
    LGET 0
    ITOB
    PUSHI 32
    LGET 2
    SUB
    PUSHI 32
    SLICE
    CONCAT
    RET

.func __abi_bytes(bytes) -> bytes
    CONST c14
    LGET 0
    LEN
    ITOB
    PUSHI 28
    PUSHI 32
    SLICE
    CONCAT
    LGET 0
    CONCAT
    RET
