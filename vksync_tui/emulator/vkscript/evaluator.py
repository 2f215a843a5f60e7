"""Compiles the syntax tree into nested Python closures and runs them.

Why closures: each node is turned once into a small function taking the per-run state, so running a loop is a
chain of direct calls with no per-node dispatch. `return` is not an exception: a statement function returns
None to continue or a 1-tuple `(value,)` to stop, which keeps the hot path exception-free.

Operations budget ("Too many operations", VK error 13): VK does not document its cap, so the emulator counts
work in coarse units — a statement costs 1 plus its expression nodes, each loop iteration charges its test and
its body, a taken `if` branch charges that branch, and `+` on strings or arrays costs one unit per 16 elements
it produces (charged *before* building the result, so a doubling loop cannot exhaust memory), as do arrays
made by methods (`slice`, `split`, ...) and `@.` projections. The budget is checked once per loop iteration
and whenever such a size charge is made. With the default of 1 000 000 units `while(1){}`
fails after 500 000 iterations (~0.25 s), while a 25-page pagination script uses about 22 000.
"""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from vksync_tui.emulator.cache import BoundedMemo
from vksync_tui.emulator.vkscript import nodes as n
from vksync_tui.emulator.vkscript import values as v
from vksync_tui.emulator.vkscript.builtins import FUNCTIONS, METHODS
from vksync_tui.emulator.vkscript.errors import VKScriptCompileError, VKScriptRuntimeError
from vksync_tui.emulator.vkscript.parser import parse
from vksync_tui.emulator.vkscript.tokenizer import lift_numbers

CallApi = Callable[[str, dict[str, Any]], Any]
CallApiJson = Callable[[str, dict[str, Any]], bytes]
CallApiDeferred = Callable[[str, dict[str, Any]], Any]
_CONCAT_UNIT = 16
T = TypeVar("T")


@dataclass(frozen=True)
class ExecuteLimits:
    """Per-execute caps. 25 API calls and the 5 MiB response are VK's; the operations budget is our choice."""

    max_api_calls: int = 25
    max_operations: int = 1_000_000
    max_response_bytes: int = 5 * 1024 * 1024


@dataclass
class ScriptResult:
    """What `execute` answers: the script's return value plus one entry per failed inner API call."""

    response: Any
    execute_errors: list[dict[str, Any]] = field(default_factory=list)
    response_json: bytes = b"null"  # `response` already encoded for the size check; the server reuses it


class _Run:
    """Mutable state of one script run; every compiled closure takes it as its only argument."""

    __slots__ = ("api_calls", "args", "call_api", "call_api_deferred", "call_api_json", "errors",
                 "max_api_calls", "max_operations", "numbers", "operations", "results_are_fresh", "variables")

    def __init__(self, slot_count: int, args: Mapping[str, str], call_api: CallApi,
                 limits: ExecuteLimits, results_are_fresh: bool = False,
                 call_api_json: CallApiJson | None = None,
                 call_api_deferred: CallApiDeferred | None = None,
                 numbers: tuple[int | float, ...] = ()) -> None:
        self.numbers = numbers
        self.results_are_fresh = results_are_fresh
        self.call_api_json = call_api_json
        self.call_api_deferred = call_api_deferred
        self.variables: list[Any] = [None] * slot_count
        self.args = {key: value if isinstance(value, str) else str(value) for key, value in args.items()}
        self.call_api = call_api
        self.api_calls = 0
        self.max_api_calls = limits.max_api_calls
        self.operations = 0
        self.max_operations = limits.max_operations
        self.errors: list[dict[str, Any]] = []

    def charge(self, units: int) -> None:
        self.operations += units
        if self.operations > self.max_operations:
            raise VKScriptRuntimeError("Too many operations")


Code = Callable[[_Run], Any]
StatementCode = Callable[[_Run], tuple[Any] | None]

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "-": v.subtract, "*": v.multiply, "/": v.divide, "%": v.modulo,
    "<": v.less, ">": v.greater, "<=": v.less_equal, ">=": v.greater_equal,
    "==": v.equals, "!=": v.not_equals,
}


def _size(part: object) -> int:
    """Number of expression nodes in `part` (a node, a tuple of nodes or of (key, node) pairs)."""
    if isinstance(part, n.Expr):
        return 1 + sum(_size(getattr(part, name)) for name in part.__dataclass_fields__)
    if isinstance(part, tuple):
        return sum(_size(item) for item in part)
    return 0


def _cost(statement: n.Stmt) -> int:
    """Operations charged for executing `statement` once: 1 plus its expression nodes.

    Blocks cost their statements; an `if` costs its test here and its taken branch at run time; a `while`
    charges its iterations itself.
    """
    if isinstance(statement, n.Block):
        return sum(_cost(inner) for inner in statement.body)
    if isinstance(statement, n.ExprStmt):
        return 1 + _size(statement.expr)
    if isinstance(statement, n.VarDecl):
        return 1 + _size(statement.names)
    if isinstance(statement, n.Return):
        return 1 + _size(statement.value)
    if isinstance(statement, n.If):
        return 1 + _size(statement.test)
    return 1


def _set_field(target: Any, key: str, value: Any) -> None:
    if type(target) is not dict:
        raise VKScriptRuntimeError(f"Can not set field '{key}' of a non-object")
    target[key] = value


def _set_index(target: Any, index: Any, value: Any) -> None:
    if type(target) is dict:
        target[v.key_of(index)] = value
        return
    if type(target) is not list:
        raise VKScriptRuntimeError("Can not set an element of a non-array")
    position = v.list_position(index)
    if position is None or not 0 <= position <= len(target):
        raise VKScriptRuntimeError("Array index out of range")
    if position == len(target):
        target.append(value)
    else:
        target[position] = value


def _inner_error(method: str, exc: Exception) -> dict[str, Any] | None:
    """The execute_errors entry for a failed inner call, or None when `exc` is not a VK API error (a bug).

    VK API errors carry `error_msg` and their code as `error_code` (the documented contract) or `code` (the
    emulator's EmuApiError spells it so).
    """
    error_msg = getattr(exc, "error_msg", None)
    error_code = getattr(exc, "error_code", getattr(exc, "code", None))
    if not isinstance(error_code, int) or not isinstance(error_msg, str):
        return None
    return {"method": method, "error_code": error_code, "error_msg": error_msg}


def _no_statement(run: _Run) -> None:
    return None


class _Compiler:
    def __init__(self) -> None:
        self.slots: dict[str, int] = {}

    def slot(self, name: str) -> int:
        return self.slots.setdefault(name, len(self.slots))

    # statements

    def statement(self, node: n.Stmt) -> StatementCode:
        if isinstance(node, n.Block):
            return self.block(node)
        if isinstance(node, n.ExprStmt):
            return self.expression_statement(node)
        if isinstance(node, n.VarDecl):
            return self.block(n.Block(tuple(n.ExprStmt(n.Assign(n.Variable(name), init))
                                            for name, init in node.names if init is not None)))
        if isinstance(node, n.If):
            return self.if_statement(node)
        if isinstance(node, n.While):
            return self.while_statement(node)
        if isinstance(node, n.Return):
            return self.return_statement(node)
        raise TypeError(f"unknown statement node {node!r}")

    def block(self, node: n.Block) -> StatementCode:
        statements = tuple(self.statement(inner) for inner in node.body)
        if not statements:
            return _no_statement
        if len(statements) == 1:
            return statements[0]

        def run_block(run: _Run) -> tuple[Any] | None:
            for statement in statements:
                outcome = statement(run)
                if outcome is not None:
                    return outcome
            return None

        return run_block

    def expression_statement(self, node: n.ExprStmt) -> StatementCode:
        expr = self.expression(node.expr)

        def run_expression(run: _Run) -> None:
            expr(run)

        return run_expression

    def if_statement(self, node: n.If) -> StatementCode:
        test = self.held(node.test)  # an answer is always true: testing it needs no building
        then = self.statement(node.then)
        then_cost = _cost(node.then)
        otherwise = self.statement(node.otherwise) if node.otherwise is not None else _no_statement
        otherwise_cost = _cost(node.otherwise) if node.otherwise is not None else 0
        truthy = v.truthy

        def run_if(run: _Run) -> tuple[Any] | None:
            if truthy(test(run)):
                run.operations += then_cost
                return then(run)
            run.operations += otherwise_cost
            return otherwise(run)

        return run_if

    def while_statement(self, node: n.While) -> StatementCode:
        test = self.expression(node.test)
        body = self.statement(node.body)
        iteration_cost = 1 + _size(node.test) + _cost(node.body)
        truthy = v.truthy

        def run_while(run: _Run) -> tuple[Any] | None:
            while True:
                run.operations += iteration_cost
                if run.operations > run.max_operations:
                    raise VKScriptRuntimeError("Too many operations")
                if not truthy(test(run)):
                    return None
                outcome = body(run)
                if outcome is not None:
                    return outcome

        return run_while

    def return_statement(self, node: n.Return) -> StatementCode:
        if node.value is None:
            return lambda run: (None,)
        value = self.returned(node.value)
        return lambda run: (value(run),)

    def returned(self, node: n.Expr) -> Code:
        """The returned value; an API call returned as is (alone or as an item of a returned array literal,
        the shape of every batching script) may answer with its JSON text, since no script code can reach
        it before it is sent — which saves building the objects only to encode them."""
        if isinstance(node, n.ApiCall):
            return self.expr_ApiCall(node, may_encode=True)
        if isinstance(node, n.ArrayLiteral) and any(isinstance(item, n.ApiCall) for item in node.items):
            items = tuple(self.expr_ApiCall(item, may_encode=True) if isinstance(item, n.ApiCall)
                          else self.expression(item) for item in node.items)
            return lambda run: [item(run) for item in items]
        return self.expression(node)

    # expressions

    def expression(self, node: n.Expr) -> Code:
        compile_node = getattr(self, "expr_" + type(node).__name__)
        return compile_node(node)

    def held(self, node: n.Expr) -> Code:
        """`node`'s value, except that a variable holding a `DeferredAnswer` gives it as it is: for the few
        places that handle one (an `if` test, `@.`); anywhere else a variable read gives the whole answer."""
        if isinstance(node, n.Variable):
            slot = self.slot(node.name)
            return lambda run: run.variables[slot]
        return self.expression(node)

    def expr_Literal(self, node: n.Literal) -> Code:
        value = node.value
        return lambda run: value

    def expr_LiftedNumber(self, node: n.LiftedNumber) -> Code:
        index = node.index
        return lambda run: run.numbers[index]

    def expr_ArrayLiteral(self, node: n.ArrayLiteral) -> Code:
        items = tuple(self.expression(item) for item in node.items)
        return lambda run: [item(run) for item in items]

    def expr_ObjectLiteral(self, node: n.ObjectLiteral) -> Code:
        entries = tuple((key, self.expression(value)) for key, value in node.entries)
        return lambda run: {key: value(run) for key, value in entries}

    def expr_Variable(self, node: n.Variable) -> Code:
        slot, deferred = self.slot(node.name), v.DeferredAnswer

        def variable(run: _Run) -> Any:
            value = run.variables[slot]
            return value.whole() if type(value) is deferred else value

        return variable

    def expr_ArgsField(self, node: n.ArgsField) -> Code:
        name = node.name
        return lambda run: run.args.get(name)

    def expr_Member(self, node: n.Member) -> Code:
        name, get_member = node.name, v.get_member
        if isinstance(node.target, n.Variable):
            held, deferred = self.held(node.target), v.DeferredAnswer

            def member_of_variable(run: _Run) -> Any:
                value = held(run)
                if type(value) is deferred:
                    return value.member(name)
                return value.get(name) if type(value) is dict else get_member(value, name)

            return member_of_variable
        target = self.expression(node.target)

        def member(run: _Run) -> Any:
            value = target(run)
            return value.get(name) if type(value) is dict else get_member(value, name)

        return member

    def expr_Index(self, node: n.Index) -> Code:
        target, index, get_index = self.expression(node.target), self.expression(node.index), v.get_index
        return lambda run: get_index(target(run), index(run))

    def expr_Projection(self, node: n.Projection) -> Code:
        step_by_step = self.projection_step(node)
        names = [node.name]
        source = node.target
        while isinstance(source, n.Projection):
            names.insert(0, source.name)
            source = source.target
        if len(names) == 1:
            return step_by_step
        array = None
        if isinstance(source, n.Member) and isinstance(source.target, n.Variable):
            source, array = source.target, source.name
        if not isinstance(source, n.Variable):
            return step_by_step
        return self.chained_projection(self.held(source), array, names, step_by_step)

    def chained_projection(self, held: Code, array: str | None, names: list[str], step_by_step: Code) -> Code:
        """`v.array@.a@.b` on a deferred answer whose method makes the whole chain as one column: the same
        values and the same operations charged as projecting step by step, without building the answer."""
        path, steps, deferred = ".".join(names), len(names), v.DeferredAnswer

        def run_chain(run: _Run) -> Any:
            value = held(run)
            column = value.path_column(array, path) if type(value) is deferred else None
            if column is None:
                return step_by_step(run)
            for _ in range(steps):
                run.charge(len(column) // _CONCAT_UNIT)
            return column if run.results_are_fresh else v.detach(column)

        return run_chain

    def projection_step(self, node: n.Projection) -> Code:
        name, project = node.name, v.project
        source, array = node.target, None
        if isinstance(source, n.Member) and isinstance(source.target, n.Variable):
            source, array = source.target, source.name
        held, deferred, get_member = self.held(source), v.DeferredAnswer, v.get_member

        def target_projection(run: _Run) -> Any:
            value = held(run)
            if type(value) is deferred:
                return value.column(array, name)
            if array is not None:
                value = value.get(array) if type(value) is dict else get_member(value, array)
            return project(value, name)

        def run_projection(run: _Run) -> Any:
            result = target_projection(run)
            if type(result) is list:
                run.charge(len(result) // _CONCAT_UNIT)
            return result if run.results_are_fresh else v.detach(result)

        return run_projection

    def expr_Unary(self, node: n.Unary) -> Code:
        operand, op = self.expression(node.operand), node.op
        if op == "!":
            truthy = v.truthy
            return lambda run: not truthy(operand(run))
        to_number = v.to_number
        if op == "-":
            return lambda run: -to_number(operand(run), "-")
        return lambda run: to_number(operand(run), "+")

    def expr_Binary(self, node: n.Binary) -> Code:
        left, right = self.expression(node.left), self.expression(node.right)
        if node.op == "+":
            return self.addition(left, right)
        operation = _BINARY[node.op]
        return lambda run: operation(left(run), right(run))

    def addition(self, left: Code, right: Code) -> Code:
        """`+` with the fast int path inline and the size of string/array concatenation charged up front."""
        add = v.add

        def run_add(run: _Run) -> Any:
            a, b = left(run), right(run)
            if type(a) is int and type(b) is int:
                return a + b
            if type(a) in (list, str) and type(b) in (list, str):
                run.charge((len(a) + len(b)) // _CONCAT_UNIT)
            return add(a, b)

        return run_add

    def expr_Logical(self, node: n.Logical) -> Code:
        left, right, truthy = self.expression(node.left), self.expression(node.right), v.truthy
        if node.op == "&&":
            def run_and(run: _Run) -> Any:
                value = left(run)
                return right(run) if truthy(value) else value

            return run_and

        def run_or(run: _Run) -> Any:
            value = left(run)
            return value if truthy(value) else right(run)

        return run_or

    def expr_Conditional(self, node: n.Conditional) -> Code:
        test, then, otherwise = (self.expression(node.test), self.expression(node.then),
                                 self.expression(node.otherwise))
        truthy = v.truthy
        return lambda run: then(run) if truthy(test(run)) else otherwise(run)

    def expr_Assign(self, node: n.Assign) -> Code:
        value = self.expression(node.value)
        target = node.target
        if isinstance(target, n.Variable):
            slot = self.slot(target.name)
            if isinstance(node.value, n.ApiCall):
                value = self.expr_ApiCall(node.value, may_defer=True)

            def assign_variable(run: _Run) -> Any:
                result = run.variables[slot] = value(run)
                return result

            return assign_variable
        container = self.expression(target.target)
        if isinstance(target, n.Member):
            key = target.name

            def assign_field(run: _Run) -> Any:
                holder = container(run)
                result = value(run)
                _set_field(holder, key, result)
                return result

            return assign_field
        index = self.expression(target.index)

        def assign_index(run: _Run) -> Any:
            holder, position = container(run), index(run)
            result = value(run)
            _set_index(holder, position, result)
            return result if run.results_are_fresh else v.detach(result)

        return assign_index

    def expr_Delete(self, node: n.Delete) -> Code:
        container = self.expression(node.target.target)
        if isinstance(node.target, n.Member):
            name = node.target.name
            key: Code = lambda run: name  # noqa: E731 - a constant key shares the code path of computed ones
        else:
            index = self.expression(node.target.index)
            key = lambda run: v.key_of(index(run))  # noqa: E731

        def run_delete(run: _Run) -> bool:
            holder = container(run)
            field_key = key(run)
            if type(holder) is dict:
                holder.pop(field_key, None)
            return True

        return run_delete

    def expr_MethodCall(self, node: n.MethodCall) -> Code:
        target, method = self.expression(node.target), METHODS[node.name]
        args = tuple(self.expression(arg) for arg in node.args)

        def call_method(run: _Run) -> Any:
            result = method(target(run), [arg(run) for arg in args])
            if type(result) is list:
                run.charge(len(result) // _CONCAT_UNIT)
            return result if run.results_are_fresh else v.detach(result)

        return call_method

    def expr_FunctionCall(self, node: n.FunctionCall) -> Code:
        function, arg = FUNCTIONS[node.name], self.expression(node.args[0])
        return lambda run: function(arg(run))

    def expr_ApiCall(self, node: n.ApiCall, *, may_encode: bool = False, may_defer: bool = False) -> Code:
        method = node.method
        params = self.expression(node.params) if node.params is not None else (lambda run: {})
        to_param, encoded = v.to_param, v.EncodedJSON

        def call(run: _Run) -> Any:
            given = params(run)
            if type(given) is not dict:
                raise VKScriptRuntimeError(f"Parameters of API.{method} must be an object")
            run.api_calls += 1
            if run.api_calls > run.max_api_calls:
                raise VKScriptRuntimeError(f"Too many API calls (more than {run.max_api_calls})")
            request = {key: text for key, value in given.items() if (text := to_param(value)) is not None}
            try:
                if may_encode and run.call_api_json is not None:
                    return encoded(run.call_api_json(method, request))
                if may_defer and run.call_api_deferred is not None:
                    return run.call_api_deferred(method, request)
                result = run.call_api(method, request)
            except Exception as exc:
                error = _inner_error(method, exc)
                if error is None:
                    raise
                run.errors.append(error)
                return False
            return result if run.results_are_fresh else v.detach(result)

        return call


@dataclass(frozen=True)
class CompiledScript:
    body: StatementCode
    slot_count: int


def _compile(code: str, *, lifted: bool = False) -> CompiledScript:
    compiler = _Compiler()
    body = compiler.block(parse(code, lifted=lifted))
    return CompiledScript(body, len(compiler.slots))


class _Compiled(NamedTuple):
    """A memo entry: the compiled script, or None for a template that does not compile."""

    script: CompiledScript | None


_CACHE_SIZE = 64  # distinct templates (a 25-call script compiles to ~1 MB of closures)
_COMPILING = threading.Lock()
_templates: BoundedMemo[str, _Compiled] = BoundedMemo(_CACHE_SIZE)
_texts: BoundedMemo[str, CompiledScript] = BoundedMemo(_CACHE_SIZE)


def _compile_template(template: str) -> _Compiled:
    try:
        return _Compiled(_compile(template, lifted=True))
    except VKScriptCompileError:
        return _Compiled(None)


def _memoised(memo: BoundedMemo[str, T], key: str, make: Callable[[str], T]) -> T:
    """`memo.get(key, make)` with one compile at a time: a sync's executes arrive together, and each would
    otherwise compile the template it does not find yet (threads taking turns on the GIL, every one as
    slow as all of them together). A script already compiled is read without waiting for the lock."""
    compiled = memo.peek(key)
    if compiled is None:
        with _COMPILING:
            compiled = memo.get(key, make)
    return compiled


def clear_compiled() -> None:
    """Forget every compiled script (for measuring a cold start)."""
    with _COMPILING:
        _templates.clear()
        _texts.clear()


def compiled_script(code: str) -> tuple[CompiledScript, tuple[int | float, ...]]:
    """The compiled script and the numbers it runs with.

    A client's scripts differ mostly in their numbers (a sync's 2nd, 3rd, ... execute only in its offsets),
    and parsing a 25-call script costs more than running it, so the compiled form is kept per template: the
    text with its numbers lifted out (`lift_numbers`), the numbers handed to the run. Two texts with one
    template are the same tokens but for the numbers, and compiling never looks at a number's value, so
    they compile to the same code. A template that does not compile (a script with an error, or a number
    used as an object key, whose text is the key) sends the script to be compiled from its own text, so
    errors and keys come from that text."""
    lifted = lift_numbers(code)
    if lifted is not None:
        template, numbers = lifted
        script = _memoised(_templates, template, _compile_template).script
        if script is not None:
            return script, numbers
    return _memoised(_texts, code, _compile), ()


def run_script(code: str, args: Mapping[str, str], call_api: CallApi,
               limits: ExecuteLimits = ExecuteLimits(), *, results_are_fresh: bool = False,
               call_api_json: CallApiJson | None = None,
               call_api_deferred: CallApiDeferred | None = None) -> ScriptResult:
    """Run a VKScript program like VK's `execute`.

    `call_api(method, params)` performs one inner call (params are VK strings) and returns its response value,
    or raises an exception with `error_code`/`error_msg`, which makes the call evaluate to `false` and adds an
    `execute_errors` entry. Raises VKScriptCompileError (12) or VKScriptRuntimeError (13) when the whole
    execute fails. Inner results are deep-copied so a script's mutations cannot reach the caller's data,
    unless `results_are_fresh` says `call_api` builds a new value on every call (the emulator's methods do).
    `call_api_json(method, params)`, when given, is `call_api` answering with the value's UTF-8 JSON; it is
    used for calls whose value goes straight into the answer (then `response` holds `EncodedJSON` there).
    `call_api_deferred(method, params)`, when given, is `call_api` for a call assigned to a variable: it may
    answer with a `DeferredAnswer` (fresh values only), which the variable holds until the script needs it.
    """
    script, numbers = compiled_script(code)
    run = _Run(script.slot_count, args, call_api, limits, results_are_fresh, call_api_json, call_api_deferred,
               numbers)
    outcome = script.body(run)
    response = outcome[0] if outcome is not None else None
    encoded = v.to_json(response)
    if len(encoded) > limits.max_response_bytes:
        raise VKScriptRuntimeError("response size is too big")
    return ScriptResult(response, run.errors, encoded)
