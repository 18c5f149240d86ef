.const c0 bytes "argument 'counter' must be a 20-byte address"
.const c1 bytes 0x5fbde9bb
.const c2 bytes "last"
.const c3 bytes 0x
.const c4 bytes 0x2998b323
.const c5 bytes "argument 'wallet' must be a 20-byte address"
.const c6 bytes 0xc3b9fb78
.const c7 bytes 0xc8acc57c
.const c8 bytes "argument 'target' must be a 20-byte address"
.const c9 bytes 0x761b7ad8
.const c10 bytes 0x02
.const c11 bytes 0x0100
.const c12 bytes 0x01

.func bump_twice(bytes, int) -> int public
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
    LGET 0
    CONST c1
    PUSHI 0
    LGET 1
    XCALL 1
    LSET 2
    JNZ L36
    LGET 2
    REVERT
  L36:
    LGET 2
    PUSHI 0
    UNPACKI
    POP
    CONST c2
    LGET 0
    CONST c1
    PUSHI 0
    LGET 1
    XCALL 1
    LSET 2
    JNZ L66
    LGET 2
    REVERT
  L66:
    LGET 2
    PUSHI 0
    UNPACKI
    DUP
    JZ L80
    ITOB
    JMP L84
  L80:
    POP
    CONST c3
  L84:
    SSTORE
    CONST c2
    SLOAD
    BTOI
    RET

.func read(bytes) -> int public view
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
    LGET 0
    CONST c4
    PUSHI 0
    XCALL 0
    LSET 1
    JNZ L34
    LGET 1
    REVERT
  L34:
    LGET 1
    PUSHI 0
    UNPACKI
    RET

.func sneaky(bytes) -> int public view
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
    LGET 0
    CONST c1
    PUSHI 0
    PUSHI 1
    XCALL 1
    LSET 1
    JNZ L37
    LGET 1
    REVERT
  L37:
    LGET 1
    PUSHI 0
    UNPACKI
    RET

.func forward(bytes) -> int public payable
.local bytes
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c5
    REVERT
  L15:
    POP
    LGET 0
    CONST c6
    CALLVALUE
    XCALL 0
    LSET 1
    JNZ L32
    LGET 1
    REVERT
  L32:
    LGET 1
    PUSHI 0
    UNPACKI
    POP
    LGET 0
    CONST c7
    PUSHI 0
    SELF
    XCALL 1
    LSET 1
    JNZ L58
    LGET 1
    REVERT
  L58:
    LGET 1
    PUSHI 0
    UNPACKI
    RET

.func pair(bytes) -> bytes public view
.local int
.local bytes
.local bytes
.local bytes
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c8
    REVERT
  L15:
    POP
    LGET 0
    CONST c9
    PUSHI 0
    XCALL 0
    LSET 4
    JNZ L34
    LGET 4
    REVERT
  L34:
    LGET 4
    PUSHI 0
    UNPACKB
    LSET 3
    LGET 3
    PUSHI 0
    UNPACKI
    LSET 1
    LGET 3
    PUSHI 1
    UNPACKB
    LSET 2
    LGET 2
    CALL __abi_bytes
    LGET 1
    CALL __abi_int
    CONCAT
    RET

.func __abi_bytes(bytes) -> bytes
    CONST c10
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

.func __abi_int(int) -> bytes
.local int
.local int
    LGET 0
    JNZ L9
    CONST c11
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
    CONST c12
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
