"""The Python subset's border: what each rejected construct is called and how to fix it.

`parse` consults these tables for every `ast` node it has no rule for, so each rejection
names the construct and gives a hint. A table, not branches: adding a construct is a row.
"""

from __future__ import annotations

import ast

REVERT_HINT = 'use require(condition, "message") to revert the call'

# ast node class -> (message, hint)
REJECTED: dict[type[ast.AST], tuple[str, str]] = {
    ast.Try: ("try/except is not supported", REVERT_HINT),
    ast.TryStar: ("try/except* is not supported", REVERT_HINT),
    ast.Raise: ("raise is not supported", REVERT_HINT),
    ast.Assert: ("assert is not supported", REVERT_HINT),
    ast.With: ("'with' is not supported", "a contract has no resources to open or close"),
    ast.AsyncWith: ("async is not supported", "contracts run synchronously"),
    ast.AsyncFor: ("async is not supported", "contracts run synchronously"),
    ast.AsyncFunctionDef: ("async is not supported", "contracts run synchronously"),
    ast.Await: ("async is not supported", "contracts run synchronously"),
    ast.Global: ("global is not supported", "keep state in storage fields (self.x)"),
    ast.Nonlocal: ("nonlocal is not supported", "keep state in storage fields (self.x)"),
    ast.FunctionDef: ("nested functions are not supported", "make it a method of the contract"),
    ast.ClassDef: ("nested classes are not supported", "declare classes at the top level"),
    ast.Import: ("imports are allowed only at the top of the file", "from vmchain.lang import ..."),
    ast.ImportFrom: (
        "imports are allowed only at the top of the file",
        "from vmchain.lang import ...",
    ),
    ast.Match: ("match is not supported", "use if/elif/else"),
    ast.Lambda: ("lambdas are not supported", "define a method on the contract instead"),
    ast.List: ("lists are not supported", "use a Map[int, V] storage field indexed by position"),
    ast.ListComp: ("list comprehensions are not supported", "use a for loop over range(...)"),
    ast.Set: ("sets are not supported", "use a Map[K, bool] storage field"),
    ast.SetComp: ("set comprehensions are not supported", "use a Map[K, bool] storage field"),
    ast.Dict: ("dict literals are not supported", "declare a Map[K, V] storage field"),
    ast.DictComp: ("dict comprehensions are not supported", "declare a Map[K, V] storage field"),
    ast.GeneratorExp: ("generator expressions are not supported", "use a for loop over range"),
    ast.Yield: ("generators are not supported", "return a value instead"),
    ast.YieldFrom: ("generators are not supported", "return a value instead"),
    ast.JoinedStr: ("f-strings are not supported", "messages are plain string literals"),
    ast.NamedExpr: ("assignment expressions (:=) are not supported", "assign on its own line"),
    ast.Starred: ("* unpacking is not supported", "pass each value on its own"),
    ast.Delete: ("only map entries can be deleted", "del self.balances[key]"),
}

OPERATORS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
REJECTED_OPERATORS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Div: ("'/' is float division and floats are not supported", "use // (floor division)"),
    ast.MatMult: ("the @ operator is not supported", "write the arithmetic out"),
}
COMPARISONS: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}
REJECTED_COMPARISONS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Is: ("'is' is not supported", "compare values with == or !="),
    ast.IsNot: ("'is not' is not supported", "compare values with == or !="),
    ast.In: ("'in' is not supported", "a Map has every key: compare the value with its zero"),
    ast.NotIn: ("'not in' is not supported", "a Map has every key: compare with its zero"),
}
UNARY: dict[type[ast.AST], str] = {ast.USub: "-", ast.Not: "not", ast.Invert: "~", ast.UAdd: "+"}

FLOAT_HINT = "use integers in minor units (e.g. cents) and // for division"
