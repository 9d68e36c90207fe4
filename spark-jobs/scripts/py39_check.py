"""Python 3.9 checks for the job sources (EMR 7 nodes may run Python 3.9), used by test.sh.

    python scripts/py39_check.py DIR...

1. Every file must compile: run under python3.9, this catches syntax 3.9 lacks (match, ...).
2. No annotation may use ``X | Y``. Under ``from __future__ import annotations`` it compiles on
   3.9, but fails there as soon as something evaluates the annotation (typing.get_type_hints,
   dataclasses, pydantic). Ruff does not report it: keep-runtime-typing only stops ruff from
   *suggesting* ``X | None``. String annotations ("int | None") are checked too.
"""

import ast
import pathlib
import sys


def _annotations(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None and arg.annotation is not None:
                    yield arg.annotation
            if node.returns is not None:
                yield node.returns
        elif isinstance(node, ast.AnnAssign):
            yield node.annotation


def _uses_union_operator(annotation: ast.AST) -> bool:
    for node in ast.walk(annotation):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval")
            except SyntaxError:
                continue
            if _uses_union_operator(inner):
                return True
    return False


def main(dirs) -> int:
    problems = []
    for path in sorted(p for d in dirs for p in pathlib.Path(d).rglob("*.py")):
        try:
            tree = compile(path.read_text(), str(path), "exec", ast.PyCF_ONLY_AST)
            compile(tree, str(path), "exec")
        except SyntaxError as e:
            version = "{}.{}".format(*sys.version_info)
            problems.append(f"{path}:{e.lineno}: not Python {version} syntax: {e.msg}")
            continue
        for ann in _annotations(tree):
            if _uses_union_operator(ann):
                problems.append(
                    f"{path}:{ann.lineno}: `X | Y` annotation: use Optional[...]/Union[...] "
                    "(Python 3.9 cannot evaluate it)"
                )
    print("\n".join(problems) if problems else f"py39_check: {', '.join(dirs)} OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
