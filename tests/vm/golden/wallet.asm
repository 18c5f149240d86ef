; A tiny wallet: owner set at deploy, deposits, owner-only withdrawals, events, a
; signed-voucher check, and a helper that asks another contract for a balance.
.const OWNER bytes "owner"
.const DEPOSIT bytes "Deposited"

.func init() init
    CONST OWNER
    CALLER
    SSTORE
    RET

.func deposit() -> int public payable
    CONST DEPOSIT
    CALLER
    CALLVALUE
    EMIT 2
    SELF
    BALANCE
    RET

.func withdraw(to: bytes, amount: int) public
    CONST OWNER
    SLOAD
    CALLER
    EQ
    JNZ allowed
    CONST "only the owner may withdraw"
    REVERT
allowed:
    LGET to
    LGET amount
    TRANSFER
    RET

.func voucher_ok(pubkey: bytes, channel: int, amount: int, sig: bytes) -> int public view
.local digest: bytes
    CONST "vmchain-voucher"
    CHAINID
    LEN
    ITOB
    PUSHI 31
    PUSHI 32
    SLICE
    CONCAT
    CHAINID
    CONCAT
    SELF
    CONCAT
    LGET channel
    ITOB
    CONCAT
    LGET amount
    ITOB
    CONCAT
    SHA256
    LSET digest
    LGET pubkey
    LGET digest
    LGET sig
    VERIFY
    RET

.func remote_balance(target: bytes) -> int public view
    LGET target
    CONST 0x9f5a8f3c
    PUSHI 0
    XCALL 0
    SWAP
    JZ failed
    PUSHI 0
    UNPACKI
    RET
failed:
    POP
    PUSHI -1
    RET

.func half(x: int) -> int
    LGET x
    PUSHI 2
    DIV
    RET

.func quarter(x: int) -> int public view
    LGET x
    CALL half
    CALL half
    RET
