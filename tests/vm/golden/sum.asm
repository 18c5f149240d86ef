; Sum of 1..n with a down-counting loop: the benchmark's loop (11 ops per iteration).
.func sum(n: int) -> int public view
.local i: int
.local acc: int
    LGET n
    LSET i
loop:
    LGET i
    JZ end
    LGET acc
    LGET i
    ADD
    LSET acc
    LGET i
    PUSHI 1
    SUB
    LSET i
    JMP loop
end:
    LGET acc
    RET
