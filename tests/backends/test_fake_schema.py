"""The fake judge answers a request that carries a JSON schema with a matching object."""

from __future__ import annotations

import json
from dataclasses import dataclass

from judgekit import Request
from judgekit.backends import FakeBackend, Message, Sampling
from judgekit.revise import parse_revision
from judgekit.revise._schema import revise_sampling
from judgekit.run import parse


def _request(sampling: Sampling, text: str = "hello") -> Request:
    return Request("x", "single", (Message("system", "s"), Message("user", text)), sampling)


def test_revise_schema_answer_is_deterministic_and_readable() -> None:
    sampling = revise_sampling(256)
    a = FakeBackend(3).complete([_request(sampling)])[0]
    b = FakeBackend(3).complete([_request(sampling)])[0]
    c = FakeBackend(4).complete([_request(sampling)])[0]
    assert a == b and a.text != c.text
    data = json.loads(a.text)
    assert list(data) == ["critique", "revision"]
    parsed = parse_revision(a)
    assert parsed.error is None and parsed.revision == data["revision"]
    assert FakeBackend(3).complete([_request(sampling, "other")])[0].text != a.text


def test_every_schema_type_is_filled() -> None:
    schema = {"type": "object", "properties": {
        "kind": {"type": "string", "enum": ["x", "y"]}, "n": {"type": "integer"},
        "p": {"type": "number"}, "ok": {"type": "boolean"}, "note": {"type": "string"}}}
    sampling = Sampling(mode="rationale", labels=("x",), max_tokens=64,
                        schema=json.dumps(schema, sort_keys=True))
    data = json.loads(FakeBackend().complete([_request(sampling)])[0].text)
    assert data["kind"] in {"x", "y"} and isinstance(data["n"], int)
    assert 0.0 <= data["p"] <= 1.0 and isinstance(data["ok"], bool)
    assert data["note"].startswith("Deterministic fake note ")


def test_requests_without_a_schema_answer_as_before() -> None:
    @dataclass(frozen=True)
    class Plain(Sampling):
        pass

    for sampling in (Sampling(mode="rationale", labels=("A", "B")),
                     Plain(mode="verdict", labels=("A", "B"))):
        completion = FakeBackend(1).complete([_request(sampling)])[0]
        assert parse(completion, sampling).label in {"A", "B"}
