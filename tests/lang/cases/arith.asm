.const c0 int 18446744073709551616
.const c1 bytes "vmchain"
.const c2 bytes 0x00
.const c3 int 4294967296
.const c4 bytes "to_bytes: the value does not fit in 4 unsigned bytes"
.const c5 bytes "to_bytes: the value does not fit in 32 unsigned bytes"
.const c6 bytes 0x0100
.const c7 bytes 0x01
.const c8 bytes "negative exponent"
.const c9 bytes 0x02

.func add(int, int) -> int public view
    LGET 0
    LGET 1
    ADD
    RET

.func ops(int, int) -> bytes public view
    LGET 0
    LGET 1
    SUB
    CALL __abi_int
    LGET 0
    LGET 1
    MUL
    CALL __abi_int
    CONCAT
    LGET 0
    LGET 1
    DIV
    CALL __abi_int
    CONCAT
    LGET 0
    LGET 1
    MOD
    CALL __abi_int
    CONCAT
    LGET 0
    NEG
    CALL __abi_int
    CONCAT
    RET

.func power(int, int) -> int public view
.local int
    LGET 0
    LGET 1
    CALL __pow
    LSET 2
    LGET 2
    RET

.func bits(int, int) -> int public view
    LGET 0
    LGET 1
    AND
    LGET 0
    LGET 1
    XOR
    OR
    LGET 0
    PUSHI 2
    SHL
    ADD
    LGET 1
    PUSHI 1
    SHR
    SUB
    LGET 0
    PUSHI -1
    XOR
    ADD
    RET

.func clamp(int) -> int public view
.local int
.local int
.local int
.local int
    LGET 0
    LSET 3
    PUSHI 0
    LSET 4
    LGET 3
    LGET 4
    GE
    JZ L22
    LGET 3
    JMP L24
  L22:
    LGET 4
  L24:
    LSET 1
    CONST c0
    LSET 2
    LGET 1
    LGET 2
    LE
    JZ L44
    LGET 1
    JMP L46
  L44:
    LGET 2
  L46:
    RET

.func sign(int) -> int public view
    LGET 0
    PUSHI 0
    GT
    JZ L13
    PUSHI 1
    RET
  L13:
    LGET 0
    PUSHI 0
    EQ
    JZ L26
    PUSHI 0
    RET
  L26:
    PUSHI -1
    RET

.func between(int, int, int) -> int public view
    LGET 1
    LGET 0
    LE
    DUP
    JZ L15
    POP
    LGET 0
    LGET 2
    LT
  L15:
    DUP
    JNZ L26
    POP
    LGET 0
    LGET 2
    GT
    LNOT
  L26:
    RET

.func ceil_div(int, int) -> int public view
    LGET 0
    PUSHI 0
    LE
    JZ L15
    PUSHI 0
    JMP L27
  L15:
    LGET 0
    LGET 1
    ADD
    PUSHI 1
    SUB
    LGET 1
    DIV
  L27:
    RET

.func sum_to(int) -> int public view
.local int
.local int
.local int
    PUSHI 0
    LSET 1
    PUSHI 1
    LSET 2
    LGET 0
    PUSHI 1
    ADD
    LSET 3
  L18:
    LGET 2
    LGET 3
    LT
    JZ L44
    LGET 1
    LGET 2
    ADD
    LSET 1
    LGET 2
    PUSHI 1
    ADD
    LSET 2
    JMP L18
  L44:
    LGET 1
    RET

.func countdown(int) -> int public view
.local int
.local int
.local int
    PUSHI 0
    LSET 1
    LGET 0
    LSET 2
    PUSHI 0
    LSET 3
  L14:
    LGET 2
    LGET 3
    GT
    JZ L41
    LGET 1
    PUSHI 1
    ADD
    LSET 1
    LGET 2
    PUSHI -2
    ADD
    LSET 2
    JMP L14
  L41:
    LGET 0
    PUSHI 0
    LE
    JZ L53
    JMP L88
  L53:
    LGET 0
    PUSHI 3
    SUB
    LSET 0
    LGET 0
    PUSHI 2
    MOD
    PUSHI 0
    EQ
    JZ L77
    JMP L41
  L77:
    LGET 1
    PUSHI 10
    ADD
    LSET 1
    JMP L41
  L88:
    LGET 1
    RET

.func tagged(bytes) -> bytes public view
.local bytes
    CONST c1
    LGET 0
    DUP
    LSET 1
    PUSHI 1
    PUSHI 3
    SLICE
    CONCAT
    LGET 0
    DUP
    LSET 1
    PUSHI 0
    PUSHI 1
    SLICE
    CONCAT
    LGET 0
    DUP
    LSET 1
    LGET 0
    LEN
    PUSHI 1
    SUB
    LGET 1
    LEN
    SLICE
    CONCAT
    RET

.func byte_at(bytes, int) -> int public view
.local int
    CONST c2
    LGET 0
    LGET 1
    DUP
    LSET 2
    LGET 2
    PUSHI 1
    ADD
    SLICE
    CONCAT
    BTOI
    RET

.func word(int) -> bytes public view
.local int
    LGET 0
    DUP
    LSET 1
    PUSHI 0
    GE
    LGET 1
    CONST c3
    LT
    AND
    JNZ L23
    CONST c4
    REVERT
  L23:
    LGET 1
    ITOB
    PUSHI 28
    PUSHI 32
    SLICE
    LGET 0
    DUP
    LSET 1
    PUSHI 0
    GE
    JNZ L49
    CONST c5
    REVERT
  L49:
    LGET 1
    ITOB
    CONCAT
    RET

.func swap(int, bytes) -> bytes public view
.local bytes
.local bytes
.local int
.local bytes
.local bytes
    LGET 1
    CALL __abi_bytes
    LGET 0
    CALL __abi_int
    CONCAT
    LSET 2
    LGET 2
    LSET 6
    LGET 6
    PUSHI 0
    UNPACKB
    LSET 3
    LGET 6
    PUSHI 1
    UNPACKI
    LSET 4
    LGET 4
    PUSHI 1
    ADD
    LGET 3
    LSET 5
    LSET 4
    LGET 5
    CALL __abi_bytes
    LGET 4
    CALL __abi_int
    CONCAT
    RET

.func noop() public
    RET

.func __abi_int(int) -> bytes
.local int
.local int
    LGET 0
    JNZ L9
    CONST c6
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
    CONST c7
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

.func __pow(int, int) -> int
.local int
    LGET 1
    PUSHI 0
    LT
    JZ L13
    CONST c8
    REVERT
  L13:
    PUSHI 1
    LSET 2
  L18:
    LGET 1
    JZ L62
    LGET 1
    PUSHI 1
    AND
    JZ L39
    LGET 2
    LGET 0
    MUL
    LSET 2
  L39:
    LGET 1
    PUSHI 1
    SHR
    LSET 1
    LGET 1
    JZ L62
    LGET 0
    LGET 0
    MUL
    LSET 0
    JMP L18
  L62:
    LGET 2
    RET

.func __abi_bytes(bytes) -> bytes
    CONST c9
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
