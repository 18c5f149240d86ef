.const c0 bytes "owner"
.const c1 bytes 0x0000000000000000000000000000000000000000
.const c2 bytes 0x
.const c3 bytes "lot_id must be at least 1"
.const c4 bytes 0x7461726966665f76657273696f6e00
.const c5 bytes "lot already exists"
.const c6 bytes "LotAdded"
.const c7 bytes "no such lot"
.const c8 bytes "argument 'gate' must be a 20-byte address"
.const c9 bytes 0x676174657300
.const c10 bytes "already a gate of this lot"
.const c11 bytes 0x01
.const c12 bytes "GateAdded"
.const c13 bytes "not a gate of this lot"
.const c14 bytes "GateRemoved"
.const c15 bytes "argument 'to' must be a 20-byte address"
.const c16 bytes "amount must be positive"
.const c17 bytes "revenue_total"
.const c18 bytes "amount exceeds the revenue"
.const c19 bytes "RevenueWithdrawn"
.const c20 bytes "deposit some value"
.const c21 bytes 0x6465706f7369747300
.const c22 bytes "Deposited"
.const c23 bytes 0x73657373696f6e5f6c6f747300
.const c24 bytes "vehicle has an open session"
.const c25 bytes "insufficient deposit"
.const c26 bytes "Withdrawn"
.const c27 bytes "argument 'vehicle' must be a 20-byte address"
.const c28 bytes "caller is not a gate of this lot"
.const c29 bytes "vehicle already has an open session"
.const c30 bytes "vehicle has no deposit"
.const c31 bytes 0x656e747269657300
.const c32 bytes 0x73657373696f6e5f76657273696f6e7300
.const c33 bytes "SessionOpened"
.const c34 bytes "no open session in this lot"
.const c35 bytes "SessionClosed"
.const c36 bytes "only the owner"
.const c37 bytes "unit_seconds must be positive"
.const c38 bytes "tariff values cannot be negative"
.const c39 bytes 0x677261636500
.const c40 bytes 0x756e697400
.const c41 bytes 0x7261746500
.const c42 bytes 0x63617000
.const c43 int 86400

.func __init__() init
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
    RET

.func add_lot(int, int, int, int, int) public
    CALL _only_owner
    LGET 0
    PUSHI 1
    GE
    JNZ L16
    CONST c3
    REVERT
  L16:
    CONST c4
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    EQ
    JNZ L36
    CONST c5
    REVERT
  L36:
    LGET 0
    LGET 1
    LGET 2
    LGET 3
    LGET 4
    CALL _tariff
    CONST c6
    LGET 0
    LGET 1
    LGET 2
    LGET 3
    LGET 4
    EMIT 5
    RET

.func set_tariff(int, int, int, int, int) public
    CALL _only_owner
    CONST c4
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    GT
    JNZ L23
    CONST c7
    REVERT
  L23:
    LGET 0
    LGET 1
    LGET 2
    LGET 3
    LGET 4
    CALL _tariff
    RET

.func add_gate(int, bytes) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c8
    REVERT
  L15:
    POP
    CALL _only_owner
    CONST c4
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    GT
    JNZ L39
    CONST c7
    REVERT
  L39:
    CONST c9
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SLOAD
    BTOI
    LNOT
    JNZ L59
    CONST c10
    REVERT
  L59:
    CONST c9
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    CONST c11
    SSTORE
    CONST c12
    LGET 0
    LGET 1
    EMIT 2
    RET

.func remove_gate(int, bytes) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c8
    REVERT
  L15:
    POP
    CALL _only_owner
    CONST c9
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SLOAD
    BTOI
    JNZ L38
    CONST c13
    REVERT
  L38:
    CONST c9
    LGET 0
    ITOB
    CONCAT
    LGET 1
    CONCAT
    SDEL
    CONST c14
    LGET 0
    LGET 1
    EMIT 2
    RET

.func withdraw_revenue(bytes, int) public
.local bytes
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c15
    REVERT
  L15:
    POP
    CALL _only_owner
    LGET 1
    PUSHI 0
    GT
    JNZ L32
    CONST c16
    REVERT
  L32:
    LGET 1
    CONST c17
    SLOAD
    BTOI
    LE
    JNZ L47
    CONST c18
    REVERT
  L47:
    CONST c17
    DUP
    LSET 2
    SLOAD
    BTOI
    LGET 1
    SUB
    DUP
    JZ L66
    ITOB
    JMP L70
  L66:
    POP
    CONST c2
  L70:
    LGET 2
    SWAP
    SSTORE
    LGET 0
    LGET 1
    TRANSFER
    CONST c19
    LGET 0
    LGET 1
    EMIT 2
    RET

.func deposit() public payable
.local bytes
    CALLVALUE
    PUSHI 0
    GT
    JNZ L12
    CONST c20
    REVERT
  L12:
    CONST c21
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
    CONST c22
    CALLER
    CALLVALUE
    EMIT 2
    RET

.func withdraw(int) public
.local bytes
    CONST c23
    CALLER
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    EQ
    JNZ L18
    CONST c24
    REVERT
  L18:
    LGET 0
    PUSHI 0
    GT
    JNZ L31
    CONST c16
    REVERT
  L31:
    LGET 0
    CONST c21
    CALLER
    CONCAT
    SLOAD
    BTOI
    LE
    JNZ L48
    CONST c25
    REVERT
  L48:
    CONST c21
    CALLER
    CONCAT
    DUP
    LSET 1
    SLOAD
    BTOI
    LGET 0
    SUB
    DUP
    JZ L69
    ITOB
    JMP L73
  L69:
    POP
    CONST c2
  L73:
    LGET 1
    SWAP
    SSTORE
    CALLER
    LGET 0
    TRANSFER
    CONST c26
    CALLER
    LGET 0
    EMIT 2
    RET

.func enter(int, bytes) public
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c9
    LGET 0
    ITOB
    CONCAT
    CALLER
    CONCAT
    SLOAD
    BTOI
    JNZ L34
    CONST c28
    REVERT
  L34:
    CONST c23
    LGET 1
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    EQ
    JNZ L53
    CONST c29
    REVERT
  L53:
    CONST c21
    LGET 1
    CONCAT
    SLOAD
    BTOI
    PUSHI 0
    GT
    JNZ L72
    CONST c30
    REVERT
  L72:
    CONST c23
    LGET 1
    CONCAT
    LGET 0
    DUP
    JZ L88
    ITOB
    JMP L92
  L88:
    POP
    CONST c2
  L92:
    SSTORE
    CONST c31
    LGET 1
    CONCAT
    TIMESTAMP
    DUP
    JZ L108
    ITOB
    JMP L112
  L108:
    POP
    CONST c2
  L112:
    SSTORE
    CONST c32
    LGET 1
    CONCAT
    CONST c4
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    DUP
    JZ L136
    ITOB
    JMP L140
  L136:
    POP
    CONST c2
  L140:
    SSTORE
    CONST c33
    LGET 0
    LGET 1
    TIMESTAMP
    EMIT 3
    RET

.func exit(int, bytes) -> int public
.local int
.local int
.local bytes
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c9
    LGET 0
    ITOB
    CONCAT
    CALLER
    CONCAT
    SLOAD
    BTOI
    JNZ L34
    CONST c28
    REVERT
  L34:
    CONST c23
    LGET 1
    CONCAT
    SLOAD
    BTOI
    LGET 0
    EQ
    JNZ L52
    CONST c34
    REVERT
  L52:
    CONST c31
    LGET 1
    CONCAT
    SLOAD
    BTOI
    LSET 2
    LGET 1
    TIMESTAMP
    CALL _fee
    LSET 3
    CONST c21
    LGET 1
    CONCAT
    SLOAD
    BTOI
    LGET 3
    GE
    JNZ L88
    CONST c25
    REVERT
  L88:
    CONST c21
    LGET 1
    CONCAT
    DUP
    LSET 4
    SLOAD
    BTOI
    LGET 3
    SUB
    DUP
    JZ L110
    ITOB
    JMP L114
  L110:
    POP
    CONST c2
  L114:
    LGET 4
    SWAP
    SSTORE
    CONST c17
    DUP
    LSET 4
    SLOAD
    BTOI
    LGET 3
    ADD
    DUP
    JZ L137
    ITOB
    JMP L141
  L137:
    POP
    CONST c2
  L141:
    LGET 4
    SWAP
    SSTORE
    CONST c23
    LGET 1
    CONCAT
    SDEL
    CONST c31
    LGET 1
    CONCAT
    SDEL
    CONST c32
    LGET 1
    CONCAT
    SDEL
    CONST c35
    LGET 0
    LGET 1
    LGET 2
    TIMESTAMP
    LGET 3
    EMIT 5
    LGET 3
    RET

.func quote(int, bytes) -> int public view
    LGET 1
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c23
    LGET 1
    CONCAT
    SLOAD
    BTOI
    LGET 0
    NE
    DUP
    JNZ L38
    POP
    LGET 0
    PUSHI 0
    EQ
  L38:
    JZ L45
    PUSHI 0
    RET
  L45:
    LGET 1
    TIMESTAMP
    CALL _fee
    RET

.func session_lot(bytes) -> int public view
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c23
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET

.func session_entry(bytes) -> int public view
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c31
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET

.func deposit_of(bytes) -> int public view
    LGET 0
    DUP
    LEN
    PUSHI 20
    EQ
    JNZ L15
    CONST c27
    REVERT
  L15:
    POP
    CONST c21
    LGET 0
    CONCAT
    SLOAD
    BTOI
    RET

.func revenue() -> int public view
    CONST c17
    SLOAD
    BTOI
    RET

.func _only_owner()
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
    CONST c36
    REVERT
  L22:
    RET

.func _tariff(int, int, int, int, int)
.local int
    LGET 2
    PUSHI 0
    GT
    JNZ L13
    CONST c37
    REVERT
  L13:
    LGET 1
    PUSHI 0
    GE
    DUP
    JZ L41
    POP
    LGET 3
    PUSHI 0
    GE
    DUP
    JZ L41
    POP
    LGET 4
    PUSHI 0
    GE
  L41:
    JNZ L48
    CONST c38
    REVERT
  L48:
    CONST c4
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    PUSHI 1
    ADD
    LSET 5
    CONST c4
    LGET 0
    ITOB
    CONCAT
    LGET 5
    DUP
    JZ L80
    ITOB
    JMP L84
  L80:
    POP
    CONST c2
  L84:
    SSTORE
    CONST c39
    LGET 0
    ITOB
    CONCAT
    LGET 5
    ITOB
    CONCAT
    LGET 1
    DUP
    JZ L106
    ITOB
    JMP L110
  L106:
    POP
    CONST c2
  L110:
    SSTORE
    CONST c40
    LGET 0
    ITOB
    CONCAT
    LGET 5
    ITOB
    CONCAT
    LGET 2
    DUP
    JZ L132
    ITOB
    JMP L136
  L132:
    POP
    CONST c2
  L136:
    SSTORE
    CONST c41
    LGET 0
    ITOB
    CONCAT
    LGET 5
    ITOB
    CONCAT
    LGET 3
    DUP
    JZ L158
    ITOB
    JMP L162
  L158:
    POP
    CONST c2
  L162:
    SSTORE
    CONST c42
    LGET 0
    ITOB
    CONCAT
    LGET 5
    ITOB
    CONCAT
    LGET 4
    DUP
    JZ L184
    ITOB
    JMP L188
  L184:
    POP
    CONST c2
  L188:
    SSTORE
    RET

.func _fee(bytes, int) -> int
.local int
.local int
.local int
.local int
.local int
.local int
.local int
.local int
.local int
    CONST c23
    LGET 0
    CONCAT
    SLOAD
    BTOI
    LSET 2
    CONST c32
    LGET 0
    CONCAT
    SLOAD
    BTOI
    LSET 3
    LGET 1
    CONST c31
    LGET 0
    CONCAT
    SLOAD
    BTOI
    SUB
    LSET 4
    LGET 4
    CONST c39
    LGET 2
    ITOB
    CONCAT
    LGET 3
    ITOB
    CONCAT
    SLOAD
    BTOI
    LE
    JZ L56
    PUSHI 0
    RET
  L56:
    CONST c40
    LGET 2
    ITOB
    CONCAT
    LGET 3
    ITOB
    CONCAT
    SLOAD
    BTOI
    LSET 5
    CONST c41
    LGET 2
    ITOB
    CONCAT
    LGET 3
    ITOB
    CONCAT
    SLOAD
    BTOI
    LSET 6
    CONST c42
    LGET 2
    ITOB
    CONCAT
    LGET 3
    ITOB
    CONCAT
    SLOAD
    BTOI
    LSET 7
    LGET 7
    PUSHI 0
    EQ
    JZ L126
    LGET 4
    LGET 5
    ADD
    PUSHI 1
    SUB
    LGET 5
    DIV
    LGET 6
    MUL
    RET
  L126:
    LGET 4
    CONST c43
    MOD
    LSET 8
    LGET 4
    CONST c43
    DIV
    LGET 7
    MUL
    LGET 7
    LSET 9
    LGET 8
    LGET 5
    ADD
    PUSHI 1
    SUB
    LGET 5
    DIV
    LGET 6
    MUL
    LSET 10
    LGET 9
    LGET 10
    LE
    JZ L177
    LGET 9
    JMP L179
  L177:
    LGET 10
  L179:
    ADD
    RET
