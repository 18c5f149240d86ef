; An ERC-20-like token for bench/execute.py: balances in storage (key = the holder's 20-byte
; address, value = 32-byte big-endian amount), the deployer gets the supply, transfer(to,
; amount) checks its arguments and the sender's balance, moves the amount and emits
; Transfer(from, to, amount). Same work as an ERC-20 transfer: two storage reads, two writes,
; one three-field event.
.const TRANSFER bytes "Transfer"

.func init(supply: int) init
    CALLER
    LGET supply
    ITOB
    SSTORE
    RET

.func transfer(to: bytes, amount: int) -> int public
.local held: int
    LGET to
    LEN
    PUSHI 20
    EQ
    JNZ to_ok
    CONST "transfer: the recipient must be a 20-byte address"
    REVERT
to_ok:
    LGET amount
    PUSHI 0
    LT
    JZ amount_ok
    CONST "transfer: negative amount"
    REVERT
amount_ok:
    CALLER
    SLOAD
    BTOI
    LSET held
    LGET held
    LGET amount
    LT
    JZ enough
    CONST "transfer: balance too low"
    REVERT
enough:
    CALLER
    LGET held
    LGET amount
    SUB
    ITOB
    SSTORE
    LGET to
    LGET to
    SLOAD
    BTOI
    LGET amount
    ADD
    ITOB
    SSTORE
    CONST TRANSFER
    CALLER
    LGET to
    LGET amount
    EMIT 3
    PUSHI 1
    RET

.func balance_of(owner: bytes) -> int public view
    LGET owner
    SLOAD
    BTOI
    RET
