.const c0 bytes "argument 'payee' must be a 20-byte address"
.const c1 bytes "payer_pubkey is not the sender's key"
.const c2 bytes "timeout_seconds must be positive"
.const c3 bytes "last_id"
.const c4 bytes 0x
.const c5 bytes 0x70617965727300
.const c6 bytes 0x0000000000000000000000000000000000000000
.const c7 bytes 0x70617965657300
.const c8 bytes 0x7075626b65797300
.const c9 bytes 0x6465706f7369747300
.const c10 bytes 0x6f70656e65645f617400
.const c11 bytes 0x74696d656f75747300
.const c12 bytes "ChannelOpened"
.const c13 bytes "top up some value"
.const c14 bytes "ToppedUp"
.const c15 bytes "only the payee"
.const c16 bytes 0x72656465656d656400
.const c17 bytes "only the payer"
.const c18 bytes "the channel has not timed out"
.const c19 bytes 0x636c6f73656400
.const c20 bytes "vmchain-voucher"
.const c21 bytes "to_bytes: the value does not fit in 1 unsigned bytes"
.const c22 bytes "to_bytes: the value does not fit in 32 unsigned bytes"
.const c23 bytes "no such channel"
.const c24 bytes "the channel is closed"
.const c25 bytes "amount must rise"
.const c26 bytes "amount exceeds the deposit"
.const c27 bytes "bad voucher signature"
.const c28 bytes "Redeemed"
.const c29 bytes 0x01
.const c30 bytes "ChannelClosed"
.const c31 bytes 0x02
.const c32 bytes 0x0100

.func open(bytes, int, bytes) -> int public payable
.local int
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
    LGET 2
    ADDROF
    CALLER
    EQ
    JNZ L28
    CONST c1
    REVERT
  L28:
    LGET 1
    PUSHI 0
    GT
    JNZ L41
    CONST c2
    REVERT
  L41:
    CONST c3
    SLOAD
    BTOI
    PUSHI 1
    ADD
    LSET 3
    CONST c3
    LGET 3
    DUP
    JZ L65
    ITOB
    JMP L69
  L65:
    POP
    CONST c4
  L69:
    SSTORE
    CONST c5
    LGET 3
    ITOB
    CONCAT
    CALLER
    DUP
    CONST c6
    EQ
    JZ L90
    POP
    CONST c4
  L90:
    SSTORE
    CONST c7
    LGET 3
    ITOB
    CONCAT
    LGET 0
    DUP
    CONST c6
    EQ
    JZ L112
    POP
    CONST c4
  L112:
    SSTORE
    CONST c8
    LGET 3
    ITOB
    CONCAT
    LGET 2
    SSTORE
    CONST c9
    LGET 3
    ITOB
    CONCAT
    CALLVALUE
    DUP
    JZ L139
    ITOB
    JMP L143
  L139:
    POP
    CONST c4
  L143:
    SSTORE
    CONST c10
    LGET 3
    ITOB
    CONCAT
    TIMESTAMP
    DUP
    JZ L160
    ITOB
    JMP L164
  L160:
    POP
    CONST c4
  L164:
    SSTORE
    CONST c11
    LGET 3
    ITOB
    CONCAT
    LGET 1
    DUP
    JZ L182
    ITOB
    JMP L186
  L182:
    POP
    CONST c4
  L186:
    SSTORE
    CONST c12
    LGET 3
    CALLER
    LGET 0
    CALLVALUE
    LGET 1
    EMIT 5
    LGET 3
    RET

.func top_up(int) public payable
.local bytes
    LGET 0
    CALL _open_channel
    CALLVALUE
    PUSHI 0
    GT
    JNZ L17
    CONST c13
    REVERT
  L17:
    CONST c9
    LGET 0
    ITOB
    CONCAT
    DUP
    LSET 1
    SLOAD
    BTOI
    CALLVALUE
    ADD
    DUP
    JZ L39
    ITOB
    JMP L43
  L39:
    POP
    CONST c4
  L43:
    LGET 1
    SWAP
    SSTORE
    CONST c14
    LGET 0
    CALLVALUE
    CONST c9
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    EMIT 3
    RET

.func redeem(int, int, bytes) -> int public
    LGET 0
    CALL _open_channel
    CALLER
    CONST c7
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L23
    POP
    CONST c6
  L23:
    EQ
    JNZ L31
    CONST c15
    REVERT
  L31:
    LGET 0
    LGET 1
    LGET 2
    CALL _redeem
    RET

.func close(int, int, bytes) public
    LGET 0
    CALL _open_channel
    CALLER
    CONST c7
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L23
    POP
    CONST c6
  L23:
    EQ
    JNZ L31
    CONST c15
    REVERT
  L31:
    LGET 1
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    GT
    JZ L56
    LGET 0
    LGET 1
    LGET 2
    CALL _redeem
    POP
  L56:
    LGET 0
    CALL _finish
    RET

.func expire(int) public
.local int
    LGET 0
    CALL _open_channel
    CALLER
    CONST c5
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L23
    POP
    CONST c6
  L23:
    EQ
    JNZ L31
    CONST c17
    REVERT
  L31:
    CONST c10
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    CONST c11
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    ADD
    LSET 1
    TIMESTAMP
    LGET 1
    GE
    JNZ L63
    CONST c18
    REVERT
  L63:
    LGET 0
    CALL _finish
    RET

.func channel(int) -> bytes public view
.local int
.local int
    CONST c10
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    CONST c11
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    ADD
    LSET 1
    PUSHI 0
    LGET 0
    LT
    DUP
    JZ L55
    POP
    LGET 0
    CONST c3
    SLOAD
    BTOI
    LE
    DUP
    JZ L55
    POP
    CONST c19
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    LNOT
  L55:
    LSET 2
    CONST c8
    LGET 0
    ITOB
    CONCAT
    SLOAD
    CALL __abi_bytes
    CONST c7
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L85
    POP
    CONST c6
  L85:
    CALL __abi_bytes
    CONCAT
    CONST c9
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    CALL __abi_int
    CONCAT
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    CALL __abi_int
    CONCAT
    LGET 1
    CALL __abi_int
    CONCAT
    LGET 2
    CALL __abi_int
    CONCAT
    RET

.func deposit_of(int) -> int public view
    CONST c9
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    RET

.func redeemed_of(int) -> int public view
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    RET

.func voucher_digest(int, int) -> bytes
.local bytes
.local int
    CHAINID
    LSET 2
    CONST c20
    LGET 2
    LEN
    DUP
    LSET 3
    PUSHI 0
    GE
    LGET 3
    PUSHI 256
    LT
    AND
    JNZ L30
    CONST c21
    REVERT
  L30:
    LGET 3
    ITOB
    PUSHI 31
    PUSHI 32
    SLICE
    CONCAT
    LGET 2
    CONCAT
    SELF
    CONCAT
    LGET 0
    DUP
    LSET 3
    PUSHI 0
    GE
    JNZ L62
    CONST c22
    REVERT
  L62:
    LGET 3
    ITOB
    CONCAT
    LGET 1
    DUP
    LSET 3
    PUSHI 0
    GE
    JNZ L82
    CONST c22
    REVERT
  L82:
    LGET 3
    ITOB
    CONCAT
    SHA256
    RET

.func _open_channel(int)
    PUSHI 0
    LGET 0
    LT
    DUP
    JZ L19
    POP
    LGET 0
    CONST c3
    SLOAD
    BTOI
    LE
  L19:
    JNZ L26
    CONST c23
    REVERT
  L26:
    CONST c19
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    LNOT
    JNZ L43
    CONST c24
    REVERT
  L43:
    RET

.func _redeem(int, int, bytes) -> int
.local int
.local bytes
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    LSET 3
    LGET 1
    LGET 3
    GT
    JNZ L23
    CONST c25
    REVERT
  L23:
    LGET 1
    CONST c9
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    LE
    JNZ L42
    CONST c26
    REVERT
  L42:
    LGET 0
    LGET 1
    CALL voucher_digest
    LSET 4
    CONST c8
    LGET 0
    ITOB
    CONCAT
    SLOAD
    LGET 4
    LGET 2
    VERIFY
    JNZ L71
    CONST c27
    REVERT
  L71:
    CONST c16
    LGET 0
    ITOB
    CONCAT
    LGET 1
    DUP
    JZ L88
    ITOB
    JMP L92
  L88:
    POP
    CONST c4
  L92:
    SSTORE
    CONST c7
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L110
    POP
    CONST c6
  L110:
    LGET 1
    LGET 3
    SUB
    TRANSFER
    CONST c28
    LGET 0
    LGET 1
    LGET 1
    LGET 3
    SUB
    EMIT 3
    LGET 1
    LGET 3
    SUB
    RET

.func _finish(int)
.local int
    CONST c9
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    SUB
    LSET 1
    CONST c19
    LGET 0
    ITOB
    CONCAT
    CONST c29
    SSTORE
    LGET 1
    PUSHI 0
    GT
    JZ L61
    CONST c5
    LGET 0
    ITOB
    CONCAT
    SLOAD
    DUP
    LEN
    JNZ L58
    POP
    CONST c6
  L58:
    LGET 1
    TRANSFER
  L61:
    CONST c30
    LGET 0
    CONST c16
    LGET 0
    ITOB
    CONCAT
    SLOAD
    BTOI
    LGET 1
    EMIT 3
    RET

.func __abi_bytes(bytes) -> bytes
    CONST c31
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
    CONST c32
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
    CONST c29
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
