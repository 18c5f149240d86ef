# mypy: ignore-errors
# ruff: noqa
import os  # error: cannot import 'os'
from math import floor  # error: cannot import 'math'
from vmchain.lang import Contract, Storage, public  # error: vmchain.lang has no 'Storage'
from vmchain.lang import view as v  # error: imported names cannot be renamed


class C(Contract):
    @public
    def f(self) -> int:
        import json  # error: imports are allowed only at the top of the file

        return 1
