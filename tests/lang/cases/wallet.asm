.const c0 bytes "send some value"
.const c1 bytes 0x6465706f7369747300
.const c2 bytes 0x
.const c3 bytes "Deposited"
.const c4 bytes "argument 'to' must be a 20-byte address"
.const c5 bytes "insufficient deposit"
.const c6 bytes "Withdrawn"
.const c7 bytes "argument 'who' must be a 20-byte address"

.func deposit() -> int public payable
.local bytes
    CALLVALUE
    PUSHI 0
    GT
    JNZ L12
    CONST c0
    REVERT
  L12:
    CONST c1
    CALLER
    CONCAT
    DUP
    LSET 0
    SLOAD
    BTOI
    CALLVALUE
    ADD
    DUP
    JZ L32
    ITOB
    JMP L36
  L32:
    POP
    CONST c2
  L36:
    LGET 0
    SWAP
    SSTORE
    CONST c3
    CALLER
    CALLVALUE
    EMIT 2
    CONST c1
    CALLER
    CONCAT
    SLOAD
    BTOI
    RET

.func withdraw(bytes, int) public
.local bytes
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c4
    REVERT
  L15:
    POP
    LGET 1
    CONST c1
    CALLER
    CONCAT
    SLOAD
    BTOI
    LE
    JNZ L33
    CONST c5
    REVERT
  L33:
    CONST c1
    CALLER
    CONCAT
    DUP
    LSET 2
    SLOAD
    BTOI
    LGET 1
    SUB
    DUP
    JZ L54
    ITOB
    JMP L58
  L54:
    POP
    CONST c2
  L58:
    LGET 2
    SWAP
    SSTORE
    LGET 0
    LGET 1
    TRANSFER
    CONST c6
    CALLER
    LGET 0
    LGET 1
    EMIT 3
    RET

.func held() -> int public view
    SELF
    BALANCE
    RET

.func deposit_of(bytes) -> int public view
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
    CONST c1
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET
