"""The VKScript syntax tree: plain frozen dataclasses produced by the parser and compiled by the evaluator."""

from dataclasses import dataclass


class Expr:
    """Base of every expression node."""


class Stmt:
    """Base of every statement node."""


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: object


@dataclass(frozen=True, slots=True)
class LiftedNumber(Expr):
    """A number of a `lift_numbers` template: the `index`-th number of the script text, given at run time."""

    index: int


@dataclass(frozen=True, slots=True)
class ArrayLiteral(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ObjectLiteral(Expr):
    entries: tuple[tuple[str, Expr], ...]


@dataclass(frozen=True, slots=True)
class Variable(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class ArgsField(Expr):
    """`Args.<name>`: an extra execute parameter, always a string (or null when not passed)."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Expr):
    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(Expr):
    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Projection(Expr):
    """`target@.name`: the `name` field of every element of an array (VK's JSON-structure projection)."""

    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Logical(Expr):
    op: str  # "&&" or "||"
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional(Expr):
    test: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class Assign(Expr):
    target: Variable | Member | Index
    value: Expr


@dataclass(frozen=True, slots=True)
class Delete(Expr):
    target: Member | Index


@dataclass(frozen=True, slots=True)
class MethodCall(Expr):
    target: Expr
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class FunctionCall(Expr):
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ApiCall(Expr):
    method: str  # "section.method"
    params: Expr | None


@dataclass(frozen=True, slots=True)
class VarDecl(Stmt):
    names: tuple[tuple[str, Expr | None], ...]


@dataclass(frozen=True, slots=True)
class ExprStmt(Stmt):
    expr: Expr


@dataclass(frozen=True, slots=True)
class If(Stmt):
    test: Expr
    then: Stmt
    otherwise: Stmt | None


@dataclass(frozen=True, slots=True)
class While(Stmt):
    test: Expr
    body: Stmt


@dataclass(frozen=True, slots=True)
class Return(Stmt):
    value: Expr | None


@dataclass(frozen=True, slots=True)
class Block(Stmt):
    body: tuple[Stmt, ...]
