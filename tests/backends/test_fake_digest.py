"""The fake judge's opinion seed: one hash per request, the shared system message hashed once."""

from __future__ import annotations

import hashlib
import json
import random

from judgekit import Request
from judgekit.backends import FakeBackend, Message, Sampling
from judgekit.backends.fake import _HEADS

TEXTS = ["", "s", "caf\u00e9 \U0001f600", 'quote " back \\ slash', "\u2028\x00\x1f", "x" * 3000]


def spec(seed: int, messages: list[Message]) -> bytes:
    """What a stored run's labels were made from: sha256 of the JSON of seed and messages."""
    text = json.dumps([seed, [m.to_dict() for m in messages]], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).digest()


def test_digest_is_the_documented_hash_for_any_messages() -> None:
    rng = random.Random(7)
    for seed in (0, 3, -12):
        fake = FakeBackend(seed)
        for _ in range(400):
            messages = [Message(rng.choice(["system", "user", "assistant"]), rng.choice(TEXTS))
                        for _ in range(rng.randint(0, 4))]
            assert fake._digest(messages) == spec(seed, messages), messages


def test_digest_of_a_system_user_pair_spelled_out() -> None:
    messages = [Message("system", "s"), Message("user", "hello")]
    literal = b'[0, [{"content": "s", "role": "system"}, {"content": "hello", "role": "user"}]]'
    assert FakeBackend()._digest(messages) == hashlib.sha256(literal).digest()


def test_answers_do_not_depend_on_what_the_fake_saw_before() -> None:
    sampling = Sampling(mode="verdict", labels=("A", "B", "tie"))
    requests = [Request(f"i{n}", "AB", (Message("system", f"system {n % (_HEADS + 9)}"),
                                        Message("user", f"item {n}")), sampling)
                for n in range(3 * _HEADS)]
    warm = FakeBackend(5)
    together = warm.complete(requests)
    alone = [FakeBackend(5).complete([r])[0] for r in requests]
    assert together == alone
    assert len(warm._heads) <= _HEADS  # the cache of system-message hashes stays bounded
    assert len({c.text for c in together}) > 1


def test_the_answer_is_the_first_most_likely_label() -> None:
    """The verdict is the label of highest log-probability, the first of equals (2,000
    requests of three labels: about 23 with two equal picks; and a 40-label space)."""
    fake, ties = FakeBackend(), 0
    for labels in (("A", "B", "tie"), tuple(f"L{i}" for i in range(40))):
        sampling = Sampling(mode="verdict", labels=labels)
        requests = [Request(f"i{n}", "AB", (Message("user", f"q{n}"),), sampling)
                    for n in range(2000 if len(labels) == 3 else 200)]
        for answer in fake.complete(requests):
            logprobs = answer.top_logprobs[0]
            assert list(logprobs) == list(labels)
            assert answer.text == max(labels, key=logprobs.__getitem__)
            ties += len(set(logprobs.values())) < len(labels)
    assert ties > 5
