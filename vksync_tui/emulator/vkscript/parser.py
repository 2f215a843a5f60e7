"""Recursive-descent parser: tokens → syntax tree (nodes.py), with VK-style compile errors.

Grammar (JS precedence, VK's subset): statements are `var`, `if/else`, `while`, `return`, blocks and
expression statements, each simple statement ending in `;` (VK rejects a missing one: "';' expected").
Unknown functions and methods are compile errors, so a typo fails before any API call is made.
"""

from collections.abc import Callable, Collection
from typing import TypeVar, cast

from vksync_tui.emulator.vkscript import nodes as n
from vksync_tui.emulator.vkscript.builtins import FUNCTIONS, METHODS
from vksync_tui.emulator.vkscript.errors import VKScriptCompileError, expected_found
from vksync_tui.emulator.vkscript.tokenizer import KEYWORDS, Kind, Token, tokenize

T = TypeVar("T")
_LITERAL_KEYWORDS = {"true": True, "false": False, "null": None}
_EQUALITY = ("==", "!=")
_RELATIONAL = ("<", ">", "<=", ">=")
_ADDITIVE = ("+", "-")
_MULTIPLICATIVE = ("*", "/", "%")
_BINARY_LEVEL = {op: level  # loosest first
                 for level, operators in enumerate((_EQUALITY, _RELATIONAL, _ADDITIVE, _MULTIPLICATIVE))
                 for op in operators}
_POSTFIX = frozenset({".", "[", "@."})


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        if token.kind is not Kind.END:
            self.position += 1
        return token

    def at(self, text: str) -> bool:
        """True when the current token is the punctuation or keyword `text` (never a string literal)."""
        token = self.tokens[self.position]
        return token.text == text and (token.kind is Kind.PUNCT or token.kind is Kind.NAME)

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.advance()
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise expected_found(text, self.current.text, self.current.line)
        return self.advance()

    def expect_name(self, what: str) -> str:
        token = self.current
        if token.kind is not Kind.NAME:
            raise expected_found(what, token.text, token.line)
        self.advance()
        return token.text

    def error(self, detail: str) -> VKScriptCompileError:
        return VKScriptCompileError(detail, self.current.line)

    # statements

    def program(self) -> n.Block:
        body: list[n.Stmt] = []
        while self.current.kind is not Kind.END:
            body.append(self.statement())
        return n.Block(tuple(body))

    def statement(self) -> n.Stmt:
        if self.accept(";"):
            return n.Block(())
        if self.accept("{"):
            body: list[n.Stmt] = []
            while not self.accept("}"):
                if self.current.kind is Kind.END:
                    raise expected_found("}", "", self.current.line)
                body.append(self.statement())
            return n.Block(tuple(body))
        if self.accept("var"):
            return self.end_simple(self.var_declaration())
        if self.accept("if"):
            test = self.parenthesised()
            then = self.statement()
            otherwise = self.statement() if self.accept("else") else None
            return n.If(test, then, otherwise)
        if self.accept("while"):
            test = self.parenthesised()
            return n.While(test, self.statement())
        if self.accept("return"):
            value = None if self.at(";") else self.expression()
            return self.end_simple(n.Return(value))
        return self.end_simple(n.ExprStmt(self.expression()))

    def end_simple(self, statement: n.Stmt) -> n.Stmt:
        self.expect(";")
        return statement

    def var_declaration(self) -> n.VarDecl:
        names: list[tuple[str, n.Expr | None]] = []
        while True:
            token = self.current
            name = self.expect_name("variable name")
            if name in KEYWORDS or name in ("API", "Args"):
                raise VKScriptCompileError(f"'{name}' can not be a variable name", token.line)
            names.append((name, self.assignment() if self.accept("=") else None))
            if not self.accept(","):
                return n.VarDecl(tuple(names))

    def parenthesised(self) -> n.Expr:
        self.expect("(")
        expr = self.expression()
        self.expect(")")
        return expr

    # expressions, lowest precedence first

    def expression(self) -> n.Expr:
        return self.assignment()

    def assignment(self) -> n.Expr:
        line = self.current.line
        target = self.conditional()
        if not self.accept("="):
            return target
        if not isinstance(target, n.Variable | n.Member | n.Index):
            raise VKScriptCompileError("invalid assignment target", line)
        return n.Assign(target, self.assignment())

    def conditional(self) -> n.Expr:
        test = self.logical_or()
        if not self.accept("?"):
            return test
        then = self.assignment()
        self.expect(":")
        return n.Conditional(test, then, self.assignment())

    def logical_or(self) -> n.Expr:
        left = self.logical_and()
        while self.accept("||"):
            left = n.Logical("||", left, self.logical_and())
        return left

    def logical_and(self) -> n.Expr:
        left = self.binary(0)
        while self.accept("&&"):
            left = n.Logical("&&", left, self.binary(0))
        return left

    def binary(self, min_level: int) -> n.Expr:
        """Left-associative binary operators of `min_level` and tighter (precedence climbing: one call per
        operand, not one per level — a 25-call script has thousands of operands)."""
        left = self.unary()
        tokens = self.tokens
        while True:
            token = tokens[self.position]
            level = _BINARY_LEVEL.get(token.text, -1) if token.kind is Kind.PUNCT else -1
            if level < min_level:
                return left
            self.advance()
            left = n.Binary(token.text, left, self.binary(level + 1))

    def unary(self) -> n.Expr:
        token = self.current
        if token.kind is Kind.PUNCT and token.text in ("!", "-", "+"):
            self.advance()
            return n.Unary(token.text, self.unary())
        if self.accept("delete"):
            target = self.postfix()
            if not isinstance(target, n.Member | n.Index):
                raise VKScriptCompileError("delete requires an object field", token.line)
            return n.Delete(target)
        return self.postfix()

    def postfix(self) -> n.Expr:
        expr = self.primary()
        tokens = self.tokens
        while True:
            token = tokens[self.position]
            if token.kind is not Kind.PUNCT or token.text not in _POSTFIX:
                return expr
            self.advance()
            if token.text == ".":
                name = self.expect_name("field name")
                if self.at("("):
                    expr = n.MethodCall(expr, self.known(name, METHODS, "method"), self.call_arguments())
                else:
                    expr = n.Member(expr, name)
            elif token.text == "[":
                index = self.expression()
                self.expect("]")
                expr = n.Index(expr, index)
            else:
                expr = n.Projection(expr, self.expect_name("field name"))

    def known(self, name: str, table: Collection[str], what: str) -> str:
        if name not in table:
            raise self.error(f"unknown {what} '{name}'")
        return name

    def call_arguments(self) -> tuple[n.Expr, ...]:
        self.expect("(")
        args: list[n.Expr] = []
        if not self.accept(")"):
            args.append(self.assignment())
            while self.accept(","):
                args.append(self.assignment())
            self.expect(")")
        return tuple(args)

    def primary(self) -> n.Expr:
        token = self.current
        if token.kind is Kind.NUMBER or token.kind is Kind.STRING:
            self.advance()
            return n.Literal(token.value)
        if token.kind is Kind.LIFTED:
            self.advance()
            return n.LiftedNumber(cast(int, token.value))
        if token.kind is Kind.PUNCT:
            if self.accept("("):
                expr = self.expression()
                self.expect(")")
                return expr
            if self.accept("["):
                return n.ArrayLiteral(self.comma_list("]", self.assignment))
            if self.accept("{"):
                return n.ObjectLiteral(self.comma_list("}", self.object_entry))
        if token.kind is Kind.NAME:
            return self.name_expression(token)
        raise expected_found("expression", token.text, token.line)

    def comma_list(self, closing: str, item: Callable[[], T]) -> tuple[T, ...]:
        items: list[T] = []
        if self.accept(closing):
            return ()
        items.append(item())
        while self.accept(","):
            items.append(item())
        self.expect(closing)
        return tuple(items)

    def object_entry(self) -> tuple[str, n.Expr]:
        token = self.advance()
        if token.kind is Kind.STRING:
            key = str(token.value)
        elif token.kind is Kind.NAME or token.kind is Kind.NUMBER:
            key = token.text
        else:
            raise expected_found("field name", token.text, token.line)
        self.expect(":")
        return key, self.assignment()

    def name_expression(self, token: Token) -> n.Expr:
        name = token.text
        if name in _LITERAL_KEYWORDS:
            self.advance()
            return n.Literal(_LITERAL_KEYWORDS[name])
        if name in KEYWORDS:
            raise expected_found("expression", name, token.line)
        self.advance()
        if name == "API":
            return self.api_call()
        if name == "Args":
            self.expect(".")
            return n.ArgsField(self.expect_name("argument name"))
        if self.at("("):
            function = self.known(name, FUNCTIONS, "function")
            args = self.call_arguments()
            if len(args) != 1:
                raise VKScriptCompileError(f"{function} expects one argument", token.line)
            return n.FunctionCall(function, args)
        return n.Variable(name)

    def api_call(self) -> n.ApiCall:
        self.expect(".")
        section = self.expect_name("API section")
        self.expect(".")
        method = self.expect_name("API method")
        self.expect("(")
        params = None if self.at(")") else self.assignment()
        self.expect(")")
        return n.ApiCall(f"{section}.{method}", params)


def parse(code: str, *, lifted: bool = False) -> n.Block:
    """Parse a whole script; raise VKScriptCompileError (VK error 12) with the offending line.

    `lifted`: `code` is a `lift_numbers` template. Its numbers parse as `LiftedNumber`s wherever a number
    is an expression; one used as an object key (its text is the key) makes the template fail to parse, and
    the script is then compiled from its own text."""
    try:
        return _Parser(tokenize(code, lifted=lifted)).program()
    except RecursionError:
        raise VKScriptCompileError("expression is nested too deeply", 1) from None
